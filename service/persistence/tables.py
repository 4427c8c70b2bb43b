"""SQLAlchemy 2 typed tables. Schema changes go through the migrations in `service/migrations`."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class StoredModel(Base):
    """A decision model added through the API (built-in models live in `models/data/`)."""

    __tablename__ = "decision_models"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)  # the validated model document as JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
