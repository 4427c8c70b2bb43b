"""Comparative option briefs (DESIGN.md §8.5): for a model and a rankings request, and for a workshop round.

The format comes from `?format=` when given (for links), else from `Accept`: Markdown,
self-contained HTML, DOCX or the structured JSON they are all rendered from. A format
the service cannot give is answered with 406.
"""

from __future__ import annotations

import re

from flask import current_app, request
from flask.views import MethodView

from service.api import Blueprint, problem_responses
from service.api.models import find_model
from service.api.workshops import authorized, facilitator_only, round_results
from service.briefs.formats import BY_MEDIA_TYPE, DOCX_MEDIA_TYPE, FORMATS, Format
from service.platform.errors import ApiProblem
from service.schemas.briefs import (BriefFormatQuerySchema, BriefRequestSchema, BriefSchema,
                                    WorkshopBriefQuerySchema)

blp = Blueprint("briefs", __name__, url_prefix="/api/v1",
                description="Comparative option briefs: Markdown, HTML, DOCX, or the JSON they are rendered from")

# The other representations of a 200, beside the JSON documented by BriefSchema (the key is an int,
# as flask-smorest keys the responses it documents, so that the two merge).
OTHER_REPRESENTATIONS = {200: {
    "description": "The brief, in the format chosen by `?format=` or `Accept`",
    "content": {
        "text/markdown": {"schema": {"type": "string"}},
        "text/html": {"schema": {"type": "string", "description": "one self-contained file: inline CSS and SVG"}},
        DOCX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
    },
}}
# The HTML brief needs nothing but its own inline style and data: URLs.
HTML_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'")


def negotiated_format(requested: str | None) -> Format:
    """`?format=` when given, else the best of `Accept`; 406 when neither names a format we have."""
    offered = ", ".join(f"{f.name} ({f.media_type})" for f in FORMATS.values())
    if requested is not None:
        if requested not in FORMATS:
            raise ApiProblem(406, f"No brief format '{requested}'; the formats are {offered}.", slug="not-acceptable")
        return FORMATS[requested]
    if not request.accept_mimetypes:  # no Accept header: anything will do (RFC 9110 §12.5.1)
        return FORMATS["json"]
    match = request.accept_mimetypes.best_match([f.media_type for f in FORMATS.values()])
    if match is None:
        raise ApiProblem(406, f"Accept names no format a brief comes in; the formats are {offered}.",
                         slug="not-acceptable")
    return BY_MEDIA_TYPE[match]


def brief_response(brief: dict, chosen: Format, name: str):
    response = current_app.response_class(chosen.render(brief), mimetype=chosen.media_type)
    disposition = "attachment" if chosen.name == "docx" else "inline"
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "-", name)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{safe_name}.{chosen.extension}"'
    response.vary.add("Accept")
    if chosen.name == "html":
        response.headers["Content-Security-Policy"] = HTML_POLICY
    return response


@blp.route("/models/<model_id>/briefs")
class ModelBriefs(MethodView):
    @blp.arguments(BriefFormatQuerySchema, location="query")
    @blp.arguments(BriefRequestSchema)
    @blp.alt_response(200, schema=BriefSchema, success=True, description="The brief")
    @blp.doc(responses=OTHER_REPRESENTATIONS)
    @problem_responses(400, 404, 406, 413, 415, 422, 503)
    def post(self, query, fields, model_id):
        """A comparative option brief: the question, the headline (best package and option, how sure,
        what would overturn it), the options side by side, charts, one section per option, provenance.

        Takes a rankings request, plus `robustness` parameters (as POST .../robustness takes them),
        the `options` to compare (every option when left out), a `title` and an `audience`. Every number
        equals what the rankings and robustness endpoints compute for the same input; the same input
        gives the same document except its `generated_at`. 406 for a format it does not come in.
        """
        settings = current_app.extensions["policy_options"].solver_settings.for_request()  # the deadline starts now
        chosen = negotiated_format(query.get("format"))
        model = find_model(model_id)
        from service.briefs.content import BriefRequest, build_brief  # the engine, on first use
        from service.engine.cost import enforced

        with enforced(settings):  # the renderers too
            brief = build_brief(model, BriefRequest.from_fields(model, fields), settings)
            return brief_response(brief, chosen, f"brief-{model.id}-{brief['provenance']['input_sha256'][:12]}")


@blp.route("/workshops/<workshop_id>/brief")
class WorkshopBrief(MethodView):
    @blp.arguments(WorkshopBriefQuerySchema, location="query")
    @blp.alt_response(200, schema=BriefSchema, success=True, description="The brief")
    @blp.doc(responses=OTHER_REPRESENTATIONS)
    @problem_responses(401, 403, 404, 406, 409, 422, 503)
    def get(self, query, workshop_id):
        """The brief of a workshop round with the group's view (facilitator): the group's weights, each
        participant's weights and ranking, where they agree and disagree, the most contested criteria
        and the compromise package, from the same analysis as GET .../results.

        409 while no one has submitted in the round.
        """
        settings = current_app.extensions["policy_options"].solver_settings.for_request()  # the deadline starts now
        workshop, _ = authorized(workshop_id, facilitator_only)
        chosen = negotiated_format(query.get("format"))
        round_number = query.get("round", workshop.current_round)
        if round_number > workshop.current_round:
            raise ApiProblem(404, f"Round {round_number} has not opened (the current round is {workshop.current_round}).",
                             slug="round-not-found")
        results = round_results(workshop, round_number, settings)
        if results["group"] is None:
            raise ApiProblem(409, f"No one has submitted in round {round_number}: there is no group view to brief yet.",
                             slug="no-submissions")
        model = find_model(workshop.model_id)
        view = {"id": workshop.id, "title": workshop.title, "round": round_number, "scenario": workshop.scenario,
                "constraints": workshop.constraints, "results": results}
        from service.briefs.content import BriefRequest, build_brief  # the engine, on first use
        from service.engine.cost import enforced

        with enforced(settings):  # the renderers too
            brief = build_brief(model, BriefRequest.for_workshop(model, view), settings, workshop=view)
            return brief_response(brief, chosen, f"brief-workshop-{workshop.id}-round-{round_number}")
