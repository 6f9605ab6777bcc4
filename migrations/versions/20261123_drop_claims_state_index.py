"""claims: drop ix_claims_state, a prefix of ix_claims_state_received_at_id

Revision ID: state_index
Revises: bench
Create Date: 2026-11-23 08:00:00

Every lookup by state can use the (state, received_at, id) index; the single-column one only
cost every claim insert and state change an index update.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "state_index"
down_revision: str | None = "bench"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_claims_state", table_name="claims")


def downgrade() -> None:
    op.create_index("ix_claims_state", "claims", ["state"], unique=False)
