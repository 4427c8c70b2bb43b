"""Comparative option briefs through the API and the CLI: every number in the JSON equals what the
rankings and robustness endpoints (and, for a workshop, the results endpoint) compute for the same
input; the same input gives the same documents apart from the timestamp; format negotiation (406);
the workshop brief is the facilitator's.
"""

from __future__ import annotations

import bisect
import io
import json
import math
import zipfile
from datetime import UTC, datetime

import pytest

from models.loader import builtin_models
from service import create_app
from service.briefs.content import BriefRequest, build_brief
from service.briefs.formats import DOCX_MEDIA_TYPE, FORMATS
from service.cli import main as cli_main
from service.i18n import set_language
from service.schemas.briefs import BriefRequestSchema, BriefSchema
from service.schemas.workshops import EffectOverrideSchema

MODEL = "minusma-2017"
RANKINGS_PART = {"weights": {"peace-process": 3, "personnel-safety": 2, "impartiality-and-authority": 2,
                             "diplomatic-feasibility": 1, "stabilization": 1},
                 "scenario": "truce-holds", "k": 4,
                 "constraints": [{"type": "max_options", "count": 2}, {"type": "exclude", "options": ["plan-exit"]}]}
ROBUSTNESS_PART = {"samples": 3000, "seed": 11}
BRIEF_REQUEST = {**RANKINGS_PART, "robustness": ROBUSTNESS_PART, "title": "MINUSMA after 2017",
                 "audience": "Security Council desk officers",
                 "options": ["status-quo", "reframe-as-spoilers", "reinforce-protection", "plan-exit",
                             "dissociate-from-barkhane"]}
BRIEFS = f"/api/v1/models/{MODEL}/briefs"


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in French sets the language of its thread (the test client's is this one): reset it."""
    yield
    set_language(None)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('briefs') / 'db.sqlite3'}"})
    yield app
    app.extensions["policy_options"].engine.dispose()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def answers(client):
    """The brief (JSON) and, for the same input, the rankings, robustness and model documents."""
    brief = client.post(BRIEFS, json=BRIEF_REQUEST, headers={"Accept": "application/json"})
    assert brief.status_code == 200, brief.text
    rankings = client.post(f"/api/v1/models/{MODEL}/rankings", json=RANKINGS_PART)
    robustness = client.post(f"/api/v1/models/{MODEL}/robustness", json={**RANKINGS_PART, **ROBUSTNESS_PART})
    model = client.get(f"/api/v1/models/{MODEL}")
    assert rankings.status_code == robustness.status_code == model.status_code == 200
    # Every package, valued with every effect at its pessimistic and at its optimistic value.
    by_case = {case: client.post(f"/api/v1/models/{MODEL}/rankings", json={**RANKINGS_PART, "k": 50, "score_case": case})
               for case in ("low", "high")}
    assert all(r.status_code == 200 for r in by_case.values())
    return brief.json, rankings.json, robustness.json, model.json, {case: r.json for case, r in by_case.items()}


def adjusted_effects(model: dict, scenario: str) -> dict:
    """(option, criterion) -> {low, likely, high}: the model document's effects plus the scenario's deltas."""
    effects = {(o["id"], c["id"]): {"low": 0.0, "likely": 0.0, "high": 0.0} for o in model["options"] for c in model["criteria"]}
    for effect in model["effects"]:
        effects[effect["option"], effect["criterion"]] = {k: float(effect[k]) for k in ("low", "likely", "high")}
    for adjustment in next(s for s in model["scenarios"] if s["id"] == scenario)["adjustments"]:
        for case in ("low", "likely", "high"):
            effects[adjustment["option"], adjustment["criterion"]][case] += adjustment["delta"]
    return effects


def numbers(document, skip=()) -> list[float]:
    """Every number in a JSON document (booleans are not numbers), leaving out keys in `skip`."""
    if isinstance(document, dict):
        return [n for key, value in document.items() if key not in skip for n in numbers(value, skip)]
    if isinstance(document, list):
        return [n for value in document for n in numbers(value, skip)]
    if isinstance(document, (int, float)) and not isinstance(document, bool):
        return [document]
    return []


def test_the_json_brief_matches_its_schema(answers):
    brief = answers[0]
    assert BriefSchema().validate(brief) == {}
    assert brief["title"] == BRIEF_REQUEST["title"] and brief["audience"] == BRIEF_REQUEST["audience"]


