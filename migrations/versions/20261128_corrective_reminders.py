"""corrective actions: the day the SLA sweep last reminded the owner of a due effectiveness
check (one reminder a day at most, as tasks have `reminded_on`)

Revision ID: corrective_reminders
Revises: supplier_records
Create Date: 2026-11-28 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "corrective_reminders"
down_revision: str | None = "supplier_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("corrective_actions") as batch:
        batch.add_column(sa.Column("effectiveness_reminded_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("corrective_actions") as batch:
        batch.drop_column("effectiveness_reminded_on")
