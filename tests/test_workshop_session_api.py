"""The API a facilitated session needs (DESIGN.md §8.3): the status pages poll (ETag, 304), the
submissions as CSV (anonymous-aware, safe in a spreadsheet), effect overrides' `rationale` (and the
`reason` stored before it), comments and reasons in the facilitator's results, versions counted per
round, one agreement scale, the projection's charts, the join QR code and the start page."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from service import create_app
from service.briefs import wording
from service.engine.agreement import AGREEMENT_LEVELS, agreement_level
from service.engine.group import group_results
from service.persistence.tables import Submission
from tests.test_workshops_api import MODEL

SAFETY = {"option": "plan-exit", "criterion": "personnel-safety"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def open_workshop(client, **settings) -> dict:
    response = client.post("/api/v1/workshops", json={"title": "Session", "model_id": MODEL, **settings})
    assert response.status_code == 201
    return response.json


def join(client, workshop: dict, name: str, perspective: str | None = None) -> dict:
    body = {"join_code": workshop["join_code"], "display_name": name}
    if perspective:
        body["perspective"] = perspective
    return client.post(f"/api/v1/workshops/{workshop['id']}/participants", json=body).json


def submit(client, workshop, person, body, etag=None):
    headers = bearer(person["participant_token"])
    if etag:
        headers["If-Match"] = etag
    return client.put(f"/api/v1/workshops/{workshop['id']}/participants/{person['participant_id']}/submission",
                      json=body, headers=headers)


def exit_safety(client) -> dict:
    return next(e for e in client.get(f"/api/v1/models/{MODEL}").json["effects"]
                if e["option"] == SAFETY["option"] and e["criterion"] == SAFETY["criterion"])


# -- Status -------------------------------------------------------------------------------------------


def test_status_answers_every_member_with_a_strong_etag_and_304_until_something_changes(client):
    workshop = open_workshop(client)
    facilitator = bearer(workshop["facilitator_token"])
    url = f"/api/v1/workshops/{workshop['id']}/status"
    first = client.get(url, headers=facilitator)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert first.json == {"round": 1, "released_rounds": [], "settings_version": first.json["settings_version"],
                          "participants": 0, "submitted_this_round": 0, "saved_versions": 0}
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    unchanged = client.get(url, headers={**facilitator, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""

    person = join(client, workshop, "Awa")
    seen = [etag]
    steps = [
        lambda: None,  # the join itself
        lambda: submit(client, workshop, person, {"weights": {"peace-process": 1}}),
        lambda: submit(client, workshop, person, {"weights": {"peace-process": 2}}, etag='"r1v1"'),
        lambda: client.post(f"/api/v1/workshops/{workshop['id']}/release", headers=facilitator),
        lambda: client.patch(f"/api/v1/workshops/{workshop['id']}", json={"instructions": "Now weigh."}, headers=facilitator),
        lambda: client.delete(f"/api/v1/workshops/{workshop['id']}/release?round=1", headers=facilitator),
        lambda: client.post(f"/api/v1/workshops/{workshop['id']}/rounds", headers=facilitator),
    ]
    for step in steps:
        step()
        # A participant polls too; every change gives a new ETag, so a page that held the last one learns of it.
        changed = client.get(url, headers={**bearer(person["participant_token"]), "If-None-Match": seen[-1]})
        assert changed.status_code == 200, step
        assert changed.headers["ETag"] not in seen
        seen.append(changed.headers["ETag"])
    final = client.get(url, headers=facilitator).json
    assert final == {"round": 2, "released_rounds": [], "settings_version": final["settings_version"], "participants": 1,
                     "submitted_this_round": 0, "saved_versions": 2}
    # Round 2 has no instructions: its settings are those of the start again, and so is their version.
    assert final["settings_version"] == first.json["settings_version"]
    client.patch(f"/api/v1/workshops/{workshop['id']}", json={"language": "fr"}, headers=facilitator)
    assert client.get(url, headers=facilitator).json["settings_version"] != first.json["settings_version"]


def test_status_refuses_strangers(client):
    workshop, other = open_workshop(client), open_workshop(client)
    url = f"/api/v1/workshops/{workshop['id']}/status"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer("no-such-token")).status_code == 401
    assert client.get(url, headers=bearer(other["facilitator_token"])).status_code == 403
    assert client.get("/api/v1/workshops/nope/status", headers=bearer(other["facilitator_token"])).status_code == 404


# -- Rationale, comments, versions ------------------------------------------------------------------------


def test_overrides_carry_a_rationale_that_reaches_the_facilitators_results_with_comments(client):
    workshop = open_workshop(client)
    facilitator = bearer(workshop["facilitator_token"])
    effect = exit_safety(client)
    awa, baba = join(client, workshop, "Awa"), join(client, workshop, "Baba")
    override = {**SAFETY, "likely": effect["high"], "rationale": "An exit takes staff out of harm's way."}
    saved = submit(client, workshop, awa, {"weights": {"personnel-safety": 1}, "effect_overrides": [override],
                                           "comment": "Safety first."})
    assert saved.status_code == 200 and saved.json["effect_overrides"] == [override]
    refused = submit(client, workshop, baba, {"weights": {"peace-process": 1},
                                              "effect_overrides": [{**SAFETY, "likely": effect["high"], "reason": "old name"}]})
    assert refused.status_code == 422
    assert any(e["pointer"].startswith("/effect_overrides/0") for e in refused.json["errors"])
    submit(client, workshop, baba, {"weights": {"peace-process": 1}})
    results = client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=facilitator).json
    by_name = {p["display_name"]: p for p in results["participants"]}
    assert by_name["Awa"]["comment"] == "Safety first." and by_name["Baba"]["comment"] is None
    assert by_name["Awa"]["effect_overrides"] == [override]
    # A participant of a workshop without open results sees their own words, nobody else's.
    client.post(f"/api/v1/workshops/{workshop['id']}/release", headers=facilitator)
    own = client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=bearer(baba["participant_token"])).json
    assert "Safety first." not in json.dumps(own) and "harm's way" not in json.dumps(own)


def test_a_reason_stored_before_the_rename_is_read_as_the_rationale(app, client):
    workshop = open_workshop(client)
    facilitator = bearer(workshop["facilitator_token"])
    effect = exit_safety(client)
    awa = join(client, workshop, "Awa")
    submit(client, workshop, awa, {"weights": {"personnel-safety": 1},
                                   "effect_overrides": [{**SAFETY, "likely": effect["high"], "rationale": "new"}]})
    sessions = app.extensions["policy_options"].sessions
    with sessions.begin() as session:  # as a submission of before DESIGN.md §8.3 was stored
        stored = session.scalar(select(Submission.priorities))
        legacy = json.loads(stored)
        legacy["effect_overrides"] = [{**SAFETY, "likely": effect["high"], "reason": "stored as a reason"}]
        session.execute(update(Submission).values(priorities=json.dumps(legacy)))
    results = client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=facilitator).json
    assert results["participants"][0]["effect_overrides"] == [{**SAFETY, "likely": effect["high"],
                                                               "rationale": "stored as a reason"}]
    exported = client.get(f"/api/v1/workshops/{workshop['id']}/submissions", headers=facilitator).get_data(as_text=True)
    assert "stored as a reason" in exported
    brief = client.get(f"/api/v1/workshops/{workshop['id']}/brief?format=json", headers=facilitator).json
    assert [o["rationale"] for o in brief["workshop"]["effect_overrides"]] == ["stored as a reason"]


def test_versions_count_within_the_current_round(client):
    workshop = open_workshop(client)
    facilitator = bearer(workshop["facilitator_token"])
    awa = join(client, workshop, "Awa")
    first = submit(client, workshop, awa, {"weights": {"peace-process": 1}})
    submit(client, workshop, awa, {"weights": {"peace-process": 2}}, etag=first.headers["ETag"])
    view = client.get(f"/api/v1/workshops/{workshop['id']}", headers=facilitator).json
    assert view["participants"][0]["versions"] == 2
    client.post(f"/api/v1/workshops/{workshop['id']}/rounds", headers=facilitator)
    view = client.get(f"/api/v1/workshops/{workshop['id']}", headers=facilitator).json
    assert view["participants"][0]["versions"] == 0 and not view["participants"][0]["submitted_this_round"]
    saved = submit(client, workshop, awa, {"weights": {"peace-process": 3}})
    assert saved.json["version"] == 1
    view = client.get(f"/api/v1/workshops/{workshop['id']}", headers=facilitator).json
    one = client.get(f"/api/v1/workshops/{workshop['id']}/participants/{awa['participant_id']}", headers=facilitator).json
    assert view["participants"][0]["versions"] == one["versions"] == saved.json["version"] == 1


# -- One agreement scale --------------------------------------------------------------------------------


@given(st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0)))
def test_the_results_level_and_the_briefs_words_are_one_scale(kendall_w):
    level = agreement_level(kendall_w)
    assert level in AGREEMENT_LEVELS or (level is None and kendall_w is None)
    # The thresholds as DESIGN.md §5.2's consensus is described to readers (the README's table).
    expected = (None if kendall_w is None else "strong" if kendall_w >= 0.8 else "substantial" if kendall_w >= 0.6
                else "moderate" if kendall_w >= 0.3 else "weak")
    assert level == expected
    assert wording.agreement(kendall_w) == wording.AGREEMENT_WORDS[level]()


def test_results_name_the_agreement_level_of_their_w(client):
    workshop = open_workshop(client)
    for name, weights in (("A", {"peace-process": 1}), ("B", {"peace-process": 1, "stabilization": 1}),
                          ("C", {"personnel-safety": 1})):
        submit(client, workshop, join(client, workshop, name), {"weights": weights})
    consensus = client.get(f"/api/v1/workshops/{workshop['id']}/results",
                           headers=bearer(workshop["facilitator_token"])).json["consensus"]
    assert consensus["kendall_w"] is not None and consensus["agreement"] == agreement_level(consensus["kendall_w"])


def test_nobody_yet_means_no_agreement_level():
    from models.loader import builtin_models

    empty = group_results(builtin_models()[MODEL], None, [], [])
    assert empty["consensus"] == {"kendall_w": None, "raters": 0, "options": 0, "agreement": None}


# -- Submissions as CSV ------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_submissions_export_every_version_with_weights_comments_and_reasons(client):
    workshop = open_workshop(client)
    facilitator = bearer(workshop["facilitator_token"])
    effect = exit_safety(client)
    awa, baba = join(client, workshop, "Awa", "Civil society"), join(client, workshop, "Baba")
    first = submit(client, workshop, awa, {"weights": {"peace-process": 1}})
    submit(client, workshop, awa, {"weights": {"peace-process": 1, "stabilization": 3}, "comment": "Revised.",
                                   "effect_overrides": [{**SAFETY, "likely": effect["high"], "rationale": "Staff first."}]},
           etag=first.headers["ETag"])
    submit(client, workshop, baba, {"profile": "author"})
    client.post(f"/api/v1/workshops/{workshop['id']}/rounds", headers=facilitator)
    submit(client, workshop, baba, {"priority_order": ["stabilization", "peace-process"]})
    rows = read_csv(client.get(f"/api/v1/workshops/{workshop['id']}/submissions", headers=facilitator))
    header, body = rows[0], rows[1:]
    # Model texts may be maps of languages (DESIGN.md §8.2); the export speaks English here.
    criteria = [c["name"]["en"] if isinstance(c["name"], dict) else c["name"]
                for c in client.get(f"/api/v1/models/{MODEL}").json["criteria"]]
    assert header[:7] == ["Round", "Participant", "Speaks for", "Version", "Counts", "Saved at (UTC)", "Started from profile"]
    assert header[7:-2] == [f"Weight: {name}" for name in criteria] and header[-2:] == ["Comment", "Effects read differently"]
    assert [(r[0], r[1], r[3], r[4]) for r in body] == [("1", "Awa", "1", "no"), ("1", "Awa", "2", "yes"),
                                                          ("1", "Baba", "1", "yes"), ("2", "Baba", "1", "yes")]
    assert body[0][2] == "Civil society"
    revised = dict(zip(header, body[1]))
    assert float(revised["Weight: Peace process"]) == pytest.approx(0.25, abs=1e-4)
    assert float(revised["Weight: Stabilization (containing armed groups)"]) == pytest.approx(0.75, abs=1e-4)
    assert revised["Comment"] == "Revised." and "Staff first." in revised["Effects read differently"]
    assert dict(zip(header, body[2]))["Started from profile"].startswith("The report's author")
    for row in body:
        assert sum(float(cell) for cell in row[7:-2]) == pytest.approx(1.0, abs=1e-3)
    only_two = read_csv(client.get(f"/api/v1/workshops/{workshop['id']}/submissions?round=2", headers=facilitator))
    assert [r[0] for r in only_two[1:]] == ["2"]
    assert client.get(f"/api/v1/workshops/{workshop['id']}/submissions?round=3", headers=facilitator).status_code == 404
    assert client.get(f"/api/v1/workshops/{workshop['id']}/submissions?format=xlsx", headers=facilitator).status_code == 422
    assert client.get(f"/api/v1/workshops/{workshop['id']}/submissions",
                      headers=bearer(awa["participant_token"])).status_code == 403
    french = read_csv(client.get(f"/api/v1/workshops/{workshop['id']}/submissions?lang=fr", headers=facilitator))
    assert len(french) == len(rows)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused(client, start):
    workshop = open_workshop(client)
    text = start + "HYPERLINK(\"http://example.invalid\",\"x\")"
    person = join(client, workshop, start + "cmd|' /C calc'!A0")
    submit(client, workshop, person, {"weights": {"peace-process": 1}, "comment": text})
    rows = read_csv(client.get(f"/api/v1/workshops/{workshop['id']}/submissions",
                               headers=bearer(workshop["facilitator_token"])))
    cells = [cell for row in rows for cell in row]
    assert "'" + text in cells and "'" + start + "cmd|' /C calc'!A0" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_an_anonymous_export_names_no_one(client):
    workshop = open_workshop(client, anonymous=True)
    for name in ("Zanele", "Ingrid"):
        submit(client, workshop, join(client, workshop, name, "The Oyelaran Trust"), {"weights": {"peace-process": 1}})
    text = client.get(f"/api/v1/workshops/{workshop['id']}/submissions",
                      headers=bearer(workshop["facilitator_token"])).get_data(as_text=True)
    assert "Zanele" not in text and "Ingrid" not in text and "Oyelaran" not in text
    assert [row[1] for row in list(csv.reader(io.StringIO(text)))[1:]] == ["Participant 1", "Participant 2"]
    person = client.get(f"/api/v1/workshops/{workshop['id']}", headers=bearer(workshop["facilitator_token"])).json
    one = client.get(f"/api/v1/workshops/{workshop['id']}/participants/{person['participants'][0]['participant_id']}",
                     headers=bearer(workshop["facilitator_token"])).json
    assert one["display_name"] == "Participant 1" and one["perspective"] is None


# -- The projection's charts and the QR code --------------------------------------------------------------


def test_charts_are_svg_for_the_facilitator_with_the_results_names(client):
    workshop = open_workshop(client)
    facilitator = bearer(workshop["facilitator_token"])
    url = f"/api/v1/workshops/{workshop['id']}/charts"
    assert client.get(url, headers=facilitator).json == {"round": 1, "charts": []}
    people = [join(client, workshop, name) for name in ("Awa", "Baba", "Chloé")]
    for person, weights in zip(people, ({"peace-process": 1}, {"personnel-safety": 2}, {"stabilization": 1})):
        submit(client, workshop, person, {"weights": weights})
    response = client.get(url, headers=facilitator)
    charts = response.json["charts"]
    assert [c["id"] for c in charts] == ["weights", "ranks", "regrets", "agreement"]
    for chart in charts:
        svg = ElementTree.fromstring(chart["svg"])
        assert svg.tag.endswith("svg") and svg.get("role") == "img" and svg.get("aria-label") == chart["summary"]
        assert not any(element.tag.endswith("script") for element in svg.iter())
    weights_text = " ".join(element.text or "" for element in ElementTree.fromstring(charts[0]["svg"]).iter())
    assert all(name in weights_text for name in ("Awa", "Baba", "Chloé")) and "100%" in weights_text
    assert client.get(url, headers={**facilitator, "If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get(url, headers=bearer(people[0]["participant_token"])).status_code == 403
    assert client.get(url + "?round=2", headers=facilitator).status_code == 404
    french = client.get(url + "?lang=fr", headers=facilitator)
    assert french.status_code == 200 and len(french.json["charts"]) == 4


def test_the_join_link_as_a_qr_code(client):
    workshop = open_workshop(client)
    response = client.get(f"/w/{workshop['join_code']}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = ElementTree.fromstring(response.data)
    title = next(element.text for element in svg.iter() if element.tag.endswith("title"))
    assert title == f"http://localhost/w/{workshop['join_code']}"
    assert client.get("/w/NO-SUCH-CODE/qr.svg").status_code == 404


# -- The start page ------------------------------------------------------------------------------------


def test_the_start_page_asks_for_an_api_key_only_when_the_server_needs_one(client, database_url):
    for path in ("/", "/workshops/new"):
        page = client.get(path)
        assert page.status_code == 200 and b'id="create-form"' in page.data and b'id="api-key"' not in page.data
    keyed = create_app({"TESTING": True, "DATABASE_URL": database_url, "API_KEYS": "k" * 24 + "@workshops"}).test_client()
    assert b'id="api-key"' in keyed.get("/").data
    assert keyed.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL}).status_code == 401
    assert keyed.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL},
                      headers=bearer("k" * 24)).status_code == 201


def test_anonymous_numbers_are_the_same_in_results_export_charts_and_brief(client):
    """"Participant k" is the k-th to join everywhere, also when someone before them has not submitted."""
    workshop = open_workshop(client, anonymous=True)
    facilitator = bearer(workshop["facilitator_token"])
    join(client, workshop, "Silent")  # joins first, never submits
    submit(client, workshop, join(client, workshop, "Speaker"), {"weights": {"peace-process": 1}})
    submit(client, workshop, join(client, workshop, "Third"), {"weights": {"stabilization": 1}})
    base = f"/api/v1/workshops/{workshop['id']}"
    results = client.get(f"{base}/results", headers=facilitator).json
    assert [p["display_name"] for p in results["participants"]] == ["Participant 2", "Participant 3"]
    rows = read_csv(client.get(f"{base}/submissions", headers=facilitator))
    assert [row[1] for row in rows[1:]] == ["Participant 2", "Participant 3"]
    brief = client.get(f"{base}/brief?format=json", headers=facilitator).json
    assert [p["label"] for p in brief["workshop"]["participants"]] == ["Participant 2", "Participant 3"]
    regrets = next(c for c in client.get(f"{base}/charts", headers=facilitator).json["charts"] if c["id"] == "regrets")
    assert "Participant 2" in regrets["svg"] and "Participant 3" in regrets["svg"] and "Participant 1" not in regrets["svg"]
