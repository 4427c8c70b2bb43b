"""HTTP semantics a client developer relies on (DESIGN.md §8.4): 401/403, If-Match and 428/412,
Location on every 201, ETag and 304, Cache-Control, Vary: Origin, problem type pages, and
Idempotency-Key on workshop and round creation."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text, update

from service import create_app
from service.persistence.tables import IdempotencyRecord, Workshop, WorkshopRound, utc_now
from service.platform.errors import PROBLEM_TYPES
from tests.documents import small_model

MODEL = "minusma-2017"
SERVICE = Path(__file__).resolve().parent.parent / "service"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def open_workshop(client, **headers) -> dict:
    answer = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL}, headers=headers)
    assert answer.status_code == 201, answer.json
    return answer.json


def join(client, workshop: dict, name: str = "A") -> dict:
    answer = client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                         json={"join_code": workshop["join_code"], "display_name": name})
    assert answer.status_code == 201, answer.json
    return answer.json


def submission_url(workshop: dict, participant: dict) -> str:
    return f"/api/v1/workshops/{workshop['id']}/participants/{participant['participant_id']}/submission"


def count(app, table) -> int:
    with app.extensions["policy_options"].sessions() as session:
        return session.scalar(select(func.count()).select_from(table))


# -- tokens ------------------------------------------------------------------------------------


def test_missing_and_unknown_tokens_are_401_and_a_token_without_the_right_is_403(client):
    workshop = open_workshop(client)
    participant = join(client, workshop)
    url = f"/api/v1/workshops/{workshop['id']}/release"
    missing = client.post(url)
    assert missing.status_code == 401 and missing.json["type"] == "/problems/unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    unknown = client.post(url, headers=bearer("belongs-to-no-one"))
    assert unknown.status_code == 401 and unknown.json["type"] == "/problems/invalid-token"
    not_allowed = client.post(url, headers=bearer(participant["participant_token"]))
    assert not_allowed.status_code == 403 and not_allowed.json["type"] == "/problems/forbidden"
    # An unknown token is 401 even for a workshop that does not exist; a known one learns it does not.
    assert client.get("/api/v1/workshops/nope", headers=bearer("belongs-to-no-one")).status_code == 401
    assert client.get("/api/v1/workshops/nope", headers=bearer(workshop["facilitator_token"])).status_code == 404


# -- If-Match on submissions ----------------------------------------------------------------------


def test_a_first_submission_needs_no_if_match_and_a_revision_needs_it(client):
    workshop = open_workshop(client)
    participant = join(client, workshop)
    url, headers = submission_url(workshop, participant), bearer(participant["participant_token"])
    first = client.put(url, json={"weights": {"peace-process": 1}}, headers=headers)
    assert first.status_code == 200 and first.headers["ETag"] == first.json["etag"]
    required = client.put(url, json={"weights": {"stabilization": 1}}, headers=headers)
    assert required.status_code == 428 and required.json["type"] == "/problems/precondition-required"
    assert required.json["current_etag"] == first.headers["ETag"]
    kept = client.get(url, headers=headers).json  # nothing overwritten
    assert kept["version"] == 1 and kept["given_weights"] == {"peace-process": 1.0}
    revised = client.put(url, json={"weights": {"stabilization": 1}}, headers={**headers, "If-Match": first.headers["ETag"]})
    assert revised.status_code == 200 and revised.json["version"] == 2
    stale = client.put(url, json={"weights": {"state-authority": 1}}, headers={**headers, "If-Match": first.headers["ETag"]})
    assert stale.status_code == 412 and stale.json["current_etag"] == revised.headers["ETag"]
    assert client.put(url, json={"weights": {"state-authority": 1}}, headers={**headers, "If-Match": "*"}).status_code == 200


def test_a_new_round_takes_a_first_submission_without_if_match(client):
    workshop = open_workshop(client)
    participant = join(client, workshop)
    url, headers = submission_url(workshop, participant), bearer(participant["participant_token"])
    assert client.put(url, json={"weights": {"peace-process": 1}}, headers=headers).status_code == 200
    assert client.post(f"/api/v1/workshops/{workshop['id']}/rounds", headers=bearer(workshop["facilitator_token"])).status_code == 201
    assert client.put(url, json={"weights": {"peace-process": 2}}, headers=headers).status_code == 200
    # If-Match naming a submission where there is none this round is stale, not a match.
    other = join(client, workshop, "B")
    none_yet = client.put(submission_url(workshop, other), json={"weights": {"peace-process": 1}},
                          headers={**bearer(other["participant_token"]), "If-Match": '"r2v1"'})
    assert none_yet.status_code == 412 and none_yet.json["current_etag"] is None


# -- Location ------------------------------------------------------------------------------------


def test_every_201_has_a_location_that_resolves(client):
    created_model = client.post("/api/v1/models", json=small_model("located"))
    workshop_answer = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL})
    workshop = workshop_answer.json
    facilitator = bearer(workshop["facilitator_token"])
    joined = client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                         json={"join_code": workshop["join_code"], "display_name": "A"})
    opened = client.post(f"/api/v1/workshops/{workshop['id']}/rounds", headers=facilitator)
    for answer, expected in ((created_model, "/api/v1/models/located"),
                             (workshop_answer, f"/api/v1/workshops/{workshop['id']}"),
                             (joined, f"/api/v1/workshops/{workshop['id']}/participants/{joined.json['participant_id']}"),
                             (opened, f"/api/v1/workshops/{workshop['id']}/rounds/2")):
        assert answer.status_code == 201 and answer.headers["Location"] == expected
        assert client.get(expected, headers=facilitator).status_code == 200, expected
    assert client.get(joined.headers["Location"], headers=bearer(joined.json["participant_token"])).json["display_name"] == "A"
    rounds = client.get(f"/api/v1/workshops/{workshop['id']}/rounds/1", headers=facilitator).json
    assert rounds["number"] == 1 and rounds["closed_at"] is not None
    assert client.get(f"/api/v1/workshops/{workshop['id']}/rounds/3", headers=facilitator).status_code == 404


def test_every_documented_201_declares_location(client):
    spec = client.get("/openapi.json").json
    created = [(path, method, operation["responses"]["201"]) for path, item in spec["paths"].items()
               for method, operation in item.items() if method != "parameters" and "201" in operation["responses"]]
    # models (POST, and PUT when it adds), workshops, participants, rounds
    assert {(path, method) for path, method, _ in created} == {
        ("/api/v1/models", "post"), ("/api/v1/models/{model_id}", "put"), ("/api/v1/workshops", "post"),
        ("/api/v1/workshops/{workshop_id}/participants", "post"), ("/api/v1/workshops/{workshop_id}/rounds", "post")}
    for path, method, response in created:
        assert response["headers"]["Location"] == {"$ref": "#/components/headers/Location"}, (path, method)


# -- ETag and 304 --------------------------------------------------------------------------------


def test_a_model_has_its_version_as_a_strong_etag_and_answers_if_none_match_with_304(client):
    answer = client.get(f"/api/v1/models/{MODEL}")
    etag = answer.headers["ETag"]
    assert etag == f'"{answer.json["version"]}"' and not etag.startswith("W/")
    not_modified = client.get(f"/api/v1/models/{MODEL}", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b"" and not_modified.headers["ETag"] == etag
    assert client.get(f"/api/v1/models/{MODEL}", headers={"If-None-Match": '"another"'}).status_code == 200
    assert client.get(f"/api/v1/models/{MODEL}", headers={"If-None-Match": f'"x", {etag}'}).status_code == 304


def test_results_have_a_strong_etag_of_their_body_that_changes_with_a_submission(client):
    import hashlib

    workshop = open_workshop(client)
    facilitator = bearer(workshop["facilitator_token"])
    participant = join(client, workshop)
    url, headers = submission_url(workshop, participant), bearer(participant["participant_token"])
    client.put(url, json={"weights": {"peace-process": 1}}, headers=headers)
    results_url = f"/api/v1/workshops/{workshop['id']}/results"
    first = client.get(results_url, headers=facilitator)
    assert first.headers["ETag"] == f'"{hashlib.sha256(first.data).hexdigest()}"'
    assert client.get(results_url, headers={**facilitator, "If-None-Match": first.headers["ETag"]}).status_code == 304
    client.put(url, json={"weights": {"stabilization": 1}}, headers={**headers, "If-Match": "*"})
    changed = client.get(results_url, headers={**facilitator, "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


# -- Cache-Control and Vary ---------------------------------------------------------------------


def test_cache_control_on_tokens_workshops_models_and_computed_answers(client):
    workshop_answer = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL})
    workshop = workshop_answer.json
    joined = client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                         json={"join_code": workshop["join_code"], "display_name": "A"})
    answers = {
        "workshop created (token)": (workshop_answer, "no-store"),
        "joined (token)": (joined, "no-store"),
        "workshop": (client.get(f"/api/v1/workshops/{workshop['id']}", headers=bearer(workshop["facilitator_token"])), "no-store"),
        "workshop refusal": (client.get(f"/api/v1/workshops/{workshop['id']}"), "no-store"),
        "workshop results": (client.get(f"/api/v1/workshops/{workshop['id']}/results",
                                        headers=bearer(workshop["facilitator_token"])), "no-store"),
        "model": (client.get(f"/api/v1/models/{MODEL}"), "no-cache"),
        "models": (client.get("/api/v1/models"), "no-cache"),
        "ranking": (client.post(f"/api/v1/models/{MODEL}/rankings", json={"weights": {"peace-process": 1}}), "no-store"),
        "problem type page": (client.get("/problems/validation-error"), "public, max-age=86400"),
    }
    for name, (answer, expected) in answers.items():
        assert answer.headers["Cache-Control"] == expected, name
    assert client.get("/api/v1/models").headers["ETag"]


def test_cors_responses_vary_on_origin_whether_the_origin_is_allowed_or_not(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "CORS_ORIGINS": "https://tool.example.org"})
    client = app.test_client()
    for origin in ("https://tool.example.org", "https://evil.example.org", None):
        answer = client.get(f"/api/v1/models/{MODEL}", headers={"Origin": origin} if origin else {})
        assert "Origin" in answer.headers.get("Vary", ""), origin
    preflight = client.options(f"/api/v1/models/{MODEL}/rankings", headers={
        "Origin": "https://tool.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "idempotency-key, if-none-match"})
    assert "Origin" in preflight.headers["Vary"]
    assert {"idempotency-key", "if-none-match"} <= {h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}


# -- problem types -------------------------------------------------------------------------------


def slugs_the_code_names() -> set[str]:
    """Every problem slug written in the service's code: `slug="..."`, `problem="..."`, and the
    defaults by status."""
    from service.platform.errors import _DEFAULT_SLUGS, GENERIC_SLUG

    named = set()
    for path in SERVICE.rglob("*.py"):
        named |= set(re.findall(r'\b(?:slug|problem)="([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    return named | set(_DEFAULT_SLUGS.values()) | {GENERIC_SLUG}


def test_every_problem_slug_the_code_can_send_has_a_page(client):
    slugs = slugs_the_code_names()
    assert len(slugs) > 25  # the scan finds them
    assert slugs <= set(PROBLEM_TYPES), slugs - set(PROBLEM_TYPES)
    for slug in PROBLEM_TYPES:
        page = client.get(f"/problems/{slug}")
        assert page.status_code == 200 and page.mimetype == "text/html"
        assert PROBLEM_TYPES[slug].explanation.split(";")[0][:40] in page.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')
        described = client.get(f"/problems/{slug}", headers={"Accept": "application/json"})
        assert described.mimetype == "application/json" and described.json["type"] == f"/problems/{slug}"


def test_a_problem_type_uri_resolves_from_the_answer_that_carries_it(client):
    for answer in (client.get("/api/v1/models/nope"),
                   client.post(f"/api/v1/models/{MODEL}/rankings", json={"weights": "no"}),
                   client.post(f"/api/v1/models/{MODEL}/rankings", data="{", content_type="application/json"),
                   client.delete("/api/v1/models")):
        assert client.get(answer.json["type"]).status_code == 200, answer.json["type"]
    assert client.get("/problems/no-such-problem").status_code == 404


# -- Idempotency-Key ------------------------------------------------------------------------------


def test_the_same_key_and_body_replay_the_first_workshop_and_create_nothing(client, app):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL}, headers=key)
    before = count(app, Workshop)
    again = client.post("/api/v1/workshops", json={"model_id": MODEL, "title": "t"}, headers=key)  # same JSON, other order
    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Location"] == first.headers["Location"] and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(app, Workshop) == before
    other = client.post("/api/v1/workshops", json={"title": "another", "model_id": MODEL}, headers=key)
    assert other.status_code == 422 and other.json["type"] == "/problems/idempotency-key-reused"
    fresh = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL},
                        headers={"Idempotency-Key": f'"{uuid.uuid4()}"'})  # the quoted Structured Field form
    assert fresh.status_code == 201 and fresh.json["id"] != first.json["id"]
    assert count(app, Workshop) == before + 1


def test_a_failed_creation_keeps_no_key_and_a_malformed_key_is_400(client):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    refused = client.post("/api/v1/workshops", json={"title": "t", "model_id": "no-such-model"}, headers=key)
    assert refused.status_code == 422
    # The corrected request under the same key is a new request, not a replay of the refusal.
    assert client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL}, headers=key).status_code == 201
    for bad in ("", "has space", "x" * 256, "é"):
        answer = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL},
                             headers={"Idempotency-Key": bad.encode("utf-8").decode("latin-1")})
        assert answer.status_code == 400 and answer.json["type"] == "/problems/invalid-idempotency-key", bad


def test_a_round_is_opened_once_per_key_and_keys_are_scoped_to_their_workshop(client, app):
    workshop, elsewhere = open_workshop(client), open_workshop(client)
    key = {"Idempotency-Key": "round-please"}
    url = f"/api/v1/workshops/{workshop['id']}/rounds"
    first = client.post(url, headers={**bearer(workshop["facilitator_token"]), **key})
    again = client.post(url, headers={**bearer(workshop["facilitator_token"]), **key})
    assert first.status_code == again.status_code == 201 and first.json == again.json == {"round": 2, "closed": 1}
    assert client.get(f"/api/v1/workshops/{workshop['id']}", headers=bearer(workshop["facilitator_token"])).json["round"] == 2
    # The same key in another workshop opens that workshop's round.
    there = client.post(f"/api/v1/workshops/{elsewhere['id']}/rounds", headers={**bearer(elsewhere["facilitator_token"]), **key})
    assert there.status_code == 201 and "Idempotent-Replayed" not in there.headers
    # Without a key, each request opens a round.
    assert client.post(url, headers=bearer(workshop["facilitator_token"])).json["round"] == 3
    assert count(app, WorkshopRound) == 3 + 2


def test_an_expired_key_starts_a_new_creation(client, app):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL}, headers=key).json
    with app.extensions["policy_options"].sessions.begin() as session:
        session.execute(update(IdempotencyRecord).values(created_at=utc_now() - timedelta(hours=24, seconds=1)))
    later = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL}, headers=key)
    assert later.status_code == 201 and later.json["id"] != first["id"] and "Idempotent-Replayed" not in later.headers


def test_keys_and_replayed_tokens_are_not_stored_in_the_clear(client, app):
    key = str(uuid.uuid4())
    workshop = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL},
                           headers={"Idempotency-Key": key}).json
    engine = app.extensions["policy_options"].engine
    with engine.connect() as connection:
        dump = "\n".join(str(row) for table in inspect(engine).get_table_names()
                         for row in connection.execute(text(f'SELECT * FROM "{table}"')))
    assert workshop["id"] in dump
    assert key not in dump and workshop["facilitator_token"] not in dump


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def test_racing_requests_with_one_key_through_two_apps_create_one_workshop(shared_database):
    apps = [create_app({"TESTING": True, "DATABASE_URL": shared_database}) for _ in range(2)]
    try:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        barrier = threading.Barrier(8)

        def send(n):
            barrier.wait()
            return apps[n % 2].test_client().post("/api/v1/workshops", json={"title": "race", "model_id": MODEL},
                                                  headers=key)

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(send, range(8)))
        assert {answer.status_code for answer in answers} == {201}
        assert len({answer.json["id"] for answer in answers}) == 1
        assert sum("Idempotent-Replayed" not in answer.headers for answer in answers) == 1
        assert count(apps[0], Workshop) == 1
    finally:
        for app in apps:
            app.extensions["policy_options"].engine.dispose()
