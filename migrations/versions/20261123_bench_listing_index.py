"""claims: index for the status-filtered listing (state, received_at, id)

Revision ID: bench
Revises: events
Create Date: 2026-11-23 06:45:00

`GET /api/v1/claims?status=…` orders by received_at, id. With only ix_claims_state and
ix_claims_received_at_id, PostgreSQL walks the second backwards and filters, so a page of an
older state costs a scan past every newer claim: 9.8 ms behind 50,000 newer claims against
0.2 ms with this index (bench/RESULTS.md).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "bench"
down_revision: str | None = "events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_claims_state_received_at_id", "claims", ["state", "received_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_claims_state_received_at_id", table_name="claims")
