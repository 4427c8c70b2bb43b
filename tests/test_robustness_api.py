"""`POST /api/v1/models/{model_id}/robustness` (DESIGN.md §5.1): the whole answer, and every refusal."""

from __future__ import annotations

import json

import pytest

from models.loader import builtin_models
from service.engine.robustness import RobustnessRequest, analyse

MODEL = builtin_models()["minusma-2017"]
CRITERIA = list(MODEL.criterion_ids)
URL = "/api/v1/models/minusma-2017/robustness"
EQUAL_WEIGHTS = {"weights": {c: 1 for c in CRITERIA}}


@pytest.fixture(scope="module")
def default_answer():
    """The default model at equal weights, through HTTP (one app for the module: the answer is pure)."""
    from service import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    response = app.test_client().post(URL, json=EQUAL_WEIGHTS)
    assert response.status_code == 200, response.json
    return response.json


def test_the_default_model_gets_all_six_parts(default_answer):
    body = default_answer
    assert {"stability", "pairwise", "rank_ranges", "smaa", "scenarios", "verdicts", "provenance"} <= set(body)
    for kind in ("packages", "options"):
        assert set(body["stability"][kind]) == set(CRITERIA)
        for interval in body["stability"][kind].values():
            assert set(interval) == {"weight", "lower", "upper", "below", "above"}
            assert interval["weight"] == pytest.approx(1 / len(CRITERIA))
            assert (interval["lower"] is None) == (interval["below"] is None)
            assert (interval["upper"] is None) == (interval["above"] is None)
    options = [entry["option"] for entry in body["rank_ranges"]]
    assert len(body["pairwise"]) == len(options) * (len(options) - 1)
    assert {(p["a"], p["b"]) for p in body["pairwise"]} == {(a, b) for a in options for b in options if a != b}
    assert all(1 <= r["best"] <= r["worst"] <= len(options) for r in body["rank_ranges"])
    assert body["smaa"]["samples"] == 10000 and body["smaa"]["seed"] == 7
    assert [entry["option"] for entry in body["smaa"]["options"]] == options
    assert all(len(entry["acceptability"]) == len(options) for entry in body["smaa"]["options"])
    assert "among themselves" in body["smaa"]["note"]
    assert [r["scenario"] for r in body["scenarios"]["rankings"]] == [s.id for s in MODEL.scenarios]
    assert body["scenarios"]["minimax_regret"]["package"] is not None
    assert body["verdicts"] and all(isinstance(v, str) and v.endswith(".") for v in body["verdicts"])
    assert len(body["provenance"]["input_sha256"]) == 64 and body["provenance"]["seed"] == 7


def test_the_answer_is_the_engine_answer_with_nothing_dropped(default_answer):
    # Response schemas drop unknown fields silently: the HTTP body must equal the engine's dict.
    engine = analyse(MODEL, RobustnessRequest.from_fields(MODEL, {**EQUAL_WEIGHTS, "samples": 10000, "seed": 7}))
    assert default_answer == json.loads(json.dumps(engine))


def test_the_point_ranking_is_the_rankings_answer(client, default_answer):
    ranking = client.post("/api/v1/models/minusma-2017/rankings", json=EQUAL_WEIGHTS).json
    assert default_answer["stability"]["best_package"] == ranking["packages"][0]["options"]
    assert [r["option"] for r in default_answer["rank_ranges"]] == [o["option"] for o in ranking["options"]]
    assert [p["options"] for p in default_answer["smaa"]["packages"]] == [p["options"] for p in ranking["packages"]]


def test_a_verdict_names_options_and_criteria_by_name(default_answer):
    names = [o.name for o in MODEL.options] + [c.name for c in MODEL.criteria]
    first = default_answer["verdicts"][0]
    assert any(name in first for name in names)
    assert "%" in first