def test_every_number_in_the_brief_is_a_number_the_endpoints_compute(answers):
    brief, rankings, robustness, model, by_case = answers
    effects = adjusted_effects(model, "truce-holds")
    known = set(numbers(rankings) + numbers(robustness) + numbers(model) + numbers(by_case)
                + [v for estimate in effects.values() for v in estimate.values()])
    # brief_version is the format's number, not a result. The pessimistic and optimistic values are the
    # same sums as the endpoints', taken in another order: equal to the last bits or so.
    ordered = sorted(known)

    def is_known(n: float) -> bool:
        i = bisect.bisect_left(ordered, n)
        return any(abs(n - ordered[j]) <= 1e-12 * max(1.0, abs(n)) for j in (i - 1, i) if 0 <= j < len(ordered))

    stray = [n for n in numbers(brief, skip={"brief_version"}) if not is_known(n)]
    assert stray == []


def test_the_first_page_values_are_the_rankings_values_under_each_case_of_effects(answers):
    brief, rankings, robustness, _, by_case = answers
    likely = {tuple(p["options"]): p["value"] for p in rankings["packages"]}
    likely.update({(o["option"],) if o["option"] != "status-quo" else (): o["value"] for o in rankings["options"]})
    cases = {case: {tuple(p["options"]): p["value"] for p in ranked["packages"]}
             | {((o["option"],) if o["option"] != "status-quo" else ()): o["value"] for o in ranked["options"]}
             for case, ranked in by_case.items()}
    shares = {(o["option"],) if o["option"] != "status-quo" else (): o["acceptability"][0]
              for o in robustness["smaa"]["options"]}
    package_shares = {tuple(p["options"]): p["acceptability"][0] for p in robustness["smaa"]["packages"]}
    values = brief["summary"]["values"]
    assert values[0]["options"] == rankings["packages"][0]["options"] and values[0]["recommended"]
    for row in values:
        key = tuple(row["options"])
        assert row["likely"] == pytest.approx(likely[key], abs=1e-12)
        assert (row["low"], row["high"]) == pytest.approx((cases["low"][key], cases["high"][key]), abs=1e-12)
        assert row["low"] <= row["likely"] <= row["high"]
        expected_share = package_shares[key] if row["kind"] == "package" else shares[key]
        assert row["first_rank_acceptability"] == expected_share
    assert brief["summary"]["choice"]["options"] == rankings["packages"][0]["options"]
    assert brief["summary"]["how_sure"]["share"] == package_shares[tuple(rankings["packages"][0]["options"])]


def test_the_headline_is_the_rankings_best_with_robustness_numbers(answers):
    brief, rankings, robustness, _, _ = answers
    headline = brief["headline"]
    package, option = headline["best_package"], headline["best_option"]
    assert package["options"] == rankings["packages"][0]["options"]
    assert package["value"] == rankings["packages"][0]["value"]
    shares = {tuple(p["options"]): p["acceptability"][0] for p in robustness["smaa"]["packages"]}
    assert package["first_rank_acceptability"] == shares[tuple(package["options"])]
    assert option["option"] == rankings["options"][0]["option"] and option["value"] == rankings["options"][0]["value"]
    smaa = next(o for o in robustness["smaa"]["options"] if o["option"] == option["option"])
    assert (option["first_rank_acceptability"], option["confidence"]) == (smaa["acceptability"][0], smaa["confidence"])
    # The nearest bound a weight can cross (not below 0, not above 1), by brute force over every bound.
    for choice, intervals in ((option, robustness["stability"]["options"]), (package, robustness["stability"]["packages"])):
        bounds = [(abs(i[end] - i["weight"]), c, end) for c, i in intervals.items() for end in ("lower", "upper")
                  if i[end] is not None and (i[end] > 0 if end == "lower" else i[end] < 1)]
        if not bounds:
            assert choice["overturn"] is None
            continue
        _, criterion, end = min(bounds, key=lambda b: b[0])
        overturn = choice["overturn"]
        assert (overturn["criterion"], overturn["bound"]) == (criterion, intervals[criterion][end])
        assert overturn["direction"] == {"lower": "below", "upper": "above"}[end]
        successor = intervals[criterion]["below" if end == "lower" else "above"]
        assert overturn["successor"] == ([successor] if isinstance(successor, str) else successor)


