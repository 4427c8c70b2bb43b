"""policy-options: the Flask service. `create_app()` is the WSGI entry point."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_smorest import Api
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.platform.config import API_SETTINGS, settings_from_environment
from service.platform.jsonbody import BoundedStreamingBodies
from service.platform.jsonresponse import OrjsonProvider
from service.platform.text_policy import install_converters
from service.engine.settings import SolverSettings
from service.persistence.model_store import ModelStore


@dataclass
class ServiceState:
    """What one app instance holds: its database, stores and solver settings (no request state)."""

    api: Api
    engine: Engine
    sessions: sessionmaker[Session]
    models: ModelStore
    solver_settings: SolverSettings


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `test_config`; then blueprints."""
    from service.platform import api_keys, caching, errors, languages, metrics, request_id, security
    from service.api import briefs, docs, health, models, pages, problems, rankings, robustness, workshops
    from service.persistence.database import make_engine, migrate, session_factory
    from service.openapi import DeferredDocsApi

    app = Flask(__name__)
    app.json_provider_class = OrjsonProvider
    app.json = OrjsonProvider(app)
    app.config.update(API_SETTINGS)
    app.config.update(settings_from_environment())
    # flask-smorest would serve its own unfiltered spec; ours is served by the docs blueprint.
    app.config["OPENAPI_URL_PREFIX"] = None
    if test_config:
        app.config.update(test_config)
    api_keys.init_app(app)
    app.url_map.strict_slashes = False
    install_converters(app.url_map)  # before any route: every path variable follows the text policy

    app.wsgi_app = BoundedStreamingBodies(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])
    engine = make_engine(app.config["DATABASE_URL"])
    if app.config["AUTO_MIGRATE"]:
        migrate(engine)
    sessions = session_factory(engine)

    api = DeferredDocsApi(app)
    for blueprint in (models.blp, rankings.blp, robustness.blp, workshops.blp, briefs.blp, health.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.blp)
    app.register_blueprint(pages.blp)
    app.register_blueprint(problems.blp)
    app.extensions["policy_options"] = ServiceState(
        api=api, engine=engine, sessions=sessions, models=ModelStore(sessions),
        solver_settings=SolverSettings(time_limit_seconds=app.config["SOLVER_TIME_LIMIT_SECONDS"]),
    )
    errors.register_error_handlers(app)
    request_id.init_app(app)  # first: every later hook, refusal and log line sees the id
    metrics.init_app(app)  # before the rate limit, so refusals are timed too
    security.init_app(app)
    caching.init_app(app)
    languages.init_app(app)
    return app
