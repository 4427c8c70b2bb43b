"""Robustness: how sure the ranking is, and what would overturn it (DESIGN.md §5.1)."""

from flask import current_app
from flask.views import MethodView

from service.api import Blueprint, operation, problem_responses
from service.api.models import find_model
from service.schemas import examples
from service.schemas.common import LanguageQuerySchema
from service.schemas.robustness import RobustnessRequestSchema, RobustnessSchema

# The engine (numpy, HiGHS, PuLP) is imported by the views when a request first needs it:
# importing it at start-up was a tenth of the service's cold start (docs/performance.md).

blp = Blueprint("robustness", __name__, url_prefix="/api/v1/models", description="How sure a ranking is")


@blp.route("/<model_id>/robustness")
class Robustness(MethodView):
    @operation("analyzeRobustness")
    @blp.arguments(LanguageQuerySchema, location="query")
    @blp.arguments(RobustnessRequestSchema, example=examples.ROBUSTNESS_REQUEST)
    @blp.response(200, RobustnessSchema)
    @problem_responses(400, 404, 413, 415, 422, 503)
    def post(self, query, fields, model_id):
        """Stability intervals, necessary and possible preference, rank ranges, SMAA, scenario sweep, verdicts.

        Priorities: any of `weights`, `priority_order` (also read as w_a >= w_b) and
        `weight_intervals`, at least one. 422 with pointers for bad bounds, naming a minimal
        set of conflicting bounds when they admit no weight vector; 422 with type ending
        `/infeasible-constraints` when no package satisfies the constraints; 503 when the
        solver cannot prove optimality in time. The verdicts are sentences in the language of `?lang=`
        or Accept-Language (en, fr); everything else is language-neutral.
        """
        from service.engine.cost import enforced
        from service.engine.robustness import RobustnessRequest, analyse

        settings = current_app.extensions["policy_options"].solver_settings.for_request()  # the deadline starts now
        model = find_model(model_id)
        with enforced(settings):
            request = RobustnessRequest.from_fields(model, fields, settings)
            return analyse(model, request, settings)
