"""one cost-bearer vocabulary: costs take the inspection act's words

Revision ID: vocab_cost_bearer
Revises: letters_registers
Create Date: 2026-11-28 12:00:00

Costs spoke their own words (company, customer, disputed); acts, claims and disputes speak
manufacturer, customer, shared, supplier, carrier. A cost's `company` is the manufacturer.
`disputed` was never a bearer but the absence of an agreed one: it becomes NULL, so the
column turns nullable. The downgrade maps back; shared, supplier and carrier had no word
there and go back as `company`, the nearest the old vocabulary had (lossy by necessity).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "vocab_cost_bearer"
down_revision: str | None = "letters_registers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

costs = sa.table("claim_costs", sa.column("cost_bearer", sa.String(20)))
claims = sa.table("claims", sa.column("cost_bearer", sa.String(20)))


def upgrade() -> None:
    # Nothing references claim_costs, so SQLite's batch rebuild is safe.
    with op.batch_alter_table("claim_costs", schema=None) as batch_op:
        batch_op.alter_column("cost_bearer", existing_type=sa.String(length=20), nullable=True)
    op.execute(
        costs.update().where(costs.c.cost_bearer == "company").values(cost_bearer="manufacturer")
    )
    op.execute(costs.update().where(costs.c.cost_bearer == "disputed").values(cost_bearer=None))
    # The old cost mapping accepted `company` on a claim too; no code wrote it, but a row
    # edited by hand would now be refused by the act's vocabulary.
    op.execute(
        claims.update().where(claims.c.cost_bearer == "company").values(cost_bearer="manufacturer")
    )


def downgrade() -> None:
    op.execute(costs.update().where(costs.c.cost_bearer.is_(None)).values(cost_bearer="disputed"))
    op.execute(
        costs.update()
        .where(costs.c.cost_bearer.in_(["manufacturer", "shared", "supplier", "carrier"]))
        .values(cost_bearer="company")
    )
    with op.batch_alter_table("claim_costs", schema=None) as batch_op:
        batch_op.alter_column("cost_bearer", existing_type=sa.String(length=20), nullable=False)
