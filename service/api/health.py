"""Liveness and readiness."""

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from service.api import Blueprint
from service.engine.optimizer import solver_available
from service.persistence.database import database_reachable

blp = Blueprint("health", __name__, description="Liveness and readiness")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"description": "ok or degraded"})
    database = fields.String(required=True)
    solver = fields.String(required=True)


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="the database or the solver is not available")
    def get(self):
        """Is the service up, its database reachable and its solver working?"""
        state = current_app.extensions["policy_options"]
        database = "ok" if database_reachable(state.engine) else "unreachable"
        solver = "ok" if solver_available() else "unavailable"
        body = {"status": "ok" if database == solver == "ok" else "degraded", "database": database, "solver": solver}
        return body, 200 if body["status"] == "ok" else 503
