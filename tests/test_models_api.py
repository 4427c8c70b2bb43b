"""The models resource over HTTP, and models surviving a restart on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from service import create_app
from tests.documents import small_model

PROBLEM = "application/problem+json"


def test_list_models_includes_the_default(client):
    response = client.get("/api/v1/models")
    assert response.status_code == 200
    items = {item["id"]: item for item in response.json["items"]}
    assert items["minusma-2017"]["source"]["year"] == 2017
    assert items["minusma-2017"]["version"]


def test_get_default_model_is_complete(client):
    document = client.get("/api/v1/models/minusma-2017").json
    for key in ("criteria", "options", "effects", "interactions", "constraints", "scenarios", "scale"):
        assert document[key], key
    assert len(document["effects"]) == (len(document["options"]) - 1) * len(document["criteria"])
    assert document["scale"] == {"min": -3, "max": 3}
    assert all(e["evidence"] for e in document["effects"])


def test_post_model_then_get_it(client):
    response = client.post("/api/v1/models", json=small_model("posted"))
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/api/v1/models/posted")
    served = client.get(response.headers["Location"]).json
    assert served["version"] == response.json["version"]
    assert {o["id"] for o in served["options"]} == {"status-quo", "a", "b", "c"}
    ids = [item["id"] for item in client.get("/api/v1/models").json["items"]]
    assert "posted" in ids


def test_posted_model_can_be_ranked(client):
    client.post("/api/v1/models", json=small_model("rankable"))
    response = client.post("/api/v1/models/rankable/rankings", json={"weights": {"x": 1, "y": 1}})
    assert response.status_code == 200
    assert response.json["packages"][0]["value"] >= response.json["packages"][-1]["value"]


def test_duplicate_id_is_a_conflict(client):
    assert client.post("/api/v1/models", json=small_model("twice")).status_code == 201
    response = client.post("/api/v1/models", json=small_model("twice"))
    assert response.status_code == 409
    assert response.mimetype == PROBLEM


def test_builtin_model_cannot_be_overwritten(client):
    response = client.post("/api/v1/models", json=small_model("minusma-2017"))
    assert response.status_code == 409
    assert "built-in" in response.json["detail"]


def test_invalid_model_lists_every_problem_with_pointers(client):
    document = small_model("broken")
    document["effects"][0]["option"] = "nowhere"
    document["effects"][1]["high"] = 5
    response = client.post("/api/v1/models", json=document)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    pointers = {e["pointer"] for e in response.json["errors"]}
    assert {"/effects/0/option", "/effects/1/high"} <= pointers


def survives_restart(url):
    first = create_app({"TESTING": True, "DATABASE_URL": url})
    assert first.test_client().post("/api/v1/models", json=small_model("kept")).status_code == 201
    first.extensions["policy_options"].engine.dispose()
    second = create_app({"TESTING": True, "DATABASE_URL": url})
    response = second.test_client().get("/api/v1/models/kept")
    assert response.status_code == 200
    assert response.json["title"] == "Small test model"
    second.extensions["policy_options"].engine.dispose()


def test_model_survives_restart_on_sqlite(database_url):
    survives_restart(database_url)


@pytest.mark.postgres
def test_model_survives_restart_on_postgresql(postgres_url):
    survives_restart(postgres_url)
