"""Model titles by language (DESIGN.md §8.2): decision_models.title holds the title as JSON, a
string or a map of languages, as the model gives it, so the model list serves it unchanged.

Revision ID: 0005
Revises: 0004
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MODELS = sa.table("decision_models", sa.column("id", sa.String), sa.column("title", sa.Text),
                  sa.column("document", sa.Text))


def _retitle(title_of) -> None:
    """Set every row's title to `title_of(its document's title)`; the document is authoritative."""
    connection = op.get_bind()
    for model_id, document in connection.execute(sa.select(MODELS.c.id, MODELS.c.document)).all():
        title = json.loads(document)["title"]
        connection.execute(MODELS.update().where(MODELS.c.id == model_id).values(title=title_of(title)))


def upgrade() -> None:
    _retitle(lambda title: json.dumps(title, ensure_ascii=False, separators=(",", ":")))


def downgrade() -> None:
    _retitle(lambda title: title if isinstance(title, str) else title["en"])
