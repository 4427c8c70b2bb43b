"""Security toward strangers (issue 7, item 3): headers, X-Request-ID, CORS, rate limits, debug, secrets."""

from __future__ import annotations

import socket
import uuid

import pytest

from service import create_app
from service.platform.headers import CONTENT_SECURITY_POLICY

MODEL_PATH = "/api/v1/models/minusma-2017"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def make_app(database_url, **config):
    return create_app({"TESTING": True, "DATABASE_URL": database_url, **config})


# -- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path, body", [
    ("get", MODEL_PATH, None),
    ("post", f"{MODEL_PATH}/rankings", {"weights": {"peace-process": 1}}),
    ("post", f"{MODEL_PATH}/rankings", {"weights": "not an object"}),  # a 422
    ("get", "/no/such/path", None),  # a 404 from routing
    ("get", "/docs", None),
    ("get", "/healthz", None),
])
def test_every_response_carries_the_security_headers(client, method, path, body):
    response = getattr(client, method)(path, json=body)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy


def test_the_workshop_pages_keep_their_stricter_policy(client):
    workshop = client.post("/api/v1/workshops", json={"title": "t", "model_id": "minusma-2017"}).json
    page = client.get(f"/w/{workshop['join_code']}")
    assert page.status_code == 200
    assert page.headers.getlist("Content-Security-Policy") == [page.headers["Content-Security-Policy"]]
    assert page.headers["Content-Security-Policy"] != CONTENT_SECURITY_POLICY
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.headers.getlist("X-Content-Type-Options") == ["nosniff"]


# -- X-Request-ID --------------------------------------------------------------------------------


def test_a_sane_request_id_is_echoed(client):
    given = str(uuid.uuid4())
    assert client.get(MODEL_PATH, headers={"X-Request-ID": given}).headers["X-Request-ID"] == given


