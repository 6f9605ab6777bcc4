"""email intake: inbound_emails, every delivery stored raw before parsing

Revision ID: email
Revises: workflow
Create Date: 2026-11-23 05:14:26.174170
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "email"
down_revision: str | None = "workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("dedup_key", sa.String(length=500), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=True),
        sa.Column("from_address", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("message_row_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("processed_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_inbound_emails_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["message_row_id"],
            ["messages.id"],
            name=op.f("fk_inbound_emails_message_row_id_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_emails")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_inbound_emails_dedup_key")),
    )
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_emails_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inbound_emails_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_emails_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inbound_emails_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_emails_status"))
        batch_op.drop_index(batch_op.f("ix_inbound_emails_received_at"))
        batch_op.drop_index(batch_op.f("ix_inbound_emails_message_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_emails_claim_id"))

    op.drop_table("inbound_emails")
