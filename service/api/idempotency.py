"""Idempotent creation with the `Idempotency-Key` request header (DESIGN.md §8.4; IETF draft
"The Idempotency-Key HTTP Header Field").

The same key with the same request replays the first response (`Idempotent-Replayed: true`) and
creates nothing; the same key with another request is 422. Keys are scoped (the workshops a
caller opens, one workshop's rounds), live 24 hours, and are shared by every process through the
database (`service.persistence.idempotency_store`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from flask import current_app, request
from sqlalchemy.exc import IntegrityError

from service.persistence.idempotency_store import IdempotencyStore
from service.platform.errors import ApiProblem

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Printable ASCII, optionally as a Structured Field string ("..."), as the IETF draft writes it.
_KEY = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')


def _request_sha256() -> str:
    """The request as the key binds it: method, path and body (JSON compared by value, not spelling)."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw else b""
    except ValueError:
        body = raw
    return hashlib.sha256(f"{request.method} {request.path}\n".encode() + body).hexdigest()


class IdempotentCreation:
    """One creating request and its Idempotency-Key (None when the header is absent)."""

    def __init__(self, scope: str):
        self.scope = scope
        self.key = self._key()
        self.request_sha256 = _request_sha256() if self.key else ""
        self.store = IdempotencyStore(current_app.extensions["policy_options"].sessions)
        self.response = None

    @staticmethod
    def _key() -> str | None:
        header = request.headers.get(IDEMPOTENCY_HEADER)
        if header is None:
            return None
        match = _KEY.match(header.strip())
        if match is None:
            raise ApiProblem(400, f"{IDEMPOTENCY_HEADER} must be 1 to 255 printable ASCII characters "
                                  "(a UUID is best), optionally in double quotes.", slug="invalid-idempotency-key")
        return match.group(1)

    def replay(self):
        """The first response to this key, or None when there is none; 422 when the key was used
        for another request."""
        if self.key is None:
            return None
        stored = self.store.find(self.scope, self.key)
        if stored is None:
            return None
        if stored.request_sha256 != self.request_sha256:
            raise ApiProblem(422, f"This {IDEMPOTENCY_HEADER} was used for another request; send a new key "
                                  "for a new request.", slug="idempotency-key-reused")
        return stored.body, stored.status, {**stored.headers, "Idempotent-Replayed": "true"}

    def respond(self, session, status: int, body: dict, headers: dict[str, str]) -> None:
        """Record the response in the creating transaction (when a key was sent) and keep it to send."""
        if self.key is not None:
            self.store.record(session, self.scope, self.key, self.request_sha256, status, body, headers)
        self.response = (body, status, headers)

    def run(self, create: Callable[[], object]):
        """Run `create` (which calls `respond` in its transaction) unless a response is replayed;
        a request that lost a race for its key replays the winner's response."""
        replayed = self.replay()
        if replayed is not None:
            return replayed
        try:
            create()
        except IntegrityError:
            replayed = self.replay()
            if replayed is None:
                raise
            return replayed
        return self.response