def test_table_charts_and_sections_carry_the_endpoints_numbers(answers):
    brief, rankings, robustness, model, _ = answers
    ranked = {o["option"]: o for o in rankings["options"]}
    excluded = {e["option"]: e["reasons"] for e in rankings["excluded"]}
    effects = adjusted_effects(model, "truce-holds")
    assert {w["criterion"]: w["weight"] for w in brief["question"]["priorities"]["weights"]} == rankings["weights"]

    compared = [row["option"] for row in brief["table"]["rows"]]
    assert sorted(compared) == sorted(BRIEF_REQUEST["options"])
    for row in brief["table"]["rows"]:
        entry = ranked.get(row["option"])
        assert (row["rank"], row["value"]) == ((entry["rank"], entry["value"]) if entry else (None, None))
        assert row["excluded"] == excluded.get(row["option"], [])
        for criterion, estimate in row["effects"].items():
            assert estimate == pytest.approx(effects[row["option"], criterion], abs=1e-12)
    assert brief["table"]["rows"][-1]["option"] == "plan-exit"  # excluded: listed after the ranked ones

    contributions = next(c for c in brief["charts"] if c["id"] == "contributions")
    assert contributions["bars"][0]["contributions"] == rankings["packages"][0]["contributions"]
    for bar in contributions["bars"][1:]:
        option = bar["options"][0] if bar["options"] else "status-quo"
        assert (bar["value"], bar["contributions"]) == (ranked[option]["value"], ranked[option]["contributions"])
    stability = next(c for c in brief["charts"] if c["id"] == "stability")
    assert [s["kind"] for s in stability["series"]] == (
        ["package"] if robustness["stability"]["best_package"] == [robustness["stability"]["best_option"]]
        else ["package", "option"])
    for series in stability["series"]:
        for row in series["rows"]:
            interval = robustness["stability"][series["kind"] + "s"][row["criterion"]]
            assert (row["weight"], row["lower"], row["upper"]) == (interval["weight"], interval["lower"], interval["upper"])

    explanations = {e["option"]: e for e in rankings["explanations"]}
    ranges = {r["option"]: r for r in robustness["rank_ranges"]}
    pairs = {(p["a"], p["b"]): p for p in robustness["pairwise"]}
    for section in brief["options"]:
        option = section["option"]
        if option not in ranked:
            assert section["rank"] is None and section["tradeoff"] is None and section["excluded"]
            continue
        for row in section["strengths"] + section["weaknesses"]:
            assert row["contribution"] == ranked[option]["contributions"][row["criterion"]]
            assert (row["likely"] > 0) == (row in section["strengths"])
        assert (section["rank_range"]["best"], section["rank_range"]["worst"]) == (ranges[option]["best"], ranges[option]["worst"])
        if section["packages"]:
            assert section["packages"]["value_loss"] == explanations[option]["value_loss"]
        tradeoff = section["tradeoff"]
        expected_rival = rankings["options"][1]["option"] if option == rankings["options"][0]["option"] else rankings["options"][0]["option"]
        assert tradeoff["rival"] == expected_rival
        pair = pairs[option, expected_rival]
        assert (tradeoff["min_difference"], tradeoff["max_difference"]) == (pair["min_difference"], pair["max_difference"])
        gained = {g["criterion"] for g in tradeoff["gains"]}
        assert gained == {c for c, v in ranked[option]["contributions"].items() if v > ranked[expected_rival]["contributions"][c]}


def test_the_brief_cites_quotes_verbatim_from_the_model(answers):
    brief, _, _, model, _ = answers
    quotes = {(e["quote"], e["lines"], e["section"]) for item in model["criteria"] + model["options"] + model["effects"]
              for e in item["evidence"]}
    cited = [(e["quote"], e["lines"], e["section"]) for s in brief["options"] for e in s["evidence"]]
    assert cited and set(cited) <= quotes


def _without_timestamp(document: bytes, stamp: str) -> bytes:
    return document.replace(stamp.encode(), b"<generated_at>")


def _docx_parts(document: bytes, stamp: str) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(document))
    return {name: _without_timestamp(archive.read(name), stamp) for name in archive.namelist()}


