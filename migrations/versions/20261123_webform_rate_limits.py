"""web form: per-address rate-limit counters

Revision ID: webform
Revises: email
Create Date: 2026-11-23 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "webform"
down_revision: str | None = "email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_rate_limits",
        sa.Column("client_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("window_start", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client_key", "window_start", name=op.f("pk_web_rate_limits")),
    )
    with op.batch_alter_table("web_rate_limits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_rate_limits_window_start"), ["window_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("web_rate_limits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_rate_limits_window_start"))
    op.drop_table("web_rate_limits")
