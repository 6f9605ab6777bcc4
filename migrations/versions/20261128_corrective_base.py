"""corrective actions (8D) and suppliers: the record, its claims, tasks, files and audit
trail; suppliers, their contacts and the claims made against them

Revision ID: corrective_base
Revises: ops_letter_states
Create Date: 2026-11-28 00:23:44.942568
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "corrective_base"
down_revision: str | None = "ops_letter_states"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("short_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "registration_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
        ),
        sa.Column("vat_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("street", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("supplies", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
    )
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suppliers_registration_number"), ["registration_number"], unique=False
        )

    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("product_model_id", sa.Integer(), nullable=True),
        sa.Column("batch", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("source", sa.JSON(), nullable=True),
        sa.Column("team", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.Column("problem_statement", sa.Text(), nullable=True),
        sa.Column("root_cause_whys", sa.JSON(), nullable=False),
        sa.Column("root_cause_category", sa.String(length=20), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column(
            "purchased_component", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column("fix_effective_on", sa.Date(), nullable=True),
        sa.Column("fix_first_serial", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("fix_first_batch", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("effectiveness_due_on", sa.Date(), nullable=True),
        sa.Column("effectiveness", sa.JSON(), nullable=True),
        sa.Column(
            "effectiveness_checked_at", app.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("closure_summary", sa.Text(), nullable=True),
        sa.Column("closed_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_model_id"],
            ["product_models.id"],
            name=op.f("fk_corrective_actions_product_model_id_product_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
        sa.UniqueConstraint("number", name=op.f("uq_corrective_actions_number")),
    )
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_actions_effectiveness_due_on"),
            ["effectiveness_due_on"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_corrective_actions_owner"), ["owner"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_corrective_actions_product_model_id"), ["product_model_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_corrective_actions_state"), ["state"], unique=False)

    op.create_table(
        "supplier_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("given_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("patronymic", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("surname", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("position", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_contacts_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_contacts")),
    )
    with op.batch_alter_table("supplier_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_contacts_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supplier_contacts_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "corrective_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("corrective_action_id", sa.Integer(), nullable=False),
        sa.Column("at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("from_state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["corrective_action_id"],
            ["corrective_actions.id"],
            name=op.f("fk_corrective_events_corrective_action_id_corrective_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_events")),
    )
    with op.batch_alter_table("corrective_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_events_corrective_action_id"),
            ["corrective_action_id"],
            unique=False,
        )

    op.create_table(
        "corrective_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("corrective_action_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("uploaded_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrective_action_id"],
            ["corrective_actions.id"],
            name=op.f("fk_corrective_files_corrective_action_id_corrective_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_files")),
    )
    with op.batch_alter_table("corrective_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_files_corrective_action_id"),
            ["corrective_action_id"],
            unique=False,
        )

    op.create_table(
        "corrective_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("corrective_action_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("evidence_file_ids", sa.JSON(), nullable=False),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrective_action_id"],
            ["corrective_actions.id"],
            name=op.f("fk_corrective_tasks_corrective_action_id_corrective_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_tasks")),
    )
    with op.batch_alter_table("corrective_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_tasks_corrective_action_id"),
            ["corrective_action_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_corrective_tasks_due_date"), ["due_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_corrective_tasks_owner"), ["owner"], unique=False)

    op.create_table(
        "supplier_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("corrective_action_id", sa.Integer(), nullable=True),
        sa.Column("component", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "supplier_reference", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column("defect_description", sa.Text(), nullable=False),
        sa.Column("evidence_attachment_ids", sa.JSON(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_claimed", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("amount_recovered", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("recovered_on", sa.Date(), nullable=True),
        sa.Column("supplier_response", sa.Text(), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("sent_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["supplier_contacts.id"],
            name=op.f("fk_supplier_claims_contact_id_supplier_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["corrective_action_id"],
            ["corrective_actions.id"],
            name=op.f("fk_supplier_claims_corrective_action_id_corrective_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_supplier_claims_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_claims")),
        sa.UniqueConstraint("number", name=op.f("uq_supplier_claims_number")),
    )
    with op.batch_alter_table("supplier_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_claims_corrective_action_id"),
            ["corrective_action_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_supplier_claims_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_supplier_claims_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "corrective_action_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("corrective_action_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("linked_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_corrective_action_claims_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["corrective_action_id"],
            ["corrective_actions.id"],
            name=op.f("fk_corrective_action_claims_corrective_action_id_corrective_actions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_action_claims")),
        sa.UniqueConstraint(
            "corrective_action_id",
            "claim_id",
            name=op.f("uq_corrective_action_claims_corrective_action_id"),
        ),
    )
    with op.batch_alter_table("corrective_action_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_action_claims_claim_id"), ["claim_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_corrective_action_claims_corrective_action_id"),
            ["corrective_action_id"],
            unique=False,
        )

    op.create_table(
        "supplier_claim_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_claim_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_supplier_claim_claims_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_claim_id"],
            ["supplier_claims.id"],
            name=op.f("fk_supplier_claim_claims_supplier_claim_id_supplier_claims"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_claim_claims")),
        sa.UniqueConstraint(
            "supplier_claim_id", "claim_id", name=op.f("uq_supplier_claim_claims_supplier_claim_id")
        ),
    )
    with op.batch_alter_table("supplier_claim_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_claim_claims_claim_id"), ["claim_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supplier_claim_claims_supplier_claim_id"),
            ["supplier_claim_id"],
            unique=False,
        )

    op.create_table(
        "supplier_claim_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_claim_id", sa.Integer(), nullable=False),
        sa.Column("at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("from_state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["supplier_claim_id"],
            ["supplier_claims.id"],
            name=op.f("fk_supplier_claim_events_supplier_claim_id_supplier_claims"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_claim_events")),
    )
    with op.batch_alter_table("supplier_claim_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_claim_events_supplier_claim_id"),
            ["supplier_claim_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("supplier_claim_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_claim_events_supplier_claim_id"))

    op.drop_table("supplier_claim_events")
    with op.batch_alter_table("supplier_claim_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_claim_claims_supplier_claim_id"))
        batch_op.drop_index(batch_op.f("ix_supplier_claim_claims_claim_id"))

    op.drop_table("supplier_claim_claims")
    with op.batch_alter_table("corrective_action_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_action_claims_corrective_action_id"))
        batch_op.drop_index(batch_op.f("ix_corrective_action_claims_claim_id"))

    op.drop_table("corrective_action_claims")
    with op.batch_alter_table("supplier_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_claims_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_supplier_claims_state"))
        batch_op.drop_index(batch_op.f("ix_supplier_claims_corrective_action_id"))

    op.drop_table("supplier_claims")
    with op.batch_alter_table("corrective_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_tasks_owner"))
        batch_op.drop_index(batch_op.f("ix_corrective_tasks_due_date"))
        batch_op.drop_index(batch_op.f("ix_corrective_tasks_corrective_action_id"))

    op.drop_table("corrective_tasks")
    with op.batch_alter_table("corrective_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_files_corrective_action_id"))

    op.drop_table("corrective_files")
    with op.batch_alter_table("corrective_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_events_corrective_action_id"))

    op.drop_table("corrective_events")
    with op.batch_alter_table("supplier_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_contacts_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_supplier_contacts_email"))

    op.drop_table("supplier_contacts")
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_actions_state"))
        batch_op.drop_index(batch_op.f("ix_corrective_actions_product_model_id"))
        batch_op.drop_index(batch_op.f("ix_corrective_actions_owner"))
        batch_op.drop_index(batch_op.f("ix_corrective_actions_effectiveness_due_on"))

    op.drop_table("corrective_actions")
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppliers_registration_number"))

    op.drop_table("suppliers")
