"""Where the responses to creations sent with an Idempotency-Key are kept (DESIGN.md §6, §8.4).

They live in the database, so every API process sharing it replays the same first response.
A response is recorded in the same transaction as what it created: either both are stored or
neither. Two requests racing with one key both try; the database's primary key lets one commit,
and the other replays it.

The key is stored only as its SHA-256 digest, and the response (a facilitator token, say) is
encrypted with AES-GCM under a key derived from the Idempotency-Key: the database alone cannot
give back a token, as it cannot for the tokens stored as digests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from service.persistence.tables import IdempotencyRecord, as_utc, utc_now

# How long a key is remembered; after that the same key starts a new creation (README "Idempotency").
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)
_NONCE_BYTES = 12


@dataclass(frozen=True)
class StoredResponse:
    request_sha256: str
    status: int
    body: object
    headers: dict[str, str]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cipher(idempotency_key: str):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(hashlib.sha256(b"policy-options idempotent response\0" + idempotency_key.encode("utf-8")).digest())


def _seal(idempotency_key: str, document: dict) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cipher(idempotency_key).encrypt(nonce, json.dumps(document).encode("utf-8"), None)
    return base64.b64encode(nonce + sealed).decode("ascii")


def _open(idempotency_key: str, stored: str) -> dict:
    raw = base64.b64decode(stored)
    return json.loads(_cipher(idempotency_key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None))


class IdempotencyStore:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def find(self, scope: str, idempotency_key: str) -> StoredResponse | None:
        """The response recorded for this key in this scope within its lifetime, or None."""
        with self.sessions() as session:
            row = session.get(IdempotencyRecord, (scope, _digest(idempotency_key)))
            if row is None or as_utc(row.created_at) < utc_now() - IDEMPOTENCY_KEY_LIFETIME:
                return None
            document = _open(idempotency_key, row.response)
            return StoredResponse(row.request_sha256, row.status, document["body"], document["headers"])

    def record(self, session: Session, scope: str, idempotency_key: str, request_sha256: str,
               status: int, body: object, headers: dict[str, str]) -> None:
        """Add the response to the caller's transaction; raises IntegrityError (at flush or commit)
        when a live record with this key exists, as when two requests race."""
        now = utc_now()
        # Expired keys go, this one's included, so it can start anew.
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - IDEMPOTENCY_KEY_LIFETIME))
        session.add(IdempotencyRecord(scope=scope, key_sha256=_digest(idempotency_key), request_sha256=request_sha256,
                                      status=status, response=_seal(idempotency_key, {"body": body, "headers": headers}),
                                      created_at=now))
        session.flush()
