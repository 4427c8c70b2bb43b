"""SQLAlchemy 2 typed tables. Schema changes go through the migrations in `service/migrations`."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, Double, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored moment is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def stored_json(value) -> str:
    """JSON as stored: compact UTF-8 text (an emoji is four bytes, not the twelve of `\\ud83d\\udca3`)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Base(DeclarativeBase):
    pass


class StoredModel(Base):
    """A decision model added through the API (built-in models live in `models/data/`)."""

    __tablename__ = "decision_models"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)  # as JSON: a string, or the title by language (DESIGN.md §8.2)
    source: Mapped[str] = mapped_column(Text)  # the source record as JSON: the model list reads no document
    document: Mapped[str] = mapped_column(Text)  # the validated model document as JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


# -- Scenario workshops (DESIGN.md §5.2, §8.3) ------------------------------------------------------------
# Tokens are never stored: only their SHA-256 hex digests (64 characters).


class Workshop(Base):
    """A facilitated meeting on one model, scenario and set of request constraints."""

    __tablename__ = "workshops"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    model_id: Mapped[str] = mapped_column(String(80))
    model_version: Mapped[str] = mapped_column(String(100))
    scenario: Mapped[str | None] = mapped_column(String(80), nullable=True)
    constraints: Mapped[str] = mapped_column(Text)  # request constraints (DESIGN.md §3) as JSON
    join_code: Mapped[str] = mapped_column(String(32), unique=True)
    facilitator_token_sha256: Mapped[str] = mapped_column(String(64), index=True)
    current_round: Mapped[int] = mapped_column(Integer, default=1)
    # Settings (DESIGN.md §8.3): names never leave the server when anonymous; participants read
    # each other's names and weights only when the facilitator opens the results.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    open_results: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Kept in the row so the participant limit is enforced by one atomic UPDATE.
    participant_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Participant(Base):
    __tablename__ = "workshop_participants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    perspective: Mapped[str | None] = mapped_column(Text, nullable=True)
    token_sha256: Mapped[str] = mapped_column(String(64), index=True)
    # Bumped first in every submission transaction: the row lock serializes one participant's writes.
    submission_count: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class WorkshopRound(Base):
    __tablename__ = "workshop_rounds"
    __table_args__ = (UniqueConstraint("workshop_id", "number", name="uq_workshop_rounds_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Release applies to a round and can be withdrawn (DESIGN.md §8.3): null while unreleased.
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)


class Submission(Base):
    """One version of a participant's priorities in a round; every version is kept.

    Exactly one version per participant and round is current (a partial unique index).
    """

    __tablename__ = "workshop_submissions"
    __table_args__ = (
        UniqueConstraint("participant_id", "round_number", "version", name="uq_workshop_submissions_version"),
        Index("uq_workshop_submissions_current", "participant_id", "round_number", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("workshop_participants.id", ondelete="CASCADE"))
    round_number: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean)
    priorities: Mapped[str] = mapped_column(Text)  # the submission as given (weights or priority_order, overrides, comment), JSON
    weights: Mapped[str] = mapped_column(Text)  # the normalized weights, JSON
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class AuditEvent(Base):
    """Who did what when in a workshop (never a token)."""

    __tablename__ = "workshop_audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(64))  # "facilitator", "participant:<id>" or "join-code"
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class IdempotencyRecord(Base):
    """The response to a creation sent with an Idempotency-Key, replayed when the same request comes again.

    The key itself is never stored, only its SHA-256 digest; the response (which may carry a
    token) is encrypted with a key derived from it, so only whoever holds the key can replay it.
    """

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)  # e.g. "workshops" or "workshops/<id>/rounds"
    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)  # {"body": ..., "headers": {...}} as JSON, AES-GCM encrypted, base64
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)


class RateLimitCounter(Base):
    """A fixed-window request count shared by every process of a deployment (service/platform/rate_limit_storage.py;
    a SQLite file database keeps this table in a file of its own beside it)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Double, index=True)  # seconds since the epoch
