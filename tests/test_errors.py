"""Every error path answers application/problem+json with the right status; nothing leaks."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"
RANKINGS = "/api/v1/models/minusma-2017/rankings"


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def post_raw(client, body, content_type="application/json"):
    return client.post(RANKINGS, data=body, content_type=content_type)


@pytest.mark.parametrize("body", [
    '{"weights": {"peace-process": NaN}}',
    '{"weights": {"peace-process": Infinity}}',
    '{"weights": {"peace-process": 1e999}}',
    '{"weights": {"peace-process": 1}, "weights": {"personnel-safety": 1}}',
    '{"weights": ',
    "",
    "[" * 100 + "]" * 100,
])
def test_not_json_is_400(client, body):
    assert_problem(post_raw(client, body), 400)


def test_unknown_route_is_404(client):
    assert_problem(client.get("/api/v1/nothing"), 404)


def test_unknown_model_is_404(client):
    body = assert_problem(client.post("/api/v1/models/nowhere/rankings", json={"weights": {"a": 1}}), 404)
    assert body["type"].endswith("/model-not-found")


def test_wrong_method_is_405(client):
    response = client.delete("/api/v1/models")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_body_too_large_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    body = assert_problem(post_raw(client, '{"weights": {"peace-process": 1}, "x": "' + "a" * 2000 + '"}'), 413)
    assert "1000" in body["detail"]


def test_wrong_content_type_is_415(client):
    assert_problem(post_raw(client, "weights=1", "application/x-www-form-urlencoded"), 415)


@pytest.mark.parametrize("body, pointer", [
    ({"weights": {"peace-process": "1"}}, "/weights/peace-process"),
    ({"weights": {"peace-process": -1}}, "/weights/peace-process"),
    ({"weights": {"peace-process": 0}}, "/weights"),
    ({"weights": {"nonsense": 1}}, "/weights/nonsense"),
    ({"weights": {"peace-process": 1}, "colour": "red"}, "/colour"),
    ({"weights": {"peace-process": 1}, "k": 0}, "/k"),
    ({"weights": {"peace-process": 1}, "k": 51}, "/k"),
    ({"weights": {"peace-process": 1}, "k": "5"}, "/k"),
    ({"weights": {"peace-process": 1}, "scenario": "nowhere"}, "/scenario"),
    ({"weights": {"peace-process": 1}, "score_case": "median"}, "/score_case"),
    ({"weights": {"peace-process": 1}, "constraints": [{"type": "perhaps", "options": ["plan-exit"]}]}, "/constraints/0/type"),
    ({"weights": {"peace-process": 1}, "constraints": [{"type": "exclude", "options": ["nowhere"]}]}, "/constraints/0/options/0"),
    ({"weights": {"peace-process": 1}, "constraints": [{"type": "min_performance", "criterion": "nowhere", "at_least": 0}]},
     "/constraints/0/criterion"),
    ({"weights": {"peace-process": 1}, "constraints": [{"type": "at_most", "options": ["plan-exit"]}]}, "/constraints/0/count"),
    ({"priority_order": ["peace-process", "personnel-safety", "peace-process"]}, "/priority_order/2"),
    ({"priority_order": ["peace-process", ["nowhere", "personnel-safety"]]}, "/priority_order/1/0"),
    ({}, ""),
])
def test_schema_and_reference_errors_are_422_with_pointer(client, body, pointer):
    problem = assert_problem(client.post(RANKINGS, json=body), 422)
    assert pointer in [e["pointer"] for e in problem["errors"]], problem["errors"]


def test_infeasible_constraints_are_422_with_minimal_conflict(client):
    body = {"weights": {"peace-process": 1}, "constraints": [
        {"type": "max_options", "count": 3},
        {"type": "include", "options": ["dissociate-from-barkhane"]},
        {"type": "include", "options": ["integrate-under-un-command"]},
    ]}
    problem = assert_problem(client.post(RANKINGS, json=body), 422)
    assert problem["type"].endswith("/infeasible-constraints")
    assert sorted(problem["conflict"], key=str) == sorted([
        {"source": "request", "index": 1}, {"source": "request", "index": 2},
        {"source": "model", "id": "rec1-alternatives"}], key=str)


def test_unexpected_error_is_500_without_detail(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret SQL: SELECT * FROM users")

    body = assert_problem(app.test_client().get("/boom"), 500)
    assert "secret" not in body["detail"]


def test_model_post_conflict_is_409_problem(client):
    from tests.documents import small_model

    client.post("/api/v1/models", json=small_model("dup"))
    assert_problem(client.post("/api/v1/models", json=small_model("dup")), 409)
