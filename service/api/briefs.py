"""Comparative option briefs (DESIGN.md §8.5): for a model and a rankings request, and for a workshop round.

The format comes from `?format=` when given (for links), else from `Accept`: Markdown,
self-contained HTML, PDF, DOCX or the structured JSON they are all rendered from. A format
the service does not have is answered with 406, one it cannot render on this machine (PDF
without Pango) with 503. The brief is written in the request's language (`?lang=`, then
`Accept-Language`, DESIGN.md §8.2), and so is the file name of a download.
"""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from service.api import Blueprint, operation, problem_responses
from service.api.models import find_model
from service.api.workshops import authorized, facilitator_only, round_results, workshop_store
from service.briefs.formats import BY_MEDIA_TYPE, FORMATS, Format, RendererUnavailable
from service.platform.errors import ApiProblem
from service.schemas import examples
from service.schemas.briefs import (BriefFormatQuerySchema, BriefRequestSchema, BriefSchema,
                                    WorkshopBriefQuerySchema)

blp = Blueprint("briefs", __name__, url_prefix="/api/v1",
                description="Comparative option briefs: Markdown, HTML, PDF, DOCX, or the JSON they are rendered from")

# The other representations of a 200, beside the JSON documented by BriefSchema (the key is an int,
# as flask-smorest keys the responses it documents, so that the two merge): text as strings,
# anything else (DOCX) as binary, so that a generated client reads them as text or bytes.
OTHER_REPRESENTATIONS = {200: {
    "description": "The brief, in the format chosen by `?format=` or `Accept`, in the request's language",
    "content": {
        brief_format.media_type: {"schema": {"type": "string"} if brief_format.media_type.startswith("text/")
                                  else {"type": "string", "format": "binary"}}
        for brief_format in FORMATS.values() if brief_format.name != "json"
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


def brief_response(brief: dict, chosen: Format, *name_parts):
    try:
        document = chosen.render(brief)
    except RendererUnavailable as error:
        raise ApiProblem(503, f"{error} The other formats are available.", slug="renderer-unavailable") from None
    response = current_app.response_class(document, mimetype=chosen.media_type)
    disposition = "attachment" if chosen.name == "docx" else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{chosen.file_name(brief, *name_parts)}"'
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    if chosen.name == "html":
        response.headers["Content-Security-Policy"] = HTML_POLICY
    return response


@blp.route("/models/<model_id>/briefs")
class ModelBriefs(MethodView):
    @operation("createBrief")
    @blp.arguments(BriefFormatQuerySchema, location="query")
    @blp.arguments(BriefRequestSchema, example=examples.BRIEF_REQUEST)
    @blp.alt_response(200, schema=BriefSchema, success=True, description="The brief")
    @blp.doc(responses=OTHER_REPRESENTATIONS)
    @problem_responses(400, 404, 406, 413, 415, 422, 503)
    def post(self, query, fields, model_id):
        """A comparative option brief: a first page that answers the question (what to do, how sure,
        what would change it, the options' values with their uncertainty, the main caveat), then the
        inputs, how sure in detail, the options side by side, charts, each option, provenance.

        Takes a rankings request, plus `robustness` parameters (as POST .../robustness takes them),
        the `options` to compare (every option when left out), a `title` and an `audience`. Every number
        equals what the rankings and robustness endpoints compute for the same input; the same input
        gives the same document except its `generated_at`. Written in the language of `?lang=` or
        `Accept-Language` (en, fr). 406 for a format it does not come in; 503 for PDF where the
        server cannot render it.
        """
        settings = current_app.extensions["policy_options"].solver_settings.for_request()  # the deadline starts now
        chosen = negotiated_format(query.get("format"))
        model = find_model(model_id)
        from service.briefs.content import BriefRequest, build_brief  # the engine, on first use
        from service.engine.cost import enforced

        with enforced(settings):  # the renderers too
            brief = build_brief(model, BriefRequest.from_fields(model, fields), settings)
            return brief_response(brief, chosen, model.id, brief["provenance"]["input_sha256"][:12])


@blp.route("/workshops/<workshop_id>/brief")
class WorkshopBrief(MethodView):
    @operation("getWorkshopBrief", bearer=True)
    @blp.arguments(WorkshopBriefQuerySchema, location="query")
    @blp.alt_response(200, schema=BriefSchema, success=True, description="The brief")
    @blp.doc(responses=OTHER_REPRESENTATIONS)
    @problem_responses(401, 403, 404, 406, 409, 422, 503)
    def get(self, query, workshop_id):
        """The brief of a workshop round with the group's view (facilitator): right after the answer,
        where the participants agree and disagree, their comments and their reasons for reading an
        effect differently; then the group's weights, the spread of the participants' weights and
        ranks, the most contested criteria and the compromise package, from the same analysis as
        GET .../results. Participants are "Participant 1…n" when the workshop is anonymous.

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
                "constraints": workshop.constraints, "results": results,
                "anonymous": workshop.anonymous,
                "participant_numbers": {p.id: k for k, p in enumerate(workshop_store().participants(workshop.id), 1)},
                "submissions": _submitted_words(workshop.id, round_number)}
        from service.briefs.content import BriefRequest, build_brief  # the engine, on first use
        from service.engine.cost import enforced

        with enforced(settings):  # the renderers too
            brief = build_brief(model, BriefRequest.for_workshop(model, view), settings, workshop=view)
            return brief_response(brief, chosen, workshop.id, round_number)


def _submitted_words(workshop_id: str, round_number: int) -> dict[str, dict]:
    """What each participant wrote with their current submission: a comment and, for each effect
    they read differently, its value and their reason (DESIGN.md §8.3)."""
    words = {}
    for record in workshop_store().current_submissions(workshop_id, round_number):
        given = record.priorities
        words[record.participant_id] = {"comment": given.get("comment") or None,
                                        "effect_overrides": [{"option": item["option"], "criterion": item["criterion"],
                                                              "likely": item["likely"],
                                                              # `reason` in submissions made before DESIGN.md §8.3
                                                              "rationale": item.get("rationale") or item.get("reason")}
                                                             for item in given.get("effect_overrides") or []]}
    return words
