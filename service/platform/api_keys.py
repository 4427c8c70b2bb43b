"""Write access: who may add, replace and delete models and open workshops (README "API keys").

`API_KEYS` is a comma-separated list. Each entry is a key, or `sha256:` and the key's SHA-256
digest in hex (so the configuration need not hold the key itself), optionally followed by
`@models`, `@workshops` or `@models+workshops`, the scopes it grants (all scopes when left out).
Only digests are kept in memory; a presented key is hashed and compared with every digest in
constant time. With keys set, those writes need `Authorization: Bearer <key>`: no key or an
unknown one is 401, a key without the operation's scope is 403. Unset, they stay open, as the
embedded default on loopback needs (service/gunicorn_conf.py warns when bound beyond it).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass

from flask import current_app, request

from service.platform.errors import ApiProblem

SCOPES = ("models", "workshops")
MIN_KEY_LENGTH = 16
DIGEST_PREFIX = "sha256:"
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
REALM = 'Bearer realm="policy-options"'


@dataclass(frozen=True)
class ApiKey:
    digest: bytes
    scopes: frozenset[str]


def key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def parse_api_keys(setting: str) -> tuple[ApiKey, ...]:
    """The keys of an API_KEYS setting; ValueError (naming the entry's position, never the key) when one is unusable."""
    keys = []
    for position, entry in enumerate((e.strip() for e in setting.split(",")), start=1):
        if not entry:
            continue
        secret, scopes = entry, frozenset(SCOPES)
        head, separator, tail = entry.rpartition("@")
        if separator and set(tail.split("+")) <= set(SCOPES):
            secret, scopes = head, frozenset(tail.split("+"))
        if secret.startswith(DIGEST_PREFIX):
            hex_digest = secret[len(DIGEST_PREFIX):].lower()
            if not _HEX_DIGEST.fullmatch(hex_digest):
                raise ValueError(f"API_KEYS entry {position}: '{DIGEST_PREFIX}' must be followed by 64 hex digits.")
            keys.append(ApiKey(bytes.fromhex(hex_digest), scopes))
        elif len(secret) < MIN_KEY_LENGTH:
            raise ValueError(f"API_KEYS entry {position}: a key needs at least {MIN_KEY_LENGTH} characters.")
        else:
            keys.append(ApiKey(key_digest(secret), scopes))
    return tuple(keys)


def init_app(app) -> None:
    """Replace the API_KEYS setting by the digests it names (the keys themselves are not kept)."""
    configured = app.config.get("API_KEYS") or ""
    if isinstance(configured, str):
        app.config["API_KEYS"] = parse_api_keys(configured)


def matching_key(presented: str, keys: tuple[ApiKey, ...]) -> ApiKey | None:
    """The key whose digest is the presented key's; every digest is compared, whichever matches."""
    digest = key_digest(presented)
    found = None
    for key in keys:
        if hmac.compare_digest(key.digest, digest):
            found = key
    return found


def check_write_access(scope: str) -> None:
    """Raise 401 or 403 unless the request may write in `scope` (always may when no keys are set)."""
    keys = current_app.config["API_KEYS"]
    if not keys:
        return
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented:
        raise ApiProblem(401, "This operation needs an API key: send 'Authorization: Bearer <key>' (API_KEYS).",
                         slug="unauthorized", headers={"WWW-Authenticate": REALM})
    key = matching_key(presented, keys)
    if key is None:
        raise ApiProblem(401, "This API key is not one of the service's (API_KEYS).", slug="unauthorized",
                         headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    if scope not in key.scopes:
        raise ApiProblem(403, f"This API key does not grant the '{scope}' scope.", slug="forbidden",
                         headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{scope}"'})


def requires_write_access(scope: str):
    """Decorate a view: its request needs a key with `scope` before its body is even read."""
    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            check_write_access(scope)
            return view(*args, **kwargs)
        return checked
    return decorate
