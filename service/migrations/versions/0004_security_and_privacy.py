"""Model summaries and compact JSON; workshop settings and release per round; shared rate-limit counts.

- decision_models.source: the model list reads summaries, never documents; documents are
  re-encoded as compact UTF-8 JSON.
- workshops.anonymous, open_results, language; workshop_rounds.released_at and instructions.
  Release moves from the workshop to its rounds: a workshop released before this migration
  has every round it had released (what its participants could read), and the column goes.
- rate_limit_counters: fixed-window counts shared by every process (RATELIMIT_STORAGE_URI=database://).

Revision ID: 0004
Revises: 0003
"""
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def upgrade() -> None:
    connection = op.get_bind()
    op.add_column("decision_models", sa.Column("source", sa.Text(), nullable=True))
    models = sa.table("decision_models", sa.column("id", sa.String), sa.column("source", sa.Text),
                      sa.column("document", sa.Text))
    for model_id, document in connection.execute(sa.select(models.c.id, models.c.document)).all():
        parsed = json.loads(document)
        connection.execute(models.update().where(models.c.id == model_id)
                           .values(source=_compact(parsed["source"]), document=_compact(parsed)))
    with op.batch_alter_table("decision_models") as batch:
        batch.alter_column("source", existing_type=sa.Text(), nullable=False)

    op.add_column("workshops", sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("workshops", sa.Column("open_results", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("workshops", sa.Column("language", sa.String(8), nullable=False, server_default="en"))
    op.add_column("workshop_rounds", sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("workshop_rounds", sa.Column("instructions", sa.Text(), nullable=True))
    workshops = sa.table("workshops", sa.column("id", sa.String), sa.column("results_released", sa.Boolean))
    rounds = sa.table("workshop_rounds", sa.column("workshop_id", sa.String),
                      sa.column("released_at", sa.DateTime(timezone=True)))
    released = sa.select(workshops.c.id).where(workshops.c.results_released)
    connection.execute(rounds.update().where(rounds.c.workshop_id.in_(released))
                       .values(released_at=datetime.now(timezone.utc)))
    op.drop_column("workshops", "results_released")

    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
    )
    op.create_index("ix_rate_limit_counters_expires_at", "rate_limit_counters", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_counters_expires_at", "rate_limit_counters")
    op.drop_table("rate_limit_counters")
    op.add_column("workshops", sa.Column("results_released", sa.Boolean(), nullable=False, server_default=sa.false()))
    rounds = sa.table("workshop_rounds", sa.column("workshop_id", sa.String),
                      sa.column("released_at", sa.DateTime(timezone=True)))
    workshops = sa.table("workshops", sa.column("id", sa.String), sa.column("results_released", sa.Boolean))
    released = sa.select(rounds.c.workshop_id).where(rounds.c.released_at.is_not(None))
    op.get_bind().execute(workshops.update().where(workshops.c.id.in_(released)).values(results_released=True))
    op.drop_column("workshop_rounds", "instructions")
    op.drop_column("workshop_rounds", "released_at")
    op.drop_column("workshops", "language")
    op.drop_column("workshops", "open_results")
    op.drop_column("workshops", "anonymous")
    op.drop_column("decision_models", "source")
