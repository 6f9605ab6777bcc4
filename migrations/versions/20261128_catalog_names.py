"""product_models: names per language ({"lv": ..., "ru": ...}) for letters in each language

Revision ID: catalog_names
Revises: vocab_cost_bearer
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "catalog_names"
down_revision: str | None = "vocab_cost_bearer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: existing models keep their one name, which letters fall back to.
    op.add_column("product_models", sa.Column("names", sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a plain column in place. A batch rebuild would drop `product_models`
    # under the units and claims that point at it, which its foreign keys refuse even deferred.
    op.drop_column("product_models", "names")