@pytest.mark.parametrize("given", ["", "has space", "x" * 129, "quote\"s", "<script>", "caf\u00e9"])
def test_an_insane_request_id_is_replaced(client, given):
    answered = client.get(MODEL_PATH, headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert answered != given and len(answered) == 32 and int(answered, 16) >= 0


def test_a_request_id_is_generated_fresh_for_every_request_even_refused_ones(client):
    ids = [client.get(MODEL_PATH).headers["X-Request-ID"] for _ in range(5)]
    ids.append(client.post(f"{MODEL_PATH}/rankings", data="{", content_type="application/json").headers["X-Request-ID"])
    assert len(set(ids)) == len(ids)


# -- CORS ----------------------------------------------------------------------------------------


def test_cors_is_off_by_default(client):
    simple = client.get(MODEL_PATH, headers={"Origin": "https://tool.example.org"})
    preflight = client.options(f"{MODEL_PATH}/rankings", headers={
        "Origin": "https://tool.example.org", "Access-Control-Request-Method": "POST"})
    for response in (simple, preflight):
        assert not any(name.startswith("Access-Control-") for name in response.headers.keys())


def test_cors_allows_exactly_the_configured_origins(database_url):
    app = make_app(database_url, CORS_ORIGINS="https://tool.example.org, http://localhost:5173")
    client = app.test_client()
    allowed = client.get(MODEL_PATH, headers={"Origin": "http://localhost:5173"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "X-Request-ID" in allowed.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    for stranger in ("https://evil.example.org", "https://tool.example.org.evil.net", "http://tool.example.org"):
        refused = client.get(MODEL_PATH, headers={"Origin": stranger})
        assert "Access-Control-Allow-Origin" not in refused.headers, stranger
    preflight = client.options(f"{MODEL_PATH}/rankings", headers={
        "Origin": "https://tool.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://tool.example.org"
    assert {"content-type", "authorization"} <= {h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}


# -- rate limits ---------------------------------------------------------------------------------


def test_the_rate_limit_refuses_with_problem_json_naming_the_limit(database_url):
    client = make_app(database_url, RATELIMIT_ENABLED=True, RATE_LIMIT="5/minute").test_client()
    statuses = [client.get(MODEL_PATH).status_code for _ in range(5)]
    refused = client.post(f"{MODEL_PATH}/rankings", json={"weights": {"peace-process": 1}})
    assert statuses == [200] * 5
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("/rate-limit") and refused.json["limit"] == "5 per 1 minute"
    assert "RATE_LIMIT" in refused.json["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert refused.headers["X-Request-ID"]


def test_the_rate_limit_counts_each_client_apart_and_spares_health_checks(database_url):
    client = make_app(database_url, RATELIMIT_ENABLED=True, RATE_LIMIT="3/minute").test_client()
    first = {"REMOTE_ADDR": "192.0.2.1"}
    second = {"REMOTE_ADDR": "192.0.2.2"}
    assert [client.get(MODEL_PATH, environ_base=first).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(MODEL_PATH, environ_base=second).status_code == 200
    assert client.get("/healthz", environ_base=first).status_code == 200


def test_trusted_proxies_make_the_forwarded_address_the_client(database_url):
    client = make_app(database_url, RATELIMIT_ENABLED=True, RATE_LIMIT="2/minute", TRUSTED_PROXIES=1).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    one = [client.get(MODEL_PATH, environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.7"}).status_code
           for _ in range(3)]
    other = client.get(MODEL_PATH, environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.8"}).status_code
    assert one == [200, 200, 429] and other == 200


def test_rate_limits_are_off_for_the_test_client_unless_asked_for_and_off_by_configuration(database_url):
    assert make_app(database_url, RATE_LIMIT="1/minute").extensions.get("policy_options_limiter") is None
    production = create_app({"DATABASE_URL": database_url, "RATE_LIMIT": "off"})
    assert production.extensions.get("policy_options_limiter") is None
    limited = create_app({"DATABASE_URL": database_url, "RATE_LIMIT": "1/minute"}).test_client()
    assert [limited.get(MODEL_PATH).status_code for _ in range(2)] == [200, 429]


def _redis_reachable(host="127.0.0.1", port=6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def test_a_shared_store_counts_across_processes(database_url, tmp_path):
    """Two apps stand for two gunicorn workers: with a Redis store, they share one count per client."""
    if not _redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379 to share rate-limit counts through")
    limit = f"3/minute;{uuid.uuid4().int % 1000 + 1000}/day"  # a fresh key, whatever earlier runs left
    workers = [create_app({"DATABASE_URL": database_url, "RATE_LIMIT": limit,
                           "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}).test_client() for _ in range(2)]
    client = {"REMOTE_ADDR": f"198.51.100.{uuid.uuid4().int % 200 + 1}"}
    statuses = [workers[i % 2].get(MODEL_PATH, environ_base=client).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]


# -- debug and secrets ---------------------------------------------------------------------------


def test_flask_debug_is_ignored_outside_development(database_url, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.delenv("POLICY_OPTIONS_ENV", raising=False)
    assert create_app({"DATABASE_URL": database_url}).debug is False
    assert create_app({"DATABASE_URL": database_url, "DEBUG": True}).debug is False
    monkeypatch.setenv("POLICY_OPTIONS_ENV", "development")
    assert create_app({"DATABASE_URL": database_url}).debug is True


def test_an_unexpected_error_shows_no_detail_even_with_flask_debug(database_url, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"DATABASE_URL": database_url})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500 and "secret internals" not in response.get_data(as_text=True)


def test_the_secret_key_comes_from_the_environment_or_is_generated(database_url, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    generated = {create_app({"DATABASE_URL": database_url}).secret_key for _ in range(2)}
    assert len(generated) == 2 and all(len(key) >= 64 for key in generated)
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert create_app({"DATABASE_URL": database_url}).secret_key == "from-the-environment"


def test_workshop_tokens_are_stored_only_as_digests(client, app):
    from sqlalchemy import inspect, text

    workshop = client.post("/api/v1/workshops", json={"title": "t", "model_id": "minusma-2017"}).json
    joined = client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                         json={"join_code": workshop["join_code"], "display_name": "A"}).json
    engine = app.extensions["policy_options"].engine
    with engine.connect() as connection:
        dump = "\n".join(str(row) for table in inspect(engine).get_table_names()
                         for row in connection.execute(text(f'SELECT * FROM "{table}"')))
    assert "workshop_participants" in inspect(engine).get_table_names() and joined["participant_id"] in dump
    assert workshop["facilitator_token"] not in dump and joined["participant_token"] not in dump


def test_a_shared_store_that_is_down_fails_no_request(database_url):
    """Availability first: with its Redis unreachable, the service answers (each process then counts alone)."""
    app = create_app({"DATABASE_URL": database_url, "RATE_LIMIT": "2/minute",
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})  # nothing listens on port 1
    client = app.test_client()
    assert [client.get(MODEL_PATH).status_code for _ in range(3)] == [200, 200, 429]