def _pdf_text(document: bytes, stamp: str) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    assert text.count(stamp) == 1
    return text.replace(stamp, "<generated_at>")


def test_the_same_input_gives_the_same_documents_apart_from_the_timestamp():
    model = builtin_models()[MODEL]
    request = BriefRequest.from_fields(model, BriefRequestSchema().load({"weights": {"peace-process": 1, "stabilization": 1}}))
    first_time, second_time = datetime(2026, 4, 7, 9, 30, tzinfo=UTC), datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    first, again = (build_brief(model, request, generated_at=first_time) for _ in range(2))
    later = build_brief(model, request, generated_at=second_time)
    assert first == again
    assert {k: v for k, v in later.items() if k != "generated_at"} == {k: v for k, v in first.items() if k != "generated_at"}
    assert later["generated_at"] == "2027-01-02T03:04:05Z" != first["generated_at"]
    from service.briefs.pdf import available

    for name, chosen in FORMATS.items():
        if name == "pdf" and not available():
            continue  # WeasyPrint without Pango: the PDF tests of test_brief_reading say so
        one, two, three = chosen.render(first), chosen.render(again), chosen.render(later)
        assert one == two, name  # byte for byte, DOCX included
        if name == "docx":
            assert _docx_parts(one, first["generated_at"]) == _docx_parts(three, later["generated_at"])
        elif name == "pdf":
            assert _pdf_text(one, first["generated_at"]) == _pdf_text(three, later["generated_at"])
        else:
            assert one.count(first["generated_at"].encode()) == 1, name  # one clearly marked field
            assert _without_timestamp(one, first["generated_at"]) == _without_timestamp(three, later["generated_at"]), name


def test_the_format_follows_format_then_accept_and_anything_else_is_406(client):
    body = {"weights": {"peace-process": 1}, "robustness": {"samples": 200}}
    for accept, expected in (("text/markdown", "text/markdown"), ("text/html;q=0.9, application/json;q=0.1", "text/html"),
                             (DOCX_MEDIA_TYPE, DOCX_MEDIA_TYPE), ("application/pdf", "application/pdf"),
                             (None, "application/json"), ("*/*", "application/json")):
        response = client.post(BRIEFS, json=body, headers={"Accept": accept} if accept else {})
        assert response.status_code == 200 and response.mimetype == expected, (accept, response.status_code)
    by_query = client.post(f"{BRIEFS}?format=md", json=body, headers={"Accept": "application/json"})
    assert by_query.mimetype == "text/markdown" and by_query.headers["Vary"] == "Accept, Accept-Language"
    for query, accept in (("", "image/png, text/plain"), ("?format=rtf", "*/*"), ("?format=", "*/*")):
        refused = client.post(BRIEFS + query, json=body, headers={"Accept": accept})
        assert refused.status_code == 406, (query, accept)
        assert refused.mimetype == "application/problem+json" and refused.json["type"].endswith("/not-acceptable")
    html = client.post(f"{BRIEFS}?format=html", json=body)
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    assert html.headers["Content-Disposition"].startswith('inline; filename="comparative-brief-minusma-2017-')
    assert {"Accept", "Accept-Language"} <= set(html.headers["Vary"].replace(" ", "").split(","))


def test_bad_brief_requests_point_at_the_field(client):
    cases = [({"weights": {"peace-process": 1}, "options": ["no-such-option"]}, "/options/0"),
             ({"weights": {"peace-process": 1}, "options": ["plan-exit", "plan-exit"]}, "/options/1"),
             ({"weights": {"peace-process": 1}, "robustness": {"weight_intervals": {"no-such": [0, 1]}}},
              "/robustness/weight_intervals/no-such"),
             # Weights outside the intervals: the robustness analysis refuses them, as its endpoint does.
             ({"weights": {"peace-process": 1}, "robustness": {"weight_intervals": {"peace-process": [0, 0.5]}}},
              "/weights"),
             # An order whose centroid weights lie outside: one brief cannot rank at one point and analyse another.
             ({"priority_order": ["peace-process", "stabilization"],
               "robustness": {"weight_intervals": {"peace-process": [0, 0.5]}}}, "/robustness/weight_intervals"),
             ({"weights": {"peace-process": 1}, "robustness": {"samples": 0}}, "/robustness/samples"),
             ({"weights": {"peace-process": 1}, "title": ""}, "/title"),
             ({"weights": {"peace-process": 1}, "robustness": {"weights": {}}}, "/robustness/weights")]
    for body, pointer in cases:
        response = client.post(BRIEFS, json=body)
        assert response.status_code == 422, body
        assert pointer in [e["pointer"] for e in response.json["errors"]], (body, response.json)


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


