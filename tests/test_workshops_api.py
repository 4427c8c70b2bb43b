"""The workshops API on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL:
a whole workshop, every version kept, If-Match, limits, and concurrent submissions
through two app instances sharing one database."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from models.loader import builtin_models
from service import create_app
from service.persistence import workshop_store as workshop_store_module
from service.persistence.database import make_engine

MODEL = "minusma-2017"
CRITERIA = builtin_models()[MODEL].criterion_ids


@pytest.fixture
def database(any_database_url):
    return any_database_url


@pytest.fixture
def apps(database):
    """Two app instances on one database, as two API processes behind a load balancer."""
    made = [create_app({"TESTING": True, "DATABASE_URL": database}) for _ in range(2)]
    yield made
    for app in made:
        app.extensions["policy_options"].engine.dispose()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def open_workshop(client, **fields) -> dict:
    response = client.post("/api/v1/workshops", json={"title": "Mali 2017", "model_id": MODEL, **fields})
    assert response.status_code == 201, response.json
    return response.json


def join(client, workshop, name: str) -> dict:
    response = client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                           json={"join_code": workshop["join_code"], "display_name": name})
    assert response.status_code == 201, response.json
    return response.json


def submission_url(workshop, participant) -> str:
    return f"/api/v1/workshops/{workshop['id']}/participants/{participant['participant_id']}/submission"


def submit(client, workshop, participant, body: dict, **headers):
    return client.put(submission_url(workshop, participant), json=body,
                      headers={**bearer(participant["participant_token"]), **headers})


def test_a_whole_workshop(apps):
    client = apps[0].test_client()
    workshop = open_workshop(client)
    facilitator = bearer(workshop["facilitator_token"])
    people = [join(client, workshop, name) for name in ("Ann", "Bo", "Cy")]
    submit(client, workshop, people[0], {"weights": {"peace-process": 3, "personnel-safety": 1}})
    submit(client, workshop, people[1], {"priority_order": ["personnel-safety", ["protection-of-civilians", "peace-process"]]})
    model = client.get(f"/api/v1/models/{MODEL}").json
    effect = next(e for e in model["effects"] if e["option"] == "plan-exit" and e["criterion"] == "peace-process")
    assert effect["low"] < effect["likely"]  # so that the override below moves the value
    override = {"option": "plan-exit", "criterion": "peace-process", "likely": effect["low"], "rationale": "spoilers would gain"}
    response = submit(client, workshop, people[2], {"weights": {"stabilization": 1, "state-authority": 1},
                                                    "effect_overrides": [override], "comment": "state first"})
    assert response.status_code == 200 and response.json["effect_overrides"] == [override]

    results = client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=facilitator)
    assert results.status_code == 200
    body = results.json
    assert body["round"] == 1 and body["changes"] is None
    assert [p["participant_id"] for p in body["participants"]] == [p["participant_id"] for p in people]
    for row in body["participants"]:
        assert set(row) >= {"participant_id", "display_name", "weights", "best_package", "options"}
        assert sum(row["weights"].values()) == pytest.approx(1.0)
        assert "status-quo" in [entry["option"] for entry in row["options"]]
    assert set(body["group"]) >= {"weights", "options", "borda"}
    assert body["group"]["weights"]["peace-process"] == pytest.approx(
        sum(p["weights"]["peace-process"] for p in body["participants"]) / 3)
    assert 0 <= body["consensus"]["kendall_w"] <= 1
    spreads = [c["spread"] for c in body["contested_criteria"]]
    assert spreads == sorted(spreads, reverse=True) and len(spreads) == len(CRITERIA)
    compromise = body["compromise"]
    assert set(compromise["regrets"]) == {p["participant_id"] for p in people}
    assert compromise["max_regret"] == pytest.approx(max(compromise["regrets"].values()))

    # The participant who overrode an effect values plan-exit by their own numbers, not the model's.
    cy = body["participants"][2]
    others = client.post(f"/api/v1/models/{MODEL}/rankings", json={"weights": cy["weights"]}).json
    theirs = {e["option"]: e["value"] for e in cy["options"]}
    model_value = next(e["value"] for e in others["options"] if e["option"] == "plan-exit")
    moved = effect["low"] - effect["likely"]
    assert theirs["plan-exit"] == pytest.approx(model_value + cy["weights"]["peace-process"] * moved / 3)

    # Round 2: round 1 is frozen, the results say what changed.
    assert client.post(f"/api/v1/workshops/{workshop['id']}/rounds", headers=facilitator).json == {"round": 2, "closed": 1}
    submit(client, workshop, people[0], {"weights": {"personnel-safety": 1}})
    round_two = client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=facilitator).json
    assert round_two["round"] == 2
    changes = round_two["changes"]
    assert changes["previous_round"] == 1
    assert changes["missing_participants"] == [people[1]["participant_id"], people[2]["participant_id"]]
    assert changes["participants"][0]["weights"]["personnel-safety"] == pytest.approx(1 - 0.25)
    frozen = client.get(f"/api/v1/workshops/{workshop['id']}/results?round=1", headers=facilitator).json
    assert frozen["compromise"] == body["compromise"]

    # Participants see results only once released.
    ann = bearer(people[0]["participant_token"])
    assert client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=ann).status_code == 403
    assert client.post(f"/api/v1/workshops/{workshop['id']}/release", headers=facilitator).status_code == 200
    assert client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=ann).status_code == 200
    view = client.get(f"/api/v1/workshops/{workshop['id']}", headers=ann).json
    assert view["role"] == "participant" and view["results_released"] and "participants" not in view
    assert view["submission"]["round"] == 2

    audit = client.get(f"/api/v1/workshops/{workshop['id']}", headers=facilitator).json["audit"]
    assert [e["action"] for e in audit].count("submission.saved") == 4
    assert audit[0]["action"] == "workshop.created" and audit[-1]["action"] == "results.released"


def test_every_version_kept_one_current_and_stale_if_match_refused(apps):
    client = apps[0].test_client()
    workshop = open_workshop(client)
    ann = join(client, workshop, "Ann")
    first = submit(client, workshop, ann, {"weights": {"peace-process": 1}})
    assert first.headers["ETag"] == '"r1v1"'
    second = submit(client, workshop, ann, {"weights": {"personnel-safety": 1}}, **{"If-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] == '"r1v2"'
    stale = submit(client, workshop, ann, {"weights": {"stabilization": 1}}, **{"If-Match": first.headers["ETag"]})
    assert stale.status_code == 412
    assert stale.headers["Content-Type"] == "application/problem+json"
    assert stale.json["current_etag"] == '"r1v2"'
    current = client.get(submission_url(workshop, ann), headers=bearer(ann["participant_token"]))
    assert current.headers["ETag"] == '"r1v2"' and current.json["weights"]["personnel-safety"] == 1.0

    engine = apps[0].extensions["policy_options"].engine
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT version, is_current FROM workshop_submissions ORDER BY version")).all()
    assert [(v, bool(c)) for v, c in rows] == [(1, False), (2, True)]

    # A new round: the old ETag no longer matches anything.
    client.post(f"/api/v1/workshops/{workshop['id']}/rounds", headers=bearer(workshop["facilitator_token"]))
    assert submit(client, workshop, ann, {"weights": {"peace-process": 1}},
                  **{"If-Match": second.headers["ETag"]}).status_code == 412
    assert submit(client, workshop, ann, {"weights": {"peace-process": 1}}).headers["ETag"] == '"r2v1"'


def test_tokens_are_stored_only_as_sha256(apps):
    client = apps[0].test_client()
    workshop = open_workshop(client)
    ann = join(client, workshop, "Ann")
    engine = apps[0].extensions["policy_options"].engine
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT facilitator_token_sha256 FROM workshops")).scalar_one()
        participant = connection.execute(text("SELECT token_sha256 FROM workshop_participants")).scalar_one()
        everything = " ".join(str(row) for table in ("workshops", "workshop_participants", "workshop_audit_events")
                              for row in connection.execute(text(f"SELECT * FROM {table}")))
    assert stored == hashlib.sha256(workshop["facilitator_token"].encode()).hexdigest()
    assert participant == hashlib.sha256(ann["participant_token"].encode()).hexdigest()
    assert workshop["facilitator_token"] not in everything and ann["participant_token"] not in everything


def test_refusals(apps, monkeypatch):
    client = apps[0].test_client()
    unknown = client.post("/api/v1/workshops", json={"title": "x", "model_id": "no-such-model"})
    assert unknown.status_code == 422 and unknown.json["errors"][0]["pointer"] == "/model_id"
    bad_scenario = client.post("/api/v1/workshops", json={"title": "x", "model_id": MODEL, "scenario": "nope"})
    assert bad_scenario.json["errors"][0]["pointer"] == "/scenario"
    infeasible = client.post("/api/v1/workshops", json={"title": "x", "model_id": MODEL, "constraints": [
        {"type": "include", "options": ["plan-exit"]}, {"type": "exclude", "options": ["plan-exit"]}]})
    assert infeasible.status_code == 422 and infeasible.json["type"].endswith("/infeasible-constraints")
    assert client.post("/api/v1/workshops", json={"title": "x", "model_id": MODEL, "extra": 1}).status_code == 422

    workshop = open_workshop(client)
    wrong_code = client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                             json={"join_code": "WRONG", "display_name": "Eve"})
    assert wrong_code.status_code == 403
    ann = join(client, workshop, "Ann")
    out_of_range = submit(client, workshop, ann, {"weights": {"peace-process": 1}, "effect_overrides": [
        {"option": "plan-exit", "criterion": "peace-process", "likely": 3.0}]})
    assert out_of_range.status_code == 422
    assert out_of_range.json["errors"][0]["pointer"] == "/effect_overrides/0/likely"
    both = submit(client, workshop, ann, {"weights": {"peace-process": 1}, "priority_order": ["peace-process"]})
    assert both.status_code == 422
    unknown_criterion = submit(client, workshop, ann, {"weights": {"nope": 1}})
    assert unknown_criterion.json["errors"][0]["pointer"] == "/weights/nope"
    as_string = submit(client, workshop, ann, {"weights": {"peace-process": "1"}})
    assert as_string.status_code == 422

    monkeypatch.setattr(workshop_store_module, "MAX_PARTICIPANTS_PER_WORKSHOP", 2)
    join(client, workshop, "Bo")
    full = client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                       json={"join_code": workshop["join_code"], "display_name": "Cy"})
    assert full.status_code == 409 and full.json["limit"] == 2
    assert "MAX_PARTICIPANTS_PER_WORKSHOP" in full.json["detail"]


def test_concurrent_submissions_through_two_apps_are_all_stored_once(apps, database):
    """100 submissions from 16 threads, alternating between two app instances: each is stored
    exactly once, versions per participant are 1..k with no gap, and exactly one is current.

    Each participant's first submission goes first; the 75 revisions race with `If-Match: *`
    (replace whatever is current), which every one of them satisfies."""
    workshop = open_workshop(apps[0].test_client())
    people = [join(apps[i % 2].test_client(), workshop, f"P{i}") for i in range(25)]
    jobs = [(n, people[n % 25]) for n in range(100)]  # 4 submissions per participant

    def send(job):
        n, person = job
        client = apps[n % 2].test_client()
        revision = {"If-Match": "*"} if n >= 25 else {}
        response = submit(client, workshop, person, {"weights": {CRITERIA[n % 8]: 1 + n}, "comment": f"job-{n}"},
                          **revision)
        return response.status_code

    started = time.perf_counter()
    statuses = [send(job) for job in jobs[:25]]
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses += list(pool.map(send, jobs[25:]))
    elapsed = time.perf_counter() - started
    assert statuses == [200] * 100

    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT participant_id, version, is_current, priorities FROM workshop_submissions")).all()
    finally:
        engine.dispose()
    assert len(rows) == 100
    comments = sorted(json.loads(row.priorities)["comment"] for row in rows)
    assert comments == sorted(f"job-{n}" for n in range(100))  # each once, none lost
    for person in people:
        mine = [row for row in rows if row.participant_id == person["participant_id"]]
        assert sorted(row.version for row in mine) == [1, 2, 3, 4]
        assert [row.version for row in mine if row.is_current] == [4]
    print(f"\n[{database.split(':')[0]}] 100 concurrent submissions through 2 apps: 100 stored once in {elapsed:.2f} s")


def test_concurrent_round_openings_are_serialized_on_both_databases(apps, database):
    """24 facilitators' clicks at once, through two apps: 24 rounds opened, one after the other,
    each closed when the next opened (its closing time read under the lock)."""
    client = apps[0].test_client()
    workshop = open_workshop(client)
    facilitator = bearer(workshop["facilitator_token"])
    barrier = threading.Barrier(12)

    def open_round(n):
        if n < 12:
            barrier.wait()
        return apps[n % 2].test_client().post(f"/api/v1/workshops/{workshop['id']}/rounds", headers=facilitator)

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(open_round, range(24)))
    assert [a.status_code for a in answers] == [201] * 24, [a.json for a in answers if a.status_code != 201][:2]
    assert sorted(a.json["round"] for a in answers) == list(range(2, 26))
    rounds = client.get(f"/api/v1/workshops/{workshop['id']}", headers=facilitator).json["rounds"]
    assert [r["number"] for r in rounds] == list(range(1, 26))
    for earlier, later in zip(rounds, rounds[1:]):
        assert earlier["closed_at"] == later["opened_at"]
        assert earlier["opened_at"] <= later["opened_at"]
    assert rounds[-1]["closed_at"] is None


def test_concurrent_writers_with_the_same_if_match_only_one_wins(apps):
    client = apps[0].test_client()
    workshop = open_workshop(client)
    ann = join(client, workshop, "Ann")
    etag = submit(client, workshop, ann, {"weights": {"peace-process": 1}}).headers["ETag"]
    barrier = threading.Barrier(8)

    def send(n):
        barrier.wait()
        return submit(apps[n % 2].test_client(), workshop, ann, {"weights": {"stabilization": n + 1}},
                      **{"If-Match": etag}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(send, range(8)))
    assert statuses == [200] + [412] * 7
