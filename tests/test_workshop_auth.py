"""Authorization matrix: every workshop endpoint × {no token, another participant's token,
the participant's own token, the facilitator's token}, plus tokens from elsewhere.

"Own" is participant A, whose submission the participant endpoints address; "other" is
participant B of the same workshop. No token, or one that belongs to no one, is 401; a valid
token not allowed is 403 (DESIGN.md §8.4).
"""

from __future__ import annotations

import pytest

from service import create_app

MODEL = "minusma-2017"
NONE, OTHER, OWN, FACILITATOR = "none", "other", "own", "facilitator"

# endpoint -> (method, path template, body, expected status by caller)
MATRIX = {
    "get workshop": ("GET", "/api/v1/workshops/{w}", None,
                     {NONE: 401, OTHER: 200, OWN: 200, FACILITATOR: 200}),
    "get submission": ("GET", "/api/v1/workshops/{w}/participants/{a}/submission", None,
                       {NONE: 401, OTHER: 403, OWN: 200, FACILITATOR: 200}),
    "put submission": ("PUT", "/api/v1/workshops/{w}/participants/{a}/submission", {"weights": {"peace-process": 1}},
                       {NONE: 401, OTHER: 403, OWN: 200, FACILITATOR: 403}),
    "open round": ("POST", "/api/v1/workshops/{w}/rounds", None,
                   {NONE: 401, OTHER: 403, OWN: 403, FACILITATOR: 201}),
    "release": ("POST", "/api/v1/workshops/{w}/release", None,
                {NONE: 401, OTHER: 403, OWN: 403, FACILITATOR: 200}),
    "results before release": ("GET", "/api/v1/workshops/{w}/results", None,
                               {NONE: 401, OTHER: 403, OWN: 403, FACILITATOR: 200}),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('auth') / 'db.sqlite3'}"})
    yield app.test_client()
    app.extensions["policy_options"].engine.dispose()


def new_workshop(client) -> dict:
    """A workshop with participants A (who has submitted) and B; the callers' tokens by role."""
    workshop = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL}).json
    people = [client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                          json={"join_code": workshop["join_code"], "display_name": name}).json for name in "AB"]
    a, b = people
    client.put(f"/api/v1/workshops/{workshop['id']}/participants/{a['participant_id']}/submission",
               json={"weights": {"stabilization": 1}}, headers={"Authorization": f"Bearer {a['participant_token']}"})
    tokens = {NONE: None, OTHER: b["participant_token"], OWN: a["participant_token"],
              FACILITATOR: workshop["facilitator_token"]}
    return {"id": workshop["id"], "join_code": workshop["join_code"], "a": a["participant_id"], "tokens": tokens}


def call(client, method, path, body, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "PUT":  # A has a submission: replacing it needs If-Match (428 otherwise)
        headers["If-Match"] = "*"
    return client.open(path, method=method, json=body, headers=headers)


@pytest.mark.parametrize("caller", [NONE, OTHER, OWN, FACILITATOR])
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_authorization_matrix(client, endpoint, caller):
    method, template, body, expected = MATRIX[endpoint]
    workshop = new_workshop(client)
    response = call(client, method, template.format(w=workshop["id"], a=workshop["a"]), body, workshop["tokens"][caller])
    assert response.status_code == expected[caller], response.json
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == "application/problem+json"
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("caller", [OTHER, OWN, FACILITATOR])
def test_results_after_release_are_open_to_every_member(client, caller):
    workshop = new_workshop(client)
    call(client, "POST", f"/api/v1/workshops/{workshop['id']}/release", None, workshop["tokens"][FACILITATOR])
    assert call(client, "GET", f"/api/v1/workshops/{workshop['id']}/results", None,
                workshop["tokens"][caller]).status_code == 200
    assert call(client, "GET", f"/api/v1/workshops/{workshop['id']}/results", None, None).status_code == 401


@pytest.mark.parametrize("caller", [NONE, OTHER, OWN, FACILITATOR])
def test_joining_needs_the_join_code_and_no_token_replaces_it(client, caller):
    workshop = new_workshop(client)
    token = workshop["tokens"][caller]
    path = f"/api/v1/workshops/{workshop['id']}/participants"
    assert call(client, "POST", path, {"join_code": "NOT-IT", "display_name": "X"}, token).status_code == 403
    assert call(client, "POST", path, {"join_code": workshop["join_code"], "display_name": "X"}, token).status_code == 201


def test_another_participant_view_never_shows_their_submission(client):
    workshop = new_workshop(client)
    view = call(client, "GET", f"/api/v1/workshops/{workshop['id']}", None, workshop["tokens"][OTHER]).json
    assert view["submission"] is None and view["previous_submission"] is None
    assert "participants" not in view and "join_code" not in view and "audit" not in view
    own = call(client, "GET", f"/api/v1/workshops/{workshop['id']}", None, workshop["tokens"][OWN]).json
    assert own["submission"]["weights"]["stabilization"] == 1.0


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_tokens_from_elsewhere_are_refused(client, endpoint):
    method, template, body, _ = MATRIX[endpoint]
    workshop, elsewhere = new_workshop(client), new_workshop(client)
    path = template.format(w=workshop["id"], a=workshop["a"])
    # Valid tokens, of another workshop: authenticated, without the right here.
    for token in (elsewhere["tokens"][FACILITATOR], elsewhere["tokens"][OWN]):
        assert call(client, method, path, body, token).status_code == 403
    # Tokens of no one: not authenticated at all, saying so the RFC 6750 way.
    for token in ("not-a-token", workshop["tokens"][FACILITATOR] + "x"):
        refused = call(client, method, path, body, token)
        assert refused.status_code == 401
        assert refused.json["type"] == "/problems/invalid-token"
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert client.open(path, method=method, json=body,
                       headers={"Authorization": f"Basic {workshop['tokens'][FACILITATOR]}"}).status_code == 401


def test_participant_of_another_workshop_cannot_be_addressed(client):
    workshop, elsewhere = new_workshop(client), new_workshop(client)
    # The facilitator of this workshop asking for a participant who belongs to another one.
    response = call(client, "GET", f"/api/v1/workshops/{workshop['id']}/participants/{elsewhere['a']}/submission",
                    None, workshop["tokens"][FACILITATOR])
    assert response.status_code == 404