REASON_FIELD = "rationale" if "rationale" in EffectOverrideSchema().fields else "reason"
PEOPLE = (("Awa", {"peace-process": 3, "impartiality-and-authority": 1}, "Talks first, then troops.",
           [{"option": "reframe-as-spoilers", "criterion": "peace-process", "likely": 2.5,
             REASON_FIELD: "Naming spoilers worked in the 2015 talks."}]),
          ("Jean", {"personnel-safety": 2, "stabilization": 2, "peace-process": 1}, None, []),
          ("Fatou", {"protection-of-civilians": 1, "state-authority": 1}, "Protect the villages.", []))


def workshop_with_submissions(client, title: str = "Bamako, March") -> tuple[dict, dict]:
    """A workshop where three people submitted weights (two with a comment, one reading an effect differently)."""
    workshop = client.post("/api/v1/workshops", json={"title": title, "model_id": MODEL}).json
    people = {}
    for name, weights, comment, overrides in PEOPLE:
        joined = client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                             json={"join_code": workshop["join_code"], "display_name": name}).json
        body = {"weights": weights, "effect_overrides": overrides, **({"comment": comment} if comment else {})}
        saved = client.put(f"/api/v1/workshops/{workshop['id']}/participants/{joined['participant_id']}/submission",
                           json=body, headers=_bearer(joined["participant_token"]))
        assert saved.status_code == 200, saved.json
        people[name] = joined
    return workshop, people


def test_the_workshop_brief_is_the_facilitators_and_carries_the_results(client):
    empty = client.post("/api/v1/workshops", json={"title": "Empty", "model_id": MODEL}).json
    assert client.get(f"/api/v1/workshops/{empty['id']}/brief",
                      headers=_bearer(empty["facilitator_token"])).status_code == 409  # nobody submitted yet
    workshop, people = workshop_with_submissions(client)
    url = f"/api/v1/workshops/{workshop['id']}/brief"

    assert client.get(url).status_code == 401
    assert client.get(url, headers=_bearer(people["Awa"]["participant_token"])).status_code == 403
    assert client.get(url, headers=_bearer("not-a-token")).status_code == 401  # a token of no one (DESIGN.md §8.4)
    assert client.get("/api/v1/workshops/no-such/brief", headers=_bearer(workshop["facilitator_token"])).status_code == 404

    facilitator = _bearer(workshop["facilitator_token"])
    brief = client.get(url, headers={**facilitator, "Accept": "application/json"}).json
    results = client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=facilitator).json
    assert brief["kind"] == "workshop" and BriefSchema().validate(brief) == {}
    view = brief["workshop"]
    assert {w["criterion"]: w["weight"] for w in brief["question"]["priorities"]["weights"]} == pytest.approx(
        results["group"]["weights"], abs=1e-15)
    assert view["compromise"]["package"] == results["compromise"]["package"]
    assert view["compromise"]["max_regret"] == results["compromise"]["max_regret"]
    # Participants in the results' order, each with their regret under the compromise.
    assert [p["label"] for p in view["participants"]] == [p["display_name"] for p in results["participants"]]
    assert [p["regret"] for p in view["participants"]] == [results["compromise"]["regrets"][p["participant_id"]]
                                                          for p in results["participants"]]
    assert view["compromise"]["without_loss"] == sum(r <= 1e-9 for r in results["compromise"]["regrets"].values())
    assert view["consensus"] == results["consensus"]
    assert [c["criterion"] for c in view["contested_criteria"]] == [c["criterion"] for c in results["contested_criteria"]]
    for row in view["option_ranks"]:
        given = [next(o["rank"] for o in p["options"] if o["option"] == row["option"]) for p in results["participants"]]
        assert (row["best"], row["worst"], row["first"]) == (min(given), max(given), given.count(1))
    # The rank grid counts, for each option and rank, the participants giving it (oracle: the results).
    grid = next(c for c in brief["charts"] if c["id"] == "rank-distribution")
    for option, counts in zip(grid["options"], grid["counts"]):
        given = [next(o["rank"] for o in p["options"] if o["option"] == option["id"]) for p in results["participants"]]
        assert counts == [given.count(rank) for rank in grid["ranks"]]
    # What they wrote reaches the brief: comments, and the reason for reading an effect differently.
    assert [c["comment"] for c in view["comments"]] == [p[2] for p in PEOPLE if p[2]]
    (reading,) = view["effect_overrides"]
    assert (reading["participant"], reading["option"], reading["likely"], reading["rationale"]) == (
        "Awa", "reframe-as-spoilers", 2.5, PEOPLE[0][3][0][REASON_FIELD])
    # The group's brief ranks with the group's weights, as the rankings endpoint would.
    ranked = client.post(f"/api/v1/models/{MODEL}/rankings", json={"weights": results["group"]["weights"]}).json
    assert brief["headline"]["best_package"]["options"] == ranked["packages"][0]["options"]

    markdown = client.get(f"{url}?format=md", headers=facilitator)
    assert markdown.status_code == 200 and markdown.mimetype == "text/markdown"
    assert all(name in markdown.text for name in people)  # an open workshop names its participants
    assert "Talks first, then troops." in markdown.text and PEOPLE[0][3][0][REASON_FIELD] in markdown.text
    assert client.get(f"{url}?round=2", headers=facilitator).status_code == 404
    french = client.get(f"{url}?format=html&lang=fr", headers=facilitator)
    assert french.status_code == 200 and '<html lang="fr">' in french.text