@pytest.mark.parametrize("priorities, source", [
    ({"weights": {CRITERIA[0]: 2, CRITERIA[1]: 1}, "priority_order": CRITERIA[:2]}, "weights"),
    ({"priority_order": CRITERIA[:3]}, "priority_order"),
    ({"weight_intervals": {CRITERIA[0]: [0.2, 0.5]}}, "admissible-centre"),
])
def test_any_source_of_priorities_is_enough(client, priorities, source):
    response = client.post(URL, json={**priorities, "samples": 200})
    assert response.status_code == 200, response.json
    assert response.json["weights_source"] == source
    assert sum(response.json["weights"].values()) == pytest.approx(1.0)


def test_the_same_seed_gives_the_same_answer(client):
    body = {"priority_order": CRITERIA[:3], "samples": 500, "seed": 11}
    assert client.post(URL, json=body).json == client.post(URL, json=body).json


@pytest.mark.parametrize("body, pointers", [
    ({"weight_intervals": {"peace-process": [0.6, 0.5]}}, {"/weight_intervals/peace-process"}),
    ({"weight_intervals": {"peace-process": [0.1, 1.5]}}, {"/weight_intervals/peace-process/1"}),
    ({"weight_intervals": {"peace-process": [-0.1, 0.5]}}, {"/weight_intervals/peace-process/0"}),
    ({"weight_intervals": {"peace-process": [0.1]}}, {"/weight_intervals/peace-process"}),
    ({"weight_intervals": {"peace-process": ["0.1", 0.5]}}, {"/weight_intervals/peace-process/0"}),
    ({"weight_intervals": {"no-such-criterion": [0.1, 0.5]}}, {"/weight_intervals/no-such-criterion"}),
    ({"weight_intervals": {"peace-process": [0.6, 1.0], "stabilization": [0.5, 1.0]}},
     {"/weight_intervals/peace-process", "/weight_intervals/stabilization"}),
    ({"priority_order": CRITERIA, "weight_intervals": {CRITERIA[0]: [0.0, 0.2], CRITERIA[1]: [0.3, 1.0]}},
     {f"/weight_intervals/{CRITERIA[0]}", f"/weight_intervals/{CRITERIA[1]}", "/priority_order/1"}),
    ({"weights": {"peace-process": 1}, "weight_intervals": {"peace-process": [0.0, 0.5]}}, {"/weights"}),
    ({"weights": {"peace-process": 1}, "samples": 200001}, {"/samples"}),
    ({"weights": {"peace-process": 1}, "samples": "100"}, {"/samples"}),
    ({"weights": {"peace-process": 1}, "seed": 1.5}, {"/seed"}),
    ({"samples": 100}, {""}),
    ({"weights": {"peace-process": 1}, "scenario": "no-such-scenario"}, {"/scenario"}),
    ({"weights": {"peace-process": 1}, "bogus": 1}, {"/bogus"}),
])
def test_bad_requests_get_422_with_pointers(client, body, pointers):
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert {error["pointer"] for error in response.json["errors"]} == pointers


def test_conflicting_bounds_are_named_in_the_detail(client):
    response = client.post(URL, json={"weight_intervals": {"peace-process": [0.6, 1.0], "stabilization": [0.5, 1.0]}})
    detail = response.json["errors"][0]["detail"]
    assert "w[peace-process] >= 0.6" in detail and "w[stabilization] >= 0.5" in detail


def test_too_many_samples_names_the_limit(client):
    response = client.post(URL, json={"weights": {"peace-process": 1}, "samples": 200001})
    assert "200000" in response.json["errors"][0]["detail"]


def test_infeasible_constraints_get_the_conflict(client):
    body = {"weights": {"peace-process": 1}, "samples": 100,
            "constraints": [{"type": "include", "options": ["plan-exit"]},
                            {"type": "include", "options": ["integrate-under-un-command"]}]}
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert response.json["type"].endswith("/infeasible-constraints")
    assert {"source": "model", "id": "exit-excludes-integration"} in response.json["conflict"]


def test_an_unknown_model_is_404(client):
    assert client.post("/api/v1/models/no-such-model/robustness", json=EQUAL_WEIGHTS).status_code == 404


def test_the_operation_is_documented(client):
    document = client.get("/openapi.json").json
    operation = document["paths"]["/api/v1/models/{model_id}/robustness"]["post"]
    assert {"200", "422"} <= set(operation["responses"])
