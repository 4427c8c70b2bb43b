"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright):
a participant joins, moves sliders with the keyboard, sees the ranking change and submits;
the facilitator's dashboard shows the submission and the compromise. The app runs for real
on a free localhost port; the pages run under their strict Content-Security-Policy."""

from __future__ import annotations

import os

from service.i18n import localized

MODEL = "minusma-2017"
CRITERIA = ("impartiality-and-authority", "peace-process", "malian-ownership", "personnel-safety",
            "protection-of-civilians", "state-authority", "diplomatic-feasibility", "regional-demilitarization",
            "stabilization")
SCREENSHOTS = os.environ.get("WORKSHOP_SCREENSHOTS")  # a folder, to look at the pages


def watch_console(page) -> list[str]:
    """Console errors, CSP violations included: the pages must run with no inline script or style."""
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def option_order(page) -> list[str]:
    return page.eval_on_selector_all("#ranking li", "items => items.map(i => i.dataset.option)")


def test_a_participant_joins_ranks_and_submits_and_the_dashboard_shows_it(live_server, chromium):
    app, base = live_server
    api = app.test_client()
    workshop = api.post("/api/v1/workshops", json={"title": "MINUSMA options, Bamako 2017", "model_id": MODEL}).json
    # A colleague has already submitted through the API, so the group has two people.
    colleague = api.post(f"/api/v1/workshops/{workshop['id']}/participants",
                         json={"join_code": workshop["join_code"], "display_name": "Colleague"}).json
    api.put(f"/api/v1/workshops/{workshop['id']}/participants/{colleague['participant_id']}/submission",
            json={"weights": {"peace-process": 3, "impartiality-and-authority": 2}},
            headers={"Authorization": f"Bearer {colleague['participant_token']}"})

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    problems = watch_console(page)
    page.goto(f"{base}/w/{workshop['join_code']}")
    page.get_by_label("Your name").fill("Awa")
    page.get_by_label("Whom you speak for").fill("Civil society")
    page.get_by_role("button", name="Join", exact=True).click()
    page.wait_for_selector("#priorities-section:not([hidden])")
    # No ranking, and so no "best" anything, before the participant has given priorities (anchoring).
    assert page.locator("#ranking-section").is_hidden() and page.locator("#ranking li").count() == 0

    # Keyboard only: every slider to 0 (Home) but personnel safety to 10 (End).
    for slider in page.locator("#sliders input[type=range]").all():
        slider.focus()
        page.keyboard.press("Home")
    page.wait_for_selector("#ranking-section:not([hidden])")
    before = [e["option"] for e in api.post(f"/api/v1/models/{MODEL}/rankings",
                                            json={"weights": {c: 5 for c in CRITERIA}}).json["options"]]
    safety = page.locator("#w-personnel-safety")
    safety.focus()
    page.keyboard.press("End")
    expected = [e["option"] for e in api.post(f"/api/v1/models/{MODEL}/rankings",
                                              json={"weights": {"personnel-safety": 1}}).json["options"]]
    page.wait_for_function("expected => Array.from(document.querySelectorAll('#ranking li'))"
                           ".map(i => i.dataset.option).join() === expected.join()", arg=expected)
    assert option_order(page) == expected != before
    assert page.locator("#o-personnel-safety").text_content() == "10"

    page.get_by_role("button", name="Submit my priorities").click()
    page.wait_for_selector("text=Saved: round 1, version 1")
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "participant.png"), full_page=True)
    stored = api.get(f"/api/v1/workshops/{workshop['id']}", headers={"Authorization": f"Bearer {workshop['facilitator_token']}"}).json
    awa = next(p for p in stored["participants"] if p["display_name"] == "Awa")
    assert awa["submitted_this_round"] and awa["perspective"] == "Civil society"

    desk = chromium.new_context(viewport={"width": 1280, "height": 900})
    dashboard = desk.new_page()
    dashboard_problems = watch_console(dashboard)
    dashboard.goto(f"{base}/workshops/{workshop['id']}/dashboard#token={workshop['facilitator_token']}")
    dashboard.wait_for_selector("#participants tbody tr:nth-child(2)")
    assert workshop["facilitator_token"] not in dashboard.url  # the fragment is dropped at once
    rows = dashboard.locator("#participants tbody tr").all_text_contents()
    assert any("Awa" in row and "Submitted" in row for row in rows)
    results = api.get(f"/api/v1/workshops/{workshop['id']}/results",
                      headers={"Authorization": f"Bearer {workshop['facilitator_token']}"}).json
    # The model serves its texts by language; the dashboard shows the page language, English here.
    names = {o["id"]: localized(o["name"], "en")[0] for o in api.get(f"/api/v1/models/{MODEL}").json["options"]}
    compromise_text = dashboard.locator("#compromise").text_content()
    for option in results["compromise"]["package"]:
        assert names[option] in compromise_text
    assert dashboard.locator("#regrets tbody tr").count() == 2
    assert "over 2 participants" in dashboard.locator("#consensus").text_content()
    if SCREENSHOTS:
        dashboard.screenshot(path=os.path.join(SCREENSHOTS, "dashboard.png"), full_page=True)
    assert problems == [] and dashboard_problems == []


def test_the_pages_forbid_inline_script_and_never_take_a_token_in_the_query(live_server):
    app, _ = live_server
    api = app.test_client()
    workshop = api.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL}).json
    for path in ("/", "/workshops/new", f"/w/{workshop['join_code']}", f"/workshops/{workshop['id']}/dashboard",
                 f"/workshops/{workshop['id']}/projection"):
        response = api.get(path)
        assert response.status_code == 200
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert b"<script>" not in response.data and b" style=" not in response.data
    assert api.get("/w/NO-SUCH-CODE").status_code == 404
