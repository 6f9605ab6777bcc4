"""messages: filed for review (a sender who is not the customer's contact, a closed claim)

Revision ID: mailh_review
Revises: mailh_tokens
Create Date: 2026-11-28 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "mailh_review"
down_revision: str | None = "mailh_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no table rebuild on SQLite: nothing references a message's columns).
    op.add_column(
        "messages",
        sa.Column("needs_review", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("messages", sa.Column("review_reason", sa.String(length=20), nullable=True))
    op.create_index(
        "ix_messages_review",
        "messages",
        ["claim_id"],
        unique=False,
        postgresql_where=sa.text("needs_review"),
        sqlite_where=sa.text("needs_review"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The batch rebuild drops `messages` while attachments and letters point at it: the
        # foreign keys are checked at commit instead (as in the customers migration).
        op.execute("PRAGMA defer_foreign_keys=ON")
    op.drop_index("ix_messages_review", table_name="messages")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("review_reason")
        batch_op.drop_column("needs_review")
