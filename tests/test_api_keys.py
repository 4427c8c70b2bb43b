"""Write access with API_KEYS (README "API keys"): who may add, replace and delete models and open workshops.

The matrix: every write operation × every kind of caller, with keys set; then the same writes
with no keys set (open, the embedded default); reads never need a key.
"""

from __future__ import annotations

import hashlib

import pytest

from service import create_app
from service.platform.api_keys import parse_api_keys
from tests.documents import small_model

MODELS_KEY = "models-key-0123456789"
WORKSHOPS_KEY = "workshops-key-0123456789"
FULL_KEY = "full-key-0123456789abcdef"
DIGEST_KEY = "only-its-digest-is-configured"
API_KEYS = (f"{MODELS_KEY}@models, {WORKSHOPS_KEY}@workshops, {FULL_KEY}, "
            f"sha256:{hashlib.sha256(DIGEST_KEY.encode()).hexdigest()}@models+workshops")

# caller -> Authorization header
CALLERS = {
    "no key": None,
    "empty bearer": "Bearer ",
    "basic scheme": f"Basic {FULL_KEY}",
    "unknown key": "Bearer not-a-key-of-this-service",
    "a key's digest sent as the key": f"Bearer {hashlib.sha256(DIGEST_KEY.encode()).hexdigest()}",
    "models key": f"Bearer {MODELS_KEY}",
    "workshops key": f"Bearer {WORKSHOPS_KEY}",
    "full key": f"Bearer {FULL_KEY}",
    "key configured by digest": f"Bearer {DIGEST_KEY}",
    "full key in lower-case scheme": f"bearer {FULL_KEY}",
}
DENIED = {"no key": 401, "empty bearer": 401, "basic scheme": 401, "unknown key": 401,
          "a key's digest sent as the key": 401}

# operation -> (method, path, body, scope, success status)
OPERATIONS = {
    "add model": ("POST", "/api/v1/models", small_model("keyed"), "models", 201),
    "replace model": ("PUT", "/api/v1/models/keyed-put", small_model("keyed-put"), "models", 201),
    "delete model": ("DELETE", "/api/v1/models/keyed-delete", None, "models", 204),
    "open workshop": ("POST", "/api/v1/workshops", {"title": "t", "model_id": "minusma-2017"}, "workshops", 201),
}
SCOPES = {"models key": {"models"}, "workshops key": {"workshops"}, "full key": {"models", "workshops"},
          "key configured by digest": {"models", "workshops"}, "full key in lower-case scheme": {"models", "workshops"}}


def expected(caller: str, scope: str, success: int) -> int:
    if caller in DENIED:
        return DENIED[caller]
    return success if scope in SCOPES[caller] else 403


MATRIX = [(operation, caller) for operation in OPERATIONS for caller in CALLERS]


@pytest.fixture(scope="module")
def keyed_app(tmp_path_factory):
    app = create_app({"TESTING": True, "API_KEYS": API_KEYS,
                      "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('keys') / 'db.sqlite3'}"})
    yield app
    app.extensions["policy_options"].engine.dispose()


def _prepare(client, operation: str) -> None:
    """The state a successful call needs (the model to delete), put there with a full key."""
    if operation == "delete model":
        client.delete("/api/v1/models/keyed-delete", headers={"Authorization": f"Bearer {FULL_KEY}"})
        added = client.post("/api/v1/models", json=small_model("keyed-delete"),
                            headers={"Authorization": f"Bearer {FULL_KEY}"})
        assert added.status_code == 201
    elif operation in ("add model", "replace model"):
        model_id = OPERATIONS[operation][2]["id"]
        client.delete(f"/api/v1/models/{model_id}", headers={"Authorization": f"Bearer {FULL_KEY}"})


@pytest.mark.parametrize("operation, caller", MATRIX, ids=[f"{o} by {c}" for o, c in MATRIX])
def test_write_access_matrix(keyed_app, operation, caller):
    client = keyed_app.test_client()
    method, path, body, scope, success = OPERATIONS[operation]
    _prepare(client, operation)
    models_before = client.get("/api/v1/models").json
    headers = {"Authorization": CALLERS[caller]} if CALLERS[caller] is not None else {}

    response = client.open(path, method=method, json=body, headers=headers)

    assert response.status_code == expected(caller, scope, success), response.get_data(as_text=True)[:300]
    if response.status_code in (401, 403):
        assert response.mimetype == "application/problem+json"
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer")
        if response.status_code == 403:
            assert 'error="insufficient_scope"' in challenge and scope in response.json["detail"]
        assert client.get("/api/v1/models").json == models_before  # refused: nothing written


def test_a_refusal_comes_before_the_body_is_read(keyed_app):
    client = keyed_app.test_client()
    refused = client.post("/api/v1/models", data="{not json", content_type="application/json")
    assert refused.status_code == 401


