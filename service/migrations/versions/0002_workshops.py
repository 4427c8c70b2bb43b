"""Scenario workshops: workshops, participants, rounds, every submission version, an audit trail.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("model_id", sa.String(80), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("scenario", sa.String(80), nullable=True),
        sa.Column("constraints", sa.Text(), nullable=False),
        sa.Column("join_code", sa.String(32), nullable=False, unique=True),
        sa.Column("facilitator_token_sha256", sa.String(64), nullable=False),
        sa.Column("current_round", sa.Integer(), nullable=False),
        sa.Column("results_released", sa.Boolean(), nullable=False),
        sa.Column("participant_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "workshop_participants",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workshop_id", sa.String(32), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("perspective", sa.Text(), nullable=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("submission_count", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_workshop_participants_workshop_id", "workshop_participants", ["workshop_id"])
    op.create_index("ix_workshop_participants_token_sha256", "workshop_participants", ["token_sha256"])
    op.create_table(
        "workshop_rounds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workshop_id", sa.String(32), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("workshop_id", "number", name="uq_workshop_rounds_number"),
    )
    op.create_table(
        "workshop_submissions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workshop_id", sa.String(32), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("participant_id", sa.String(32), sa.ForeignKey("workshop_participants.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("priorities", sa.Text(), nullable=False),
        sa.Column("weights", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("participant_id", "round_number", "version", name="uq_workshop_submissions_version"),
    )
    op.create_index("ix_workshop_submissions_workshop_id", "workshop_submissions", ["workshop_id"])
    # One current version per participant and round, enforced by the database itself.
    op.create_index("uq_workshop_submissions_current", "workshop_submissions", ["participant_id", "round_number"],
                    unique=True, sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current"))
    op.create_table(
        "workshop_audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workshop_id", sa.String(32), sa.ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_workshop_audit_events_workshop_id", "workshop_audit_events", ["workshop_id"])


def downgrade() -> None:
    op.drop_table("workshop_audit_events")
    op.drop_table("workshop_submissions")
    op.drop_table("workshop_rounds")
    op.drop_table("workshop_participants")
    op.drop_table("workshops")
