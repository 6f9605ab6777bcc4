"""reports: claim_costs, and pg_trgm for grouping alike defect descriptions

Revision ID: reports
Revises: webform (re-chained after the revisions main brought: workflow, email, webform)
Create Date: 2026-11-23 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "reports"
down_revision: str | None = "webform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it. Where it
# cannot be created the migration goes on and the report falls back to token overlap.
CREATE_PG_TRGM = """
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm not available (%): alike descriptions use token overlap', SQLERRM;
END
$$;
"""


def upgrade() -> None:
    op.create_table(
        "claim_costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cost_bearer", sa.String(length=20), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("recorded_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_costs_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_costs")),
    )
    op.create_index(op.f("ix_claim_costs_claim_id"), "claim_costs", ["claim_id"])
    op.create_index("ix_claim_costs_incurred_on", "claim_costs", ["incurred_on"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE_PG_TRGM)


def downgrade() -> None:
    # pg_trgm stays: it may have been there before, and other objects may use it.
    op.drop_index("ix_claim_costs_incurred_on", table_name="claim_costs")
    op.drop_index(op.f("ix_claim_costs_claim_id"), table_name="claim_costs")
    op.drop_table("claim_costs")
