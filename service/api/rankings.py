"""Rankings: options and packages ranked against a user's priorities (DESIGN.md §5)."""

from flask import current_app, jsonify
from flask.views import MethodView

from service.api import Blueprint, operation, problem_responses
from service.api.models import find_model
from service.schemas import examples
from service.schemas.rankings import RankingRequestSchema, RankingSchema

# The engine (numpy, HiGHS, PuLP) is imported by the views when a request first needs it:
# importing it at start-up was a tenth of the service's cold start (docs/performance.md).

blp = Blueprint("rankings", __name__, url_prefix="/api/v1/models", description="Rank options and packages")


@blp.route("/<model_id>/rankings")
class Rankings(MethodView):
    @operation("rankOptions")
    @blp.arguments(RankingRequestSchema(), example=examples.RANKING_REQUEST)  # an instance: a class would be built anew per request
    # Documented by RankingSchema but not dumped through it: the engine already returns
    # exactly that shape, and dumping costs more than the ranking itself (docs/benchmarks.md).
    # Tests check responses against the schema.
    @blp.alt_response(200, schema=RankingSchema, success=True)
    @problem_responses(400, 404, 413, 415, 422, 503)
    def post(self, fields, model_id):
        """Rank each option and the k best packages; explain what each excluded choice costs.

        422 with type ending `/infeasible-constraints` and a minimal `conflict` when no
        package satisfies the constraints; 503 when the solver cannot prove optimality in time.
        """
        from service.engine.cost import enforced
        from service.engine.ranking import RankingRequest, rank

        settings = current_app.extensions["policy_options"].solver_settings.for_request()  # the deadline starts now
        model = find_model(model_id)
        request = RankingRequest.from_fields(model, fields)
        with enforced(settings):
            return jsonify(rank(model, request, settings))
