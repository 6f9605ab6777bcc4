"""letters: enclosures (claim attachments and issued documents sent with the letter)

Revision ID: letters_attachments
Revises: mailh_review
Create Date: 2026-11-28 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "letters_attachments"
down_revision: str | None = "mailh_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: nullable, no default, nothing to rebuild.
    op.add_column("letters", sa.Column("enclosures", sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The batch rebuild drops `letters`: the foreign keys are checked at commit instead.
        op.execute("PRAGMA defer_foreign_keys=ON")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_column("enclosures")
