"""suppliers' audit trail and search key; what a supplier claim records as it moves on

Revision ID: supplier_records
Revises: claim_ratings
Create Date: 2026-11-28 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "supplier_records"
down_revision: str | None = "claim_ratings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supplier_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_supplier_events_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_events")),
    )
    with op.batch_alter_table("supplier_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_events_supplier_id"), ["supplier_id"], unique=False
        )
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_suppliers_name_key"), ["name_key"], unique=False)
    with op.batch_alter_table("supplier_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_channel", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column(
                "supplier_claim_reference",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("acknowledged_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("amount_accepted", sa.Numeric(14, 2), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_supplier_claims_recovered_on"), ["recovered_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("supplier_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_claims_recovered_on"))
        batch_op.drop_column("amount_accepted")
        batch_op.drop_column("acknowledged_on")
        batch_op.drop_column("supplier_claim_reference")
        batch_op.drop_column("sent_channel")
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppliers_name_key"))
        batch_op.drop_column("name_key")
    with op.batch_alter_table("supplier_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_events_supplier_id"))
    op.drop_table("supplier_events")