def test_reads_and_analyses_need_no_key(keyed_app):
    client = keyed_app.test_client()
    assert client.get("/api/v1/models").status_code == 200
    assert client.get("/api/v1/models/minusma-2017").status_code == 200
    assert client.post("/api/v1/models/minusma-2017/rankings", json={"weights": {"peace-process": 1}}).status_code == 200


def test_a_workshop_token_is_not_an_api_key_and_a_key_opens_no_workshop(keyed_app):
    client = keyed_app.test_client()
    workshop = client.post("/api/v1/workshops", json={"title": "t", "model_id": "minusma-2017"},
                           headers={"Authorization": f"Bearer {WORKSHOPS_KEY}"}).json
    assert client.post("/api/v1/models", json=small_model("by-token"),
                       headers={"Authorization": f"Bearer {workshop['facilitator_token']}"}).status_code == 401
    facilitator_only = client.post(f"/api/v1/workshops/{workshop['id']}/rounds",
                                   headers={"Authorization": f"Bearer {FULL_KEY}"})
    assert facilitator_only.status_code in (401, 403)  # a key is nobody in a workshop


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_without_keys_every_write_is_open(database_url, operation):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    client = app.test_client()
    method, path, body, _, success = OPERATIONS[operation]
    _prepare(client, operation)
    assert client.open(path, method=method, json=body).status_code == success


def test_keys_are_kept_as_digests_only(keyed_app):
    configured = keyed_app.config["API_KEYS"]
    assert len(configured) == 4 and all(len(key.digest) == 32 for key in configured)
    assert all(secret not in repr(keyed_app.config) for secret in (MODELS_KEY, WORKSHOPS_KEY, FULL_KEY, DIGEST_KEY))


@pytest.mark.parametrize("setting, message", [
    ("short", "at least 16 characters"),
    ("sha256:abc", "64 hex digits"),
    ("fine-key-0123456789, sha256:" + "g" * 64, "entry 2"),
])
def test_an_unusable_key_stops_the_start_naming_the_entry_not_the_key(setting, message):
    with pytest.raises(ValueError, match=message) as raised:
        parse_api_keys(setting)
    assert setting.split(",")[-1].strip() not in str(raised.value)


def test_scopes_and_empty_entries_parse():
    keys = parse_api_keys(" , a-key-of-sixteen-chars@workshops,,b-key-of-sixteen-chars@nonsense ")
    assert [sorted(key.scopes) for key in keys] == [["workshops"], ["models", "workshops"]]
    # "@nonsense" is no scope, so it is part of the key itself.
    assert keys[1].digest == hashlib.sha256(b"b-key-of-sixteen-chars@nonsense").digest()
    assert parse_api_keys("") == ()


def test_the_document_declares_bearer_auth_on_the_writes_that_need_a_key(keyed_app):
    from service.openapi import openapi_document

    document = openapi_document(keyed_app)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for method, path in (("post", "/api/v1/models"), ("put", "/api/v1/models/{model_id}"),
                         ("delete", "/api/v1/models/{model_id}"), ("post", "/api/v1/workshops")):
        operation = document["paths"][path][method]
        # a key, or nothing while API_KEYS is unset (the embedded default is open)
        assert operation["security"] == [{"bearerAuth": []}, {}], (method, path)
        assert {"401", "403"} <= set(operation["responses"])
    assert document["paths"]["/api/v1/models"]["get"]["security"] == []


def _bind_warnings(addresses: list, api_keys: str | None) -> list[str]:
    """The warnings gunicorn_conf.py's when_ready hook logs for these listening addresses (in a fresh
    interpreter: the configuration sets process-wide environment variables)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import json, runpy, sys, types\n"
        "conf = runpy.run_path('service/gunicorn_conf.py')\n"
        "said = []\n"
        "log = types.SimpleNamespace(warning=lambda message, *args: said.append(message % args))\n"
        f"cfg = types.SimpleNamespace(address=[tuple(a) if isinstance(a, list) else a for a in {addresses!r}], bind=['x'])\n"
        "conf['when_ready'](types.SimpleNamespace(cfg=cfg, log=log))\n"
        "conf['on_exit'](None)\n"
        "print(json.dumps(said))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("API_KEYS", "PROMETHEUS_MULTIPROC_DIR")}
    if api_keys is not None:
        env["API_KEYS"] = api_keys
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[1], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("addresses, api_keys, warned", [
    ([["127.0.0.1", 8000]], None, False),
    ([["::1", 8000], ["localhost", 8001]], None, False),
    (["/run/policy-options.sock"], None, False),
    ([["0.0.0.0", 8000]], None, True),
    ([["127.0.0.1", 8000], ["192.0.2.7", 8000]], None, True),
    ([["api.example.org", 8000]], None, True),
    ([["0.0.0.0", 8000]], FULL_KEY, False),
])
def test_serving_beyond_loopback_without_keys_is_warned_about(addresses, api_keys, warned):
    said = _bind_warnings(addresses, api_keys)
    assert bool(said) is warned and all("API_KEYS" in message for message in said)
