"""web form: CSRF tokens that have registered a claim (single use)

Revision ID: infra_csrf
Revises: customers
Create Date: 2026-11-27 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "infra_csrf"
down_revision: str | None = "customers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_csrf_uses",
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_web_csrf_uses")),
    )
    with op.batch_alter_table("web_csrf_uses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_csrf_uses_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("web_csrf_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_csrf_uses_expires_at"))
    op.drop_table("web_csrf_uses")
