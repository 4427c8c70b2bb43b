"""Liveness and readiness."""

import logging
import time

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from service.api import Blueprint, operation
from service.persistence.database import database_reachable

blp = Blueprint("health", __name__, description="Liveness and readiness")
log = logging.getLogger(__name__)


class PositiveResultCache:
    """Remembers a passing check for `seconds`; a failing one is asked again on every call.

    The solver check runs a solve: a load balancer polling /healthz should not pay for one
    each time, but a solver that stops answering must show at once it is asked again.
    """

    def __init__(self, check, seconds: float, clock=time.monotonic):
        self.check, self.seconds, self.clock = check, seconds, clock
        self._passed_until = float("-inf")

    def __call__(self) -> bool:
        now = self.clock()
        if now < self._passed_until:
            return True
        try:
            passed = bool(self.check())
        except Exception:  # noqa: BLE001 - a health check reports, never raises
            log.exception("health check %s failed", getattr(self.check, "__name__", self.check))
            passed = False
        if passed:
            self._passed_until = now + self.seconds
        return passed


SOLVER_CHECK_CACHE_SECONDS = 5.0


def solver_solves_a_trivial_program() -> bool:
    from service.engine.optimizer import solver_available  # HiGHS, imported on first use

    return solver_available()


solver_answers = PositiveResultCache(solver_solves_a_trivial_program, SOLVER_CHECK_CACHE_SECONDS)


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("ok", "degraded")))
    database = fields.String(required=True, validate=validate.OneOf(("ok", "unreachable")))
    solver = fields.String(required=True, validate=validate.OneOf(("ok", "unavailable")))


@blp.route("/healthz")
class Health(MethodView):
    @operation("getHealth")
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="the database or the solver is not available")
    def get(self):
        """Is the service up, its database reachable and its solver working?

        200 when both answer, 503 (degraded) when either does not; never rate limited, for load balancers.
        """
        state = current_app.extensions["policy_options"]
        database = "ok" if database_reachable(state.engine) else "unreachable"
        solver = "ok" if solver_answers() else "unavailable"
        body = {"status": "ok" if database == solver == "ok" else "degraded", "database": database, "solver": solver}
        return body, 200 if body["status"] == "ok" else 503
