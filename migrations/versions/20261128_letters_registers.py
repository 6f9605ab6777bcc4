"""letters: registers (outgoing, memos, acts) and the acting approver; keys: signer titles

Revision ID: letters_registers
Revises: letters_attachments
Create Date: 2026-11-28 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "letters_registers"
down_revision: str | None = "letters_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs and index changes: no table rebuild on SQLite, where other tables
    # point at `letters` and a VARCHAR's length is not enforced anyway.
    op.add_column("letters", sa.Column("series", sa.String(length=10), nullable=True))
    op.add_column(
        "letters",
        sa.Column("approver_acting", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # Every letter issued so far took its number from the one register there was.
    op.execute("UPDATE letters SET series = 'letter' WHERE seq IS NOT NULL")
    op.drop_index("ix_letters_year_seq", table_name="letters")
    op.create_index(
        "ix_letters_series_year_seq", "letters", ["series", "year", "seq"], unique=True
    )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "letters", "number", type_=sa.String(length=60), existing_type=sa.String(length=20)
        )
    op.add_column("api_keys", sa.Column("titles", sa.JSON(), nullable=True))
    op.add_column("api_keys", sa.Column("acting_for", sa.String(length=10), nullable=True))


def downgrade() -> None:
    op.drop_column("api_keys", "acting_for")
    op.drop_column("api_keys", "titles")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "letters", "number", type_=sa.String(length=20), existing_type=sa.String(length=60)
        )
    op.drop_index("ix_letters_series_year_seq", table_name="letters")
    op.create_index("ix_letters_year_seq", "letters", ["year", "seq"], unique=True)
    op.drop_column("letters", "approver_acting")
    op.drop_column("letters", "series")
