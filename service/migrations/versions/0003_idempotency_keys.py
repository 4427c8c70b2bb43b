"""Idempotency keys of creations (POST /api/v1/workshops, POST .../rounds), and a lookup of facilitator tokens.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("key_sha256", sa.String(64), primary_key=True),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    # A token that belongs to no workshop is told apart from one without the right (401 vs 403).
    op.create_index("ix_workshops_facilitator_token_sha256", "workshops", ["facilitator_token_sha256"])


def downgrade() -> None:
    op.drop_index("ix_workshops_facilitator_token_sha256", "workshops")
    op.drop_table("idempotency_keys")
