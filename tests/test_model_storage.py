"""Models as stored, on SQLite and PostgreSQL: compact UTF-8, a list read from summaries, replace and
delete, limits that hold at exactly the limit, and the migration that brought the summaries."""

from __future__ import annotations

import copy
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from models import validation
from service import create_app
from service.persistence.database import alembic_config, make_engine, migrate
from tests.documents import EVIDENCE, small_model

BOMB = "\U0001F4A3"


@pytest.fixture
def app(any_database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": any_database_url})
    yield app
    app.extensions["policy_options"].engine.dispose()


def stored_row(app, model_id: str):
    with app.extensions["policy_options"].engine.connect() as connection:
        return connection.execute(text("SELECT title, source, document FROM decision_models WHERE id = :id"),
                                  {"id": model_id}).one()


def test_a_model_is_stored_as_compact_utf8(app):
    document = small_model("emoji")
    document["title"] = BOMB * 1000
    assert app.test_client().post("/api/v1/models", json=document).status_code == 201
    stored = stored_row(app, "emoji").document
    assert BOMB * 1000 in stored and "\\u" not in stored and ", " not in stored and ": " not in stored
    # Four bytes an emoji, not the twelve of its escape.
    assert len(stored.encode("utf-8")) <= len(json.dumps(json.loads(stored)).encode("utf-8")) - 8 * 1000
    assert json.loads(stored)["title"] == BOMB * 1000


def test_the_list_is_read_from_summaries_without_any_document(app):
    client = app.test_client()
    for model_id in ("b-model", "a-model"):
        assert client.post("/api/v1/models", json=small_model(model_id)).status_code == 201
    with app.extensions["policy_options"].engine.begin() as connection:
        connection.execute(text("UPDATE decision_models SET document = 'not JSON at all'"))
    items = client.get("/api/v1/models").json["items"]
    assert [item["id"] for item in items] == ["minusma-2017", "a-model", "b-model"]
    assert items[1] == {"id": "a-model", "version": items[1]["version"], "title": "Small test model",
                        "source": small_model()["source"], "builtin": False}


def test_replace_adds_or_replaces_an_added_model(app):
    client = app.test_client()
    created = client.put("/api/v1/models/put-me", json=small_model("put-me"))
    assert created.status_code == 201 and created.headers["Location"].endswith("/api/v1/models/put-me")
    changed = small_model("put-me")
    changed["title"] = "Changed"
    replaced = client.put("/api/v1/models/put-me", json=changed)
    assert replaced.status_code == 200 and replaced.json["title"] == "Changed"
    assert replaced.json["version"] != created.json["version"]
    assert client.get("/api/v1/models/put-me").json["version"] == replaced.json["version"]
    assert [i["title"] for i in client.get("/api/v1/models").json["items"] if i["id"] == "put-me"] == ["Changed"]
    mismatch = client.put("/api/v1/models/put-me", json=small_model("other-id"))
    assert mismatch.status_code == 422 and mismatch.json["errors"][0]["pointer"] == "/id"
    invalid = small_model("put-me")
    invalid["effects"][0]["low"] = 9
    assert client.put("/api/v1/models/put-me", json=invalid).status_code == 422
    assert client.get("/api/v1/models/put-me").json["title"] == "Changed"


def test_delete_removes_an_added_model_and_nothing_else(app):
    client = app.test_client()
    client.post("/api/v1/models", json=small_model("doomed"))
    client.post("/api/v1/models", json=small_model("kept"))
    deleted = client.delete("/api/v1/models/doomed")
    assert deleted.status_code == 204 and deleted.data == b""
    assert client.get("/api/v1/models/doomed").status_code == 404
    assert client.delete("/api/v1/models/doomed").status_code == 404
    assert [i["id"] for i in client.get("/api/v1/models").json["items"]] == ["minusma-2017", "kept"]
    assert client.post("/api/v1/models", json=small_model("doomed")).status_code == 201  # the id is free again


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_built_in_models_can_be_neither_replaced_nor_deleted(app, method):
    client = app.test_client()
    before = client.get("/api/v1/models/minusma-2017").json
    body = client.get("/api/v1/models/minusma-2017").json if method == "PUT" else None
    if body:
        body.pop("version"), body.pop("builtin")
        body["title"] = "Hijacked"
    refused = client.open("/api/v1/models/minusma-2017", method=method, json=body)
    assert refused.status_code == 403 and refused.json["type"].endswith("/model-builtin")
    assert client.get("/api/v1/models/minusma-2017").json == before


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_model_a_workshop_uses_can_be_neither_replaced_nor_deleted(app, method):
    client = app.test_client()
    client.post("/api/v1/models", json=small_model("in-use"))
    workshop = client.post("/api/v1/workshops", json={"title": "t", "model_id": "in-use"})
    assert workshop.status_code == 201
    before = client.get("/api/v1/models/in-use").json
    changed = dict(small_model("in-use"), title="Changed")
    refused = client.open("/api/v1/models/in-use", method=method, json=changed if method == "PUT" else None)
    assert refused.status_code == 409 and refused.json["workshops"] == 1
    assert refused.json["type"].endswith("/model-in-use")
    assert client.get("/api/v1/models/in-use").json == before
    facilitator = {"Authorization": f"Bearer {workshop.json['facilitator_token']}"}
    assert client.get(f"/api/v1/workshops/{workshop.json['id']}/results", headers=facilitator).status_code == 200


def test_a_delete_racing_a_new_workshop_never_leaves_it_without_its_model(any_database_url):
    """Two app instances: one deletes a model while the other opens workshops on it. Whatever the
    order, every workshop that was opened has its model (the delete was refused), or none was opened."""
    apps = [create_app({"TESTING": True, "DATABASE_URL": any_database_url}) for _ in range(2)]
    try:
        for round_number in range(5):
            model_id = f"raced-{round_number}"
            assert apps[0].test_client().post("/api/v1/models", json=small_model(model_id)).status_code == 201
            barrier = threading.Barrier(2)

            def open_workshop():
                barrier.wait()
                return apps[1].test_client().post("/api/v1/workshops", json={"title": "t", "model_id": model_id}).status_code

            def delete_model():
                barrier.wait()
                return apps[0].test_client().delete(f"/api/v1/models/{model_id}").status_code

            with ThreadPoolExecutor(2) as pool:
                opened, deleted = pool.submit(open_workshop), pool.submit(delete_model)
                statuses = (opened.result(), deleted.result())
            assert statuses in ((201, 409), (422, 204)), statuses
            exists = apps[0].test_client().get(f"/api/v1/models/{model_id}").status_code == 200
            assert exists == (statuses[0] == 201)
    finally:
        for app in apps:
            app.extensions["policy_options"].engine.dispose()


def model_at_limits(**counts) -> dict:
    """small_model grown to the given number of criteria, options, scenarios, interactions, constraints."""
    document = small_model("at-limit")
    criteria = [f"c-{i}" for i in range(counts.get("criteria", 2))]
    options = [f"o-{i}" for i in range(counts.get("options", 3))]
    document["criteria"] = [{"id": c, "name": c.upper(), "evidence": copy.deepcopy(EVIDENCE)} for c in criteria]
    document["options"] = [{"id": o, "name": o.upper(), "summary": o} for o in options]
    document["effects"] = [{"option": o, "criterion": c, "low": -1, "likely": (i + j) % 3 - 1, "high": 1,
                            "evidence": EVIDENCE} for i, o in enumerate(options) for j, c in enumerate(criteria)]
    pairs = [(a, b) for i, a in enumerate(options) for b in options[i + 1:]]
    document["interactions"] = [{"id": f"i-{n}", "options": list(pair), "effects": {criteria[0]: {"low": 0, "likely": 0.25, "high": 0.5}}}
                                for n, pair in enumerate(pairs[:counts.get("interactions", 0)])]
    document["constraints"] = [{"id": f"k-{n}", "type": "at_most", "options": [options[n % len(options)]], "count": 1}
                               for n in range(counts.get("constraints", 0))]
    document["scenarios"] = [{"id": f"s-{n}", "name": f"S{n}", "default": n == 0} for n in range(counts.get("scenarios", 1))]
    return document


@pytest.mark.parametrize("collection, limit", [
    ("criteria", validation.MAX_CRITERIA), ("options", validation.MAX_OPTIONS), ("scenarios", validation.MAX_SCENARIOS),
    ("interactions", validation.MAX_INTERACTIONS), ("constraints", validation.MAX_CONSTRAINTS)])
def test_a_model_accepted_at_a_limit_is_served_and_one_over_is_refused(app, collection, limit):
    """One definition of each limit serves both paths: the model posted at the limit is read back
    (validated again from storage) and analysed; one more item is refused when posted."""
    client = app.test_client()
    extra = {"options": 70} if collection == "interactions" else {}  # enough pairs for 2,000 interactions
    at_limit = model_at_limits(**{collection: limit, **extra})
    posted = client.post("/api/v1/models", json=at_limit)
    assert posted.status_code == 201, posted.json.get("errors", [])[:3]
    served = client.get("/api/v1/models/at-limit")
    assert served.status_code == 200 and len(served.json[collection]) == limit + (collection == "options")
    if collection in ("criteria", "options"):
        ranked = client.post("/api/v1/models/at-limit/rankings", json={"weights": {"c-0": 1, "c-1": 2}, "k": 3})
        assert ranked.status_code == 200, ranked.json
    over = model_at_limits(**{collection: limit + 1, **extra})
    over["id"] = "over-limit"
    refused = client.post("/api/v1/models", json=over)
    assert refused.status_code == 422 and f"/{collection}" in [e["pointer"] for e in refused.json["errors"]]


def test_the_status_quo_listed_in_a_posted_model_does_not_count_against_the_option_limit(app):
    client = app.test_client()
    document = model_at_limits(options=validation.MAX_OPTIONS)
    document["options"].append({"id": "status-quo", "name": "Status quo"})
    assert client.post("/api/v1/models", json=document).status_code == 201
    served = client.get("/api/v1/models/at-limit")  # validated again as it is read from storage
    assert served.status_code == 200 and len(served.json["options"]) == validation.MAX_OPTIONS + 1


def test_the_migration_fills_the_summaries_recompacts_documents_and_keeps_released_workshops(any_database_url):
    """A database at the schema before this migration, with an ASCII-escaped model and a workshop whose
    results were released, comes out with summaries, compact documents and every round released."""
    from alembic import command

    engine = make_engine(any_database_url)
    command.upgrade(alembic_config(engine), "0002")
    document = dict(small_model("old-model"), title=f"Old {BOMB}")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO decision_models (id, version, title, document, created_at) "
                                "VALUES ('old-model', 'v1', :title, :document, CURRENT_TIMESTAMP)"),
                           {"title": document["title"], "document": json.dumps(document)})
        for workshop_id, released in (("released", True), ("unreleased", False)):
            connection.execute(text(
                "INSERT INTO workshops (id, title, model_id, model_version, scenario, constraints, join_code, "
                "facilitator_token_sha256, current_round, results_released, participant_count, created_at) VALUES "
                "(:id, 't', 'minusma-2017', 'v', NULL, '[]', :id, 'x', 2, :released, 0, CURRENT_TIMESTAMP)"),
                {"id": workshop_id, "released": released})
            for number in (1, 2):
                connection.execute(text("INSERT INTO workshop_rounds (workshop_id, number, opened_at) "
                                        "VALUES (:id, :number, CURRENT_TIMESTAMP)"), {"id": workshop_id, "number": number})
    migrate(engine)
    with engine.connect() as connection:
        source, stored = connection.execute(text("SELECT source, document FROM decision_models")).one()
        rounds = connection.execute(text("SELECT workshop_id, number, released_at IS NOT NULL FROM workshop_rounds "
                                         "ORDER BY workshop_id, number")).all()
        columns = {row[0] for row in connection.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'workshops'"))} \
            if engine.dialect.name == "postgresql" else \
            {row[1] for row in connection.execute(text("PRAGMA table_info(workshops)"))}
    engine.dispose()
    assert json.loads(source) == document["source"]
    assert json.loads(stored) == document and BOMB in stored and "\\u" not in stored
    assert [tuple(r) for r in rounds] == [("released", 1, True), ("released", 2, True),
                                          ("unreleased", 1, False), ("unreleased", 2, False)]
    assert "results_released" not in columns and {"anonymous", "open_results", "language"} <= columns
    app = create_app({"TESTING": True, "DATABASE_URL": any_database_url})
    try:
        items = app.test_client().get("/api/v1/models").json["items"]
        assert [i["title"] for i in items if i["id"] == "old-model"] == [document["title"]]
    finally:
        app.extensions["policy_options"].engine.dispose()
