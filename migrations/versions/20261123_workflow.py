"""workflow: claim progress, referrals, design findings, inspection acts, service jobs,
replacements, disputes

Revision ID: workflow
Revises: 0001_initial
Create Date: 2026-11-23 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "workflow"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = app.models.types.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "claim_progress",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("paid_repair_offered", sa.Boolean(), nullable=False),
        sa.Column("payment_guarantee_received", sa.Boolean(), nullable=False),
        sa.Column("has_recommendations", sa.Boolean(), nullable=False),
        sa.Column("remedy_kind", sa.String(length=20), nullable=True),
        sa.Column("field_visit_scheduled", sa.Boolean(), nullable=False),
        sa.Column("has_inspection_act", sa.Boolean(), nullable=False),
        sa.Column("repair_done", sa.Boolean(), nullable=False),
        sa.Column("unit_returned", sa.Boolean(), nullable=False),
        sa.Column("replacement_recorded", sa.Boolean(), nullable=False),
        sa.Column("replacement_shipped", sa.Boolean(), nullable=False),
        sa.Column("substitute_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("claim_progress", "claim_id", "claims"),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_progress")),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("questions", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("answered_at", UTC, nullable=True),
        _fk("referrals", "claim_id", "claims"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index(op.f("ix_referrals_claim_id"), "referrals", ["claim_id"])
    op.create_index("ix_referrals_status_created", "referrals", ["status", "created_at", "id"])
    op.create_table(
        "design_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.Column("analysis", sa.Text(), nullable=False),
        sa.Column("recommendations", sa.Text(), nullable=True),
        sa.Column("suggested_remedy", sa.String(length=20), nullable=True),
        sa.Column("information_needed", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("design_findings", "claim_id", "claims"),
        _fk("design_findings", "referral_id", "referrals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_design_findings")),
    )
    op.create_index(op.f("ix_design_findings_claim_id"), "design_findings", ["claim_id"])
    op.create_index(op.f("ix_design_findings_referral_id"), "design_findings", ["referral_id"])
    op.create_table(
        "inspection_acts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("act_number", sa.String(length=50), nullable=True),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("our_participants", sa.JSON(), nullable=False),
        sa.Column("customer_participants", sa.JSON(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("culpability", sa.String(length=20), nullable=False),
        sa.Column("cost_bearer", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("inspection_acts", "claim_id", "claims"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_acts")),
    )
    op.create_index(op.f("ix_inspection_acts_claim_id"), "inspection_acts", ["claim_id"])
    op.create_table(
        "service_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("serial_number", sa.String(length=64), nullable=True),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("cost", sa.Numeric(12, 2), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("service_jobs", "claim_id", "claims"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_jobs")),
    )
    op.create_index("ix_service_jobs_claim_kind", "service_jobs", ["claim_id", "kind"])
    op.create_table(
        "replacements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("faulty_unit_id", sa.Integer(), nullable=False),
        sa.Column("faulty_serial", sa.String(length=64), nullable=False),
        sa.Column("replacement_unit_id", sa.Integer(), nullable=False),
        sa.Column("replacement_serial", sa.String(length=64), nullable=False),
        sa.Column("warranty_mode", sa.String(length=10), nullable=False),
        sa.Column("shipped_on", sa.Date(), nullable=True),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _fk("replacements", "claim_id", "claims"),
        _fk("replacements", "faulty_unit_id", "units"),
        _fk("replacements", "replacement_unit_id", "units"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replacements")),
    )
    op.create_index(op.f("ix_replacements_claim_id"), "replacements", ["claim_id"])
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("customer_position", sa.Text(), nullable=False),
        sa.Column("contested_cost_bearer", sa.String(length=20), nullable=True),
        sa.Column("legal_review_requested", sa.Boolean(), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("cost_bearer", sa.String(length=20), nullable=True),
        sa.Column("legal_review", sa.Text(), nullable=True),
        sa.Column("expertise", sa.JSON(), nullable=True),
        sa.Column("settled_by", sa.String(length=100), nullable=True),
        sa.Column("settled_at", UTC, nullable=True),
        _fk("disputes", "claim_id", "claims"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index(op.f("ix_disputes_claim_id"), "disputes", ["claim_id"])


def downgrade() -> None:
    for table in (
        "disputes",
        "replacements",
        "service_jobs",
        "inspection_acts",
        "design_findings",
        "referrals",
        "claim_progress",
    ):
        op.drop_table(table)