def test_the_cli_writes_the_same_brief_as_the_api(client, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1775554200")  # 2026-04-07T09:30:00Z
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps({k: v for k, v in BRIEF_REQUEST.items() if k not in ("title",)}))
    output = tmp_path / "brief.json"
    assert cli_main(["brief", "--request", str(request_file), "--title", BRIEF_REQUEST["title"],
                     "--format", "json", "-o", str(output)]) == 0
    from_cli = json.loads(output.read_text())
    from_api = client.post(BRIEFS, json=BRIEF_REQUEST).json
    assert from_cli["generated_at"] == "2026-04-07T09:30:00Z"
    assert {k: v for k, v in from_cli.items() if k != "generated_at"} == {k: v for k, v in from_api.items() if k != "generated_at"}

    assert cli_main(["brief", "--equal-weights", "--format", "md", "--samples", "500"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("# Comparative brief: ") and "2026-04-07T09:30:00Z" in printed
    assert cli_main(["brief", "--equal-weights", "--option", "no-such"]) == 3  # invalid input
    assert "/options/0" in capsys.readouterr().err


def test_numbers_survive_json_exactly(answers):
    # The JSON format writes floats that read back as the same doubles (no rounding on the way out).
    brief = answers[0]
    values = numbers(brief)
    assert all(math.isfinite(v) for v in values)
    assert json.loads(FORMATS["json"].render(brief)) == brief


HOSTILE_BODIES = {
    "huge title": '{"weights": {"peace-process": 1}, "title": "%s"}' % ("x" * 200_000),
    "lone surrogate in the audience": '{"weights": {"peace-process": 1}, "audience": "\\ud800"}',
    "null title": '{"weights": {"peace-process": 1}, "title": null}',
    "no options": '{"weights": {"peace-process": 1}, "options": []}',
    "a number for an option": '{"weights": {"peace-process": 1}, "options": [1]}',
    "thousands of options": '{"weights": {"peace-process": 1}, "options": [%s]}' % ",".join('"o%d"' % i for i in range(5000)),
    "samples past the limit": '{"weights": {"peace-process": 1}, "robustness": {"samples": 9223372036854775808}}',
    "robustness as text": '{"weights": {"peace-process": 1}, "robustness": "fast"}',
    "NaN in an interval": '{"weights": {"peace-process": 1}, "robustness": {"weight_intervals": {"peace-process": [NaN, 1]}}}',
    "no priorities": '{"title": "t"}',
}


@pytest.mark.parametrize("label", list(HOSTILE_BODIES))
def test_hostile_brief_requests_are_refused_as_problems(client, label):
    response = client.post(BRIEFS, data=HOSTILE_BODIES[label].encode(), content_type="application/json")
    assert response.status_code in (400, 413, 422), response.status_code
    assert response.mimetype == "application/problem+json"
