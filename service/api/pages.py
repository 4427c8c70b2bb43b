"""The workshop pages, rendered by the server (DESIGN.md §8.3): the facilitator's start page (`/`,
`/workshops/new`), the participant page `/w/<join_code>`, the facilitator's dashboard
`/workshops/<id>/dashboard` and the projection view `/workshops/<id>/projection`, plus the join
link as a QR code (`/w/<join_code>/qr.svg`).

No build step and no external network: plain HTML from `service/templates`, plain
JavaScript and CSS from `service/static`, and no inline script or style, so the
strict Content-Security-Policy below holds. Tokens never travel in a URL query or a
cookie: the participant's and the facilitator's are kept in the browser's storage (the
start page stores the facilitator's; a `#token=` fragment, which browsers never send,
or the dashboard's form also can), and every API call sends them as a bearer token.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup

from service.api.workshops import workshop_store
from service.i18n import localized
from service.platform.languages import remember_language_choice, use_page_language

blp = Blueprint("pages", __name__)

CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


@blp.after_request
def _page_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return remember_language_choice(response)


@blp.context_processor
def _page_helpers() -> dict:
    from service.briefs.wording import effect

    return {"effect_value": effect, "range_bar": range_bar}


def range_bar(estimate, scale=(-3.0, 3.0)) -> Markup:
    """An effect's low..high band and most likely value on the model's scale, as a small SVG (the
    text beside it says the same: hidden from assistive technology)."""
    low, high = scale

    def x(value: float) -> str:
        return f"{(value - low) / (high - low) * 120:.1f}"

    return Markup(
        '<svg class="range-bar" viewBox="0 0 120 14" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        f'<rect x="0" y="6" width="120" height="2" fill="#d5dbe3"/>'
        f'<line x1="{x(0)}" y1="1" x2="{x(0)}" y2="13" stroke="#566273" stroke-width="0.8"/>'
        f'<rect x="{x(estimate.low)}" y="4" width="{max(0.8, float(x(estimate.high)) - float(x(estimate.low))):.1f}" '
        f'height="6" fill="#0b5cad" fill-opacity="0.35"/>'
        f'<rect x="{float(x(estimate.likely)) - 1:.1f}" y="1" width="2" height="12" fill="#0b5cad"/></svg>')


def _models():
    return current_app.extensions["policy_options"].models


@blp.get("/")
@blp.get("/workshops/new")
def start_page():
    """Create and configure a workshop; lists the workshops this browser opened (from its storage)."""
    use_page_language()
    models = [{"id": item["id"], "title": localized(item["title"])[0]} for item in _models().summaries()]
    return render_template("start.html", models=models,
                           api_key_required=bool(current_app.config.get("API_KEYS")))


def _workshop_by_code(join_code: str):
    workshop = workshop_store().by_join_code(join_code)
    if workshop is None:
        abort(404, description="No workshop has this join code.")
    model = _models().get(workshop.model_id)
    if model is None:
        abort(404, description="The workshop's model is no longer served.")
    return workshop, model


@blp.get("/w/<join_code>")
def participant_page(join_code):
    workshop, model = _workshop_by_code(join_code)
    use_page_language(default=workshop.language)
    scenario = next((s for s in model.scenarios if s.id == workshop.scenario), None)
    unavailable = set(scenario.unavailable) if scenario else set()
    adjustments = {(a.option, a.criterion): a.delta for a in scenario.adjustments} if scenario else {}
    profiles = [{"id": p.id, "label": localized(p.label)[0], "description": localized(p.description)[0],
                 "effect_overrides": [{"option": o.option, "criterion": o.criterion, "likely": o.likely}
                                      for o in p.effect_overrides],
                 **p.priority_fields()} for p in model.profiles]
    return render_template("participant.html", workshop=workshop, model=model, scenario=scenario,
                           unavailable=unavailable, adjustments=adjustments,
                           effects={(e.option, e.criterion): e for e in model.effects},
                           options=[o for o in model.options if o.id != "status-quo"], profiles=profiles,
                           page_data={"criteria": list(model.criterion_ids), "profiles": profiles,
                                      "option_names": {o.id: localized(o.name)[0] for o in model.options},
                                      "criterion_names": {c.id: localized(c.name)[0] for c in model.criteria}})


@blp.get("/w/<join_code>/qr.svg")
def join_qr_code(join_code):
    """The participant page's address as a QR code (SVG, segno): for the dashboard and the projection."""
    import io

    import segno

    workshop_by_code = workshop_store().by_join_code(join_code)
    if workshop_by_code is None:
        abort(404, description="No workshop has this join code.")
    address = request.host_url.rstrip("/") + url_for("pages.participant_page", join_code=join_code)
    code = segno.make(address, error="m", micro=False)
    document = io.BytesIO()
    code.save(document, kind="svg", scale=8, border=2, dark="#000000", light="#ffffff", title=address,
              svgclass="qr", xmldecl=True)
    return current_app.response_class(document.getvalue(), mimetype="image/svg+xml")


def _facilitator_page(template: str, workshop_id: str):
    # The page itself reveals nothing: everything it shows comes from the API with the token. Only
    # the workshop's language is read here, to be the page's default (DESIGN.md §8.2).
    workshop = workshop_store().get(workshop_id)
    use_page_language(default=workshop.language if workshop else None)
    return render_template(template, workshop_id=workshop_id)


@blp.get("/workshops/<workshop_id>/dashboard")
def dashboard_page(workshop_id):
    return _facilitator_page("dashboard.html", workshop_id)


@blp.get("/workshops/<workshop_id>/projection")
def projection_page(workshop_id):
    return _facilitator_page("projection.html", workshop_id)
