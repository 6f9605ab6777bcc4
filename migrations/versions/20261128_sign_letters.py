"""letters: who signed the frozen PDF (the signing certificate's subject) and when

Letters issued before this revision were not signed: both columns stay empty.

Revision ID: sign_letters
Revises: infra_csrf
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "sign_letters"
down_revision: str | None = "infra_csrf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns: SQLite adds them without rebuilding the table.
    op.add_column(
        "letters", sa.Column("signer", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
    )
    op.add_column(
        "letters",
        sa.Column("signed_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    # No table references letters, so SQLite's rebuild needs no deferred foreign keys.
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_column("signed_at")
        batch_op.drop_column("signer")
