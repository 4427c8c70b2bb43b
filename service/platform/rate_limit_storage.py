"""Where rate-limit counters live (RATELIMIT_STORAGE_URI; README "Rate limiting").

`memory://`: in the process (one worker). limits' MemoryStorage expires counters from a
`threading.Timer` of 10 ms that it starts again on every hit once the last one has run: one new
thread per request on a server that answers in more than 10 ms, measured at about 0.25 ms a
request here. `InlineSweepMemoryStorage` counts the same way and sweeps expired counters inline
instead, at most once a second, so a client that never comes back costs no memory beyond its window.

`database://`: in the app's own database (the `rate_limit_counters` table; for a SQLite file, the
same table in a file of its own beside it), so that every worker and every API process of a
deployment shares one count per client, on SQLite as on PostgreSQL, with nothing more to run.
gunicorn's configuration makes it the default when it starts more than one worker. A hit is one
atomic upsert; its connections do not wait for the disk (a counter lost in a crash costs nothing).

`redis://...`: limits' own Redis store.
"""

from __future__ import annotations

import hashlib
import threading
import time

from limits.storage import MemoryStorage, Storage
from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from service.persistence.tables import RateLimitCounter

SCHEME = "policy-options-memory"
DATABASE_SCHEME = "policy-options-database"


class InlineSweepMemoryStorage(MemoryStorage):
    """Fixed-window counters in memory, swept inline (`memory://` in the configuration)."""

    STORAGE_SCHEME = [SCHEME]  # registered with limits by this class's creation
    SWEEP_INTERVAL_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = 0.0

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_INTERVAL_SECONDS
            self._sweep(now)
        self.get(key)  # forgets the key's count once its window has passed
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = now + expiry
        return self.storage.get(key, 0)

    def _sweep(self, now: float) -> None:
        for key in [key for key, expires_at in self.expirations.items() if expires_at <= now]:
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
            self.locks.pop(key, None)


# One statement that PostgreSQL and SQLite (3.35 and later) both take: a window that has passed
# starts again from this hit. Written as text, it is parsed once; built with the expression
# language on every hit it cost many times the database's own work.
_UPSERT = text(
    "INSERT INTO rate_limit_counters (key, count, expires_at) VALUES (:key, :amount, :expires) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_limit_counters.expires_at <= :now THEN :amount ELSE rate_limit_counters.count + :amount END, "
    "expires_at = CASE WHEN rate_limit_counters.expires_at <= :now THEN :expires ELSE rate_limit_counters.expires_at END "
    "RETURNING count, expires_at")
_READ = text("SELECT count, expires_at FROM rate_limit_counters WHERE key = :key")


class DatabaseStorage(Storage):
    """Fixed-window counters in the app's database (`database://` in the configuration).

    `incr` is one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`: a window that has passed starts
    again from this hit, so concurrent processes never lose a count. Between `remember_writes` and
    `forget_writes` (the span of one request) a thread reads back the counts it has just written
    without a query, for the RateLimit headers; expired rows are deleted inline, at most once a
    minute per process.
    """

    STORAGE_SCHEME = [DATABASE_SCHEME]
    SWEEP_INTERVAL_SECONDS = 60.0
    MAX_KEY_LENGTH = 255

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *, engine: Engine, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        from service.persistence.database import make_engine

        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            # SQLite has one writer at a time: counts beside the data would wait for every submission's
            # commit (and its fsync). A file of their own, next to the database, is shared the same way.
            self.engine = make_engine(f"sqlite:///{url.database}.rate-limits", durable=False)
            RateLimitCounter.__table__.create(self.engine, checkfirst=True)
        else:
            self.engine = make_engine(url.render_as_string(hide_password=False), durable=False)
        self._seen = threading.local()
        self._next_sweep = 0.0
        # The upsert runs on the driver's own connection, compiled once for its dialect: through
        # SQLAlchemy's Connection it cost three times the database's own work (docs/performance.md).
        compiled = _UPSERT.compile(dialect=self.engine.dialect)
        self._upsert_sql, self._upsert_order = compiled.string, compiled.positiontup if compiled.positional else None
        self._driver_error = self.engine.dialect.loaded_dbapi.Error

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def remember_writes(self) -> None:
        self._seen.counts = {}

    def forget_writes(self) -> None:
        self._seen.counts = None

    def _written(self) -> dict | None:
        return getattr(self._seen, "counts", None)

    @classmethod
    def _key(cls, key: str) -> str:
        # Keys name the client (an address) and the limit; a longer one is hashed into the column.
        if len(key) <= cls.MAX_KEY_LENGTH:
            return key
        return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()

    def _execute(self, statement, parameters=None):
        """Run one statement in its own transaction: its rows, or how many rows it changed."""
        with self.engine.begin() as connection:
            result = connection.execute(statement, parameters)
            return result.all() if result.returns_rows else result.rowcount

    def _upsert(self, parameters: dict) -> tuple:
        values = parameters if self._upsert_order is None else [parameters[name] for name in self._upsert_order]
        connection = self.engine.raw_connection()  # from the pool; back to it (rolled back if need be) on close
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self._upsert_sql, values)
                row = cursor.fetchone()
            finally:
                cursor.close()
            connection.commit()
        except self._driver_error as error:
            raise DBAPIError(self._upsert_sql, parameters, error) from error
        finally:
            connection.close()
        return tuple(row)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        count, expires_at = self._upsert({"key": self._key(key), "amount": amount, "now": now,
                                          "expires": now + expiry})
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_INTERVAL_SECONDS
            self._execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now))
        written = self._written()
        if written is not None:
            written[key] = (count, expires_at)
        return count

    def _read(self, key: str) -> tuple[int, float] | None:
        written = (self._written() or {}).get(key)
        if written is not None:
            return written
        rows = self._execute(_READ, {"key": self._key(key)})
        return tuple(rows[0]) if rows else None

    def get(self, key: str) -> int:
        found = self._read(key)
        return found[0] if found is not None and found[1] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        found = self._read(key)
        return found[1] if found is not None and found[1] > time.time() else time.time()

    def check(self) -> bool:
        try:
            self._execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        if self._written() is not None:
            self.remember_writes()
        return self._execute(delete(RateLimitCounter))

    def clear(self, key: str) -> None:
        (self._written() or {}).pop(key, None)
        self._execute(delete(RateLimitCounter).where(RateLimitCounter.key == self._key(key)))


def storage_uri(configured: str) -> str:
    """The `limits` storage URI for the configured RATELIMIT_STORAGE_URI."""
    configured = configured.strip()
    if configured in ("", "memory://"):
        return f"{SCHEME}://"
    if configured == "database://":
        return f"{DATABASE_SCHEME}://"
    return configured
