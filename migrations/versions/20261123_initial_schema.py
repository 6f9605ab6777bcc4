"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23 05:05:27.942618
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types


revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "counters",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", "year", name="pk_counters"),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("is_key_customer", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_phone"), ["phone"], unique=False)

    op.create_table(
        "product_models",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("warranty_months", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_models")),
        sa.UniqueConstraint("code", name=op.f("uq_product_models_code")),
    )
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_idempotency_records_api_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("api_key_id", "key", name="uq_idempotency_key"),
    )
    op.create_table(
        "units",
        sa.Column("serial_number", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sale_date", sa.Date(), nullable=True),
        sa.Column("commissioning_date", sa.Date(), nullable=True),
        sa.Column("owner_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("warranty_extension_months", sa.Integer(), nullable=False),
        sa.Column(
            "warranty_void_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_model_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_model_id"],
            ["product_models.id"],
            name=op.f("fk_units_product_model_id_product_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("serial_number", name="uq_units_serial_number"),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_units_product_model_id"), ["product_model_id"], unique=False
        )

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("product_model_id", sa.Integer(), nullable=True),
        sa.Column("reported_model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("reported_serial", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("defect_description", sa.Text(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("received_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ack_due_date", sa.Date(), nullable=False),
        sa.Column("ack_deadline_date", sa.Date(), nullable=False),
        sa.Column("acknowledged_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("warranty_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("warranty_end_date", sa.Date(), nullable=True),
        sa.Column("warranty_reasons", sa.JSON(), nullable=True),
        sa.Column("defect_cause", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("cost_bearer", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("closed_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("call_details", sa.JSON(), nullable=True),
        sa.Column("internal_source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "external_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
        ),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_claims_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["product_model_id"],
            ["product_models.id"],
            name=op.f("fk_claims_product_model_id_product_models"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_claims_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("number", name=op.f("uq_claims_number")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_channel"), ["channel"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_defect_cause"), ["defect_cause"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_claims_product_model_id"), ["product_model_id"], unique=False
        )
        batch_op.create_index("ix_claims_received_at_id", ["received_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_claims_reported_serial"), ["reported_serial"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_claims_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index("ix_claims_year_seq", ["year", "seq"], unique=True)

    op.create_table(
        "claim_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("from_state", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("to_state", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_events_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_events")),
    )
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_events_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "external_message_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
        ),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_messages_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_messages_external_message_id"), ["external_message_id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_outbox_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_type"), ["type"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("uploaded_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_attachments_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_attachments_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_claim_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_type"))
        batch_op.drop_index(batch_op.f("ix_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_claim_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_external_message_id"))
        batch_op.drop_index(batch_op.f("ix_messages_claim_id"))

    op.drop_table("messages")
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_events_claim_id"))

    op.drop_table("claim_events")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_year_seq")
        batch_op.drop_index(batch_op.f("ix_claims_unit_id"))
        batch_op.drop_index(batch_op.f("ix_claims_state"))
        batch_op.drop_index(batch_op.f("ix_claims_reported_serial"))
        batch_op.drop_index("ix_claims_received_at_id")
        batch_op.drop_index(batch_op.f("ix_claims_product_model_id"))
        batch_op.drop_index(batch_op.f("ix_claims_defect_cause"))
        batch_op.drop_index(batch_op.f("ix_claims_customer_id"))
        batch_op.drop_index(batch_op.f("ix_claims_channel"))

    op.drop_table("claims")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_product_model_id"))

    op.drop_table("units")
    op.drop_table("idempotency_records")
    op.drop_table("product_models")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_phone"))
        batch_op.drop_index(batch_op.f("ix_customers_email"))

    op.drop_table("customers")
    op.drop_table("counters")
    op.drop_table("api_keys")
