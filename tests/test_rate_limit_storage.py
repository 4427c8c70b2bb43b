"""The in-process rate-limit store counts like limits' MemoryStorage, with no thread per request."""

from __future__ import annotations

import threading
import time

import limits
from limits.strategies import FixedWindowRateLimiter

from service.platform.rate_limit_storage import InlineSweepMemoryStorage, storage_uri


class FakeTime:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_fixed_window_admits_its_amount_then_refuses_until_the_window_passes(monkeypatch):
    clock = FakeTime(1_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    limiter = FixedWindowRateLimiter(InlineSweepMemoryStorage())
    three_per_minute = limits.parse("3/minute")
    assert [limiter.hit(three_per_minute, "client-a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(three_per_minute, "client-b")  # another client has its own count
    clock.now += 61
    assert limiter.hit(three_per_minute, "client-a")


def test_counters_of_clients_that_never_return_are_swept(monkeypatch):
    clock = FakeTime(2_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    storage = InlineSweepMemoryStorage()
    limiter = FixedWindowRateLimiter(storage)
    one_per_second = limits.parse("10/second")
    for n in range(100):
        limiter.hit(one_per_second, f"passer-by-{n}")
    assert len(storage.storage) == 100
    clock.now += 2  # their windows have passed, and a sweep is due
    limiter.hit(one_per_second, "regular")
    assert set(storage.storage) == {key for key in storage.storage if "regular" in key} and len(storage.storage) == 1


def test_no_thread_is_started_per_hit():
    storage = InlineSweepMemoryStorage()
    time.sleep(0.05)  # the base class's one start-up timer has run out
    before = threading.active_count()
    limiter = FixedWindowRateLimiter(storage)
    item = limits.parse("1000/minute")
    during = []
    for _ in range(10):
        limiter.hit(item, "client")
        during.append(threading.active_count())
        time.sleep(0.015)  # longer than the 10 ms timer limits' MemoryStorage would start again
    assert during == [before] * 10


def test_memory_uri_maps_to_the_inline_store_and_others_pass_through():
    assert storage_uri("memory://") == storage_uri("") == "policy-options-memory://"
    assert storage_uri("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert isinstance(limits.storage.storage_from_string(storage_uri("memory://")), InlineSweepMemoryStorage)
