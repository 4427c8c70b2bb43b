"""Rate limits (README "Rate limiting"): counts shared through the app's database by every process,
on SQLite and PostgreSQL; stricter limits on joining; the IETF RateLimit fields."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import limits
import pytest
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select

from service import create_app
from service.persistence.database import make_engine, migrate
from service.persistence.tables import RateLimitCounter
from service.platform.rate_limit_storage import DatabaseStorage
from tests.gunicorn_server import GunicornServer

MODEL_PATH = "/api/v1/models/minusma-2017"


@pytest.fixture
def storage(any_database_url):
    engine = make_engine(any_database_url)
    migrate(engine)
    store = DatabaseStorage(engine=engine)
    yield store
    store.engine.dispose()
    engine.dispose()


class FakeTime:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_fixed_window_in_the_database_admits_its_amount_then_refuses_until_the_window_passes(storage, monkeypatch):
    clock = FakeTime(1_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    limiter = FixedWindowRateLimiter(storage)
    three_per_minute = limits.parse("3/minute")
    assert [limiter.hit(three_per_minute, "client-a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(three_per_minute, "client-b")
    assert limiter.get_window_stats(three_per_minute, "client-a") == (1_000_060.0, 0)
    clock.now += 61
    assert limiter.get_window_stats(three_per_minute, "client-a").remaining == 3
    assert limiter.hit(three_per_minute, "client-a")
    assert limiter.get_window_stats(three_per_minute, "client-a") == (1_000_121.0, 2)


def test_expired_counters_are_swept_and_long_keys_fit(storage, monkeypatch):
    clock = FakeTime(2_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    for n in range(50):
        storage.incr(f"passer-by-{n}", 1)
    assert storage.incr("k" * 1000, 60) == 1 and storage.incr("k" * 1000, 60) == 2
    clock.now += DatabaseStorage.SWEEP_INTERVAL_SECONDS + 1
    storage.incr("regular", 60)
    with storage.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(RateLimitCounter)) == 1  # the long key expired too


def test_concurrent_hits_from_many_threads_are_all_counted(storage):
    def hit(_):
        return storage.incr("busy-client", 60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = sorted(pool.map(hit, range(200)))
    assert counts == list(range(1, 201))  # each hit saw its own count: none lost, none twice
    assert storage.get("busy-client") == 200


def _statuses(server, count: int, path: str = MODEL_PATH) -> list[int]:
    return [server.call("GET", path).status for _ in range(count)]


def test_two_processes_share_one_count_per_client(any_database_url, tmp_path):
    """Two servers (each its own process) on one database: together they admit exactly the limit."""
    env = {"RATE_LIMIT": "10/minute", "RATELIMIT_STORAGE_URI": "database://", "WEB_CONCURRENCY": "1"}
    with GunicornServer(any_database_url, workers=1, env=env, log_path=tmp_path / "a.log") as first, \
            GunicornServer(any_database_url, workers=1, env=env, log_path=tmp_path / "b.log") as second:
        statuses = [(first if n % 2 else second).call("GET", MODEL_PATH).status for n in range(16)]
        refused = first.call("GET", MODEL_PATH)
    assert statuses == [200] * 10 + [429] * 6
    assert refused.status == 429 and refused.header("Content-Type") == "application/problem+json"
    assert int(refused.header("Retry-After")) >= 1


def test_several_gunicorn_workers_share_counts_by_default(tmp_path):
    """No RATELIMIT_STORAGE_URI: with two workers the count is shared through the database, so eight
    clients at once get exactly the limit between them."""
    env = {"RATE_LIMIT": "30/minute"}
    with GunicornServer(f"sqlite:///{tmp_path / 'shared.sqlite3'}", workers=2, env=env,
                        log_path=tmp_path / "g.log") as server:
        with ThreadPoolExecutor(max_workers=8) as clients:
            statuses = list(clients.map(lambda _: server.call("GET", MODEL_PATH).status, range(60)))
    assert statuses.count(200) == 30 and statuses.count(429) == 30


# -- RateLimit fields and joining -----------------------------------------------------------------

FIELD = re.compile(r'"([a-z-]+)";(\w)=(\d+);(\w)=(\d+)')


def fields_of(header: str) -> dict[str, dict[str, int]]:
    """A structured-field list of `"name";a=1;b=2` items, as {name: {a: 1, b: 2}}."""
    items = [item.strip() for item in header.split(",")]
    parsed = {}
    for item in items:
        match = FIELD.fullmatch(item)
        assert match, item
        name, k1, v1, k2, v2 = match.groups()
        parsed[name] = {k1: int(v1), k2: int(v2)}
    return parsed


@pytest.fixture
def limited(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, "RATE_LIMIT": "20/minute",
                      "JOIN_RATE_LIMIT": "4/minute", "FAILED_JOIN_RATE_LIMIT": "2/minute",
                      "RATELIMIT_STORAGE_URI": "database://"})
    yield app.test_client()
    app.extensions["policy_options"].engine.dispose()


def test_every_limited_response_carries_the_ietf_fields(limited):
    first, second = limited.get(MODEL_PATH), limited.get(MODEL_PATH)
    assert fields_of(first.headers["RateLimit-Policy"]) == {"default": {"q": 20, "w": 60}}
    before, after = fields_of(first.headers["RateLimit"])["default"], fields_of(second.headers["RateLimit"])["default"]
    assert (before["r"], after["r"]) == (19, 18) and 0 < after["t"] <= 60
    assert "RateLimit" not in limited.get("/healthz").headers  # not limited, no fields


def test_joining_has_a_stricter_limit_and_a_stricter_one_still_for_wrong_codes(limited):
    workshop = limited.post("/api/v1/workshops", json={"title": "t", "model_id": "minusma-2017"}).json
    path = f"/api/v1/workshops/{workshop['id']}/participants"
    wrong = [limited.post(path, json={"join_code": "WRONGCODE", "display_name": "x"}) for _ in range(3)]
    assert [r.status_code for r in wrong] == [403, 403, 429]
    assert "FAILED_JOIN_RATE_LIMIT" in wrong[-1].json["detail"]
    assert fields_of(wrong[0].headers["RateLimit"])["join-refused"]["r"] == 1
    assert set(fields_of(wrong[0].headers["RateLimit-Policy"])) == {"default", "join", "join-refused"}
    # Right codes count against the join limit only: one more is admitted, then none.
    right = [limited.post(path, json={"join_code": workshop["join_code"], "display_name": "y"}) for _ in range(2)]
    assert [r.status_code for r in right] == [429, 429]  # the failed-join limit is spent for this minute
    other = {"REMOTE_ADDR": "192.0.2.50"}
    joins = [limited.post(path, json={"join_code": workshop["join_code"], "display_name": "z"}, environ_base=other)
             for _ in range(5)]
    assert [r.status_code for r in joins] == [201, 201, 201, 201, 429]
    assert "JOIN_RATE_LIMIT" in joins[-1].json["detail"] and int(joins[-1].headers["Retry-After"]) >= 1
    assert fields_of(joins[-1].headers["RateLimit"])["join"]["r"] == 0
    assert limited.get(MODEL_PATH, environ_base=other).status_code == 200  # the API's own limit is not spent


def test_a_store_that_is_down_fails_no_request_and_leaves_the_fields_out(database_url, monkeypatch):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, "RATE_LIMIT": "2/minute",
                      "RATELIMIT_STORAGE_URI": "database://"})
    storage = app.extensions["policy_options_limiter"].storage

    def broken(*_args, **_kwargs):
        raise storage.base_exceptions("database gone")

    monkeypatch.setattr(storage, "incr", broken)
    monkeypatch.setattr(storage, "get", broken)
    client = app.test_client()
    assert [client.get(MODEL_PATH).status_code for _ in range(3)] == [200, 200, 429]  # the in-memory fallback counts
    app.extensions["policy_options"].engine.dispose()


def test_threads_of_one_process_see_only_their_own_writes(storage):
    """What a request wrote is read back without a query only by the thread that wrote it."""
    storage.remember_writes()
    storage.incr("shared", 60)
    seen = {}

    def other_thread():
        storage.remember_writes()
        storage.incr("shared", 60)
        seen["other"] = storage.get("shared")
        storage.forget_writes()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen["other"] == 2 and storage.get("shared") == 1  # this request's own count, as it wrote it
    storage.forget_writes()
    assert storage.get("shared") == 2  # outside a request: the database


def test_unrouted_requests_and_preflights_are_not_counted_and_keys_are_flask_limiters(database_url):
    """What routing refuses (404, 405) and CORS preflights cost a client nothing; the keys are those
    Flask-Limiter wrote, so counts already in a shared store carry over."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": True,
                      "RATE_LIMIT": "2/minute;50/day", "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    assert [client.get("/api/v1/no-such-thing").status_code for _ in range(3)] == [404] * 3
    assert [client.delete("/api/v1/models").status_code for _ in range(3)] == [405] * 3
    assert [client.options(MODEL_PATH).status_code for _ in range(3)] == [200] * 3
    responses = [client.get(MODEL_PATH) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[-1].json["limit"] == "2 per 1 minute"  # the shortest window is counted first
    assert responses[0].headers["RateLimit-Policy"] == '"default";q=2;w=60, "default";q=50;w=86400'
    counts = app.extensions["policy_options_limiter"].storage.storage
    assert counts["LIMITER/policy-options/127.0.0.1/global/2/1/minute"] == 3
    assert counts["LIMITER/policy-options/127.0.0.1/global/50/1/day"] == 2  # none counted past the first refusal
