"""Per-client rate limits as a thin layer over the `limits` library (README "Rate limiting").

One before-request hook counts the request against each limit that applies to it (fixed windows,
keyed by client address), one after-request hook deducts the limits that count only some answers
(refused joins) and writes the IETF RateLimit fields. Flask-Limiter did the same through hooks
that resolved decorators, blueprints and meta limits on every request, none of which this service
uses: about a third of the limiter's cost per request (docs/performance.md).

Keys are Flask-Limiter's (`LIMITER/policy-options/<address>/<scope>/<amount>/<multiples>/<unit>`),
so counts already in a shared store carry over. A shared store that fails does not fail requests:
with a fallback, the process counts in memory alone and checks the store again after 1, 2, 4 ...
32 s; without one, the request goes on uncounted.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import g, request
from limits import RateLimitItem
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from service.platform.rate_limit_storage import InlineSweepMemoryStorage

log = logging.getLogger(__name__)

KEY_PREFIX = "policy-options"
MAX_BACKEND_CHECKS = 5  # the store is checked again after 2**n seconds, n up to this, then from 1 s again


@dataclass(frozen=True)
class Limit:
    """One limit: its window, the name it has in the RateLimit fields, the setting it comes from;
    whether it applies to the request at hand, and, for a limit that counts only some answers,
    which (the request is then only tested before, and counted after, its answer)."""

    item: RateLimitItem
    policy: str
    setting: str
    scope: str
    applies: Callable[[], bool] = lambda: True
    deduct_when: Callable[[object], bool] | None = None


@dataclass
class AppliedLimit:
    """A limit as applied to one request, with its key's identifiers."""

    limit: Limit
    identifiers: tuple[str, ...]


class RateLimitExceeded(TooManyRequests):
    def __init__(self, applied: AppliedLimit):
        super().__init__()
        self.applied = applied


class ClientRateLimiter:
    """The limits of one app, counted in `storage` (with an in-memory `fallback` for a shared one)."""

    def __init__(self, limits: list[Limit], storage: Storage, *, exempt: Callable[[], bool], fallback: bool = False):
        self.limits = sorted(limits, key=lambda limit: limit.item)  # shortest window first
        self.storage, self.exempt = storage, exempt
        self._primary = FixedWindowRateLimiter(storage)
        self._memory = FixedWindowRateLimiter(InlineSweepMemoryStorage()) if fallback else None
        self._storage_dead = False
        self._backend_checks, self._last_backend_check = 0, 0.0
        self._remember = getattr(storage, "remember_writes", None)
        self._forget = getattr(storage, "forget_writes", None)

    @property
    def strategy(self) -> FixedWindowRateLimiter:
        return self._memory if self._storage_dead and self._memory is not None else self._primary

    # -- hooks ------------------------------------------------------------------------------------

    def count_request(self) -> None:
        """before_request: count the request; raise RateLimitExceeded past a limit."""
        endpoint = request.endpoint
        # No endpoint (404, 405): routing refuses it before any work; static files are no client's work.
        if not endpoint or endpoint.rsplit(".", 1)[-1] == "static" or self.exempt():
            return
        if self._remember is not None:
            self._remember()
        if self._storage_dead:
            self._check_storage_again()
        applied = g.rate_limits = []
        try:
            self._evaluate(applied)
        except RateLimitExceeded:
            raise
        except Exception:  # noqa: BLE001 - the store failed: availability first
            if self._memory is not None and not self._storage_dead:
                log.warning("Rate limit storage unreachable - falling back to in-memory storage")
                self._storage_dead = True
                applied.clear()
                self._evaluate(applied)
            else:
                log.exception("Failed to rate limit. Swallowing error")

    def _evaluate(self, applied: list[AppliedLimit]) -> None:
        strategy, client = self.strategy, request.remote_addr or "127.0.0.1"
        for limit in self.limits:
            if not limit.applies():
                continue
            identifiers = (KEY_PREFIX, client, limit.scope)
            allowed = (strategy.test if limit.deduct_when else strategy.hit)(limit.item, *identifiers)
            applied.append(AppliedLimit(limit, identifiers))
            if not allowed:
                log.info("ratelimit %s (%s) exceeded at endpoint: %s", limit.item, client, limit.scope)
                raise RateLimitExceeded(applied[-1])

    def _check_storage_again(self) -> None:
        if self._backend_checks > MAX_BACKEND_CHECKS:
            self._backend_checks = 0
        if time.time() - self._last_backend_check > 2 ** self._backend_checks:
            self._last_backend_check = time.time()
            self._backend_checks += 1
            if self.storage.check():
                log.info("Rate limit storage recovered")
                self._storage_dead, self._backend_checks = False, 0

    def deduct_and_describe(self, response):
        """after_request: count the answers that count, then the RateLimit fields for each limit applied."""
        applied = g.get("rate_limits")
        if not applied:
            return response
        strategy = self.strategy
        for each in applied:
            if each.limit.deduct_when is not None and each.limit.deduct_when(response):
                try:
                    strategy.hit(each.limit.item, *each.identifiers)
                except Exception:  # noqa: BLE001
                    log.exception("Failed to deduct rate limit. Swallowing error")
        now = time.time()
        policies, states = [], []
        try:
            for each in applied:
                item = each.limit.item
                quota, window = item.amount, item.get_expiry()
                reset_time, remaining = strategy.get_window_stats(item, *each.identifiers)
                # Nothing counted yet: the whole quota, for a whole window from the next request.
                reset = window if remaining >= quota else max(0, math.ceil(reset_time - now))
                policies.append(f'"{each.limit.policy}";q={quota};w={window}')
                states.append(f'"{each.limit.policy}";r={remaining};t={reset}')
        except Exception:  # noqa: BLE001 - the store is down: the answer goes out without the fields
            log.warning("rate-limit fields left out: the counts could not be read", exc_info=True)
            return response
        response.headers["RateLimit-Policy"] = ", ".join(policies)
        response.headers["RateLimit"] = ", ".join(states)
        return response

    def forget_writes(self, _error=None) -> None:
        """teardown_request."""
        if self._forget is not None:
            self._forget()

    def retry_after(self, applied: AppliedLimit) -> int:
        try:
            reset_time, _ = self.strategy.get_window_stats(applied.limit.item, *applied.identifiers)
        except Exception:  # noqa: BLE001 - the store went away: a window's worth
            return 60
        return max(1, math.ceil(reset_time - time.time()))
