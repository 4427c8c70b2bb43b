"""The workshop pages, rendered by the server: `/w/<join_code>` for participants and
`/workshops/<id>/dashboard` for the facilitator.

No build step and no external network: plain HTML from `service/templates`, plain
JavaScript and CSS from `service/static`, and no inline script or style, so the
strict Content-Security-Policy below holds. Tokens never travel in a URL query:
the participant's is kept in the browser's storage, the facilitator's comes in the
URL fragment (which browsers never send) or is typed into a form.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

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


@blp.get("/w/<join_code>")
def participant_page(join_code):
    use_page_language()
    workshop = workshop_store().by_join_code(join_code)
    if workshop is None:
        abort(404, description="No workshop has this join code.")
    model = current_app.extensions["policy_options"].models.get(workshop.model_id)
    if model is None:
        abort(404, description="The workshop's model is no longer served.")
    scenario_name = next((localized(s.name)[0] for s in model.scenarios if s.id == workshop.scenario), None)
    return render_template("participant.html", workshop=workshop, model=model, scenario_name=scenario_name,
                           option_names={o.id: localized(o.name)[0] for o in model.options})


@blp.get("/workshops/<workshop_id>/dashboard")
def dashboard_page(workshop_id):
    # The page itself reveals nothing: everything it shows comes from the API with the token.
    use_page_language()
    return render_template("dashboard.html", workshop_id=workshop_id)
