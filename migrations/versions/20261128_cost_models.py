"""claim costs: the claim's product model on each cost row, kept equal by triggers

Revision ID: cost_models
Revises: search_indexes
Create Date: 2026-11-28 05:00:00

The costs report groups a year's cost rows by the claim's model. Joined to the claims for it,
PostgreSQL hashed the year's 89,000 cost rows and probed them with a scan of all 1,000,000
claims (634 ms at load 5; bench/RESULTS.md, "1M claims"). With the model on the cost row the
report reads the year's cost rows only.

The copy must follow the claim, as the report did by joining: the claim's model can change
after its costs are booked (a correction, the warranty check). Triggers keep it so for every
writer, the app's ORM, raw SQL and the bench seeds alike:

- a cost row takes its claim's model when written (on PostgreSQL a BEFORE trigger that reads
  the claim FOR SHARE, so a concurrent change of the claim's model either waits for the new
  cost row to commit, and then updates it, or is seen by it; on SQLite, which has one writer at
  a time, an AFTER trigger that updates the new row);
- a change of a claim's model is copied to its cost rows.

No foreign key on the copy: the claim's own key already guarantees that the model exists, and
one here would make deleting an (unused) model scan every cost row. SQLite drops a table's
triggers when the table is rebuilt: a later migration that rebuilds `claims` or `claim_costs`
with `batch_alter_table` must create them again (tests/api/test_cost_models.py fails if not).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cost_models"
down_revision: str | None = "search_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_COSTS = [
    """
    CREATE FUNCTION claim_costs_take_claim_model() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT product_model_id INTO NEW.product_model_id
        FROM claims WHERE id = NEW.claim_id FOR SHARE;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER trg_claim_costs_model BEFORE INSERT OR UPDATE OF claim_id, product_model_id
    ON claim_costs FOR EACH ROW EXECUTE FUNCTION claim_costs_take_claim_model()
    """,
]
PG_CLAIMS = [
    """
    CREATE FUNCTION claims_model_to_costs() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE claim_costs SET product_model_id = NEW.product_model_id WHERE claim_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER trg_claims_model_to_costs AFTER UPDATE OF product_model_id ON claims
    FOR EACH ROW WHEN (OLD.product_model_id IS DISTINCT FROM NEW.product_model_id)
    EXECUTE FUNCTION claims_model_to_costs()
    """,
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS trg_claims_model_to_costs ON claims",
    "DROP FUNCTION IF EXISTS claims_model_to_costs()",
    "DROP TRIGGER IF EXISTS trg_claim_costs_model ON claim_costs",
    "DROP FUNCTION IF EXISTS claim_costs_take_claim_model()",
]

# SQLite's triggers cannot assign NEW, so the new row is updated after the insert; recursive
# triggers are off by default, so that update does not fire the trigger again.
SQLITE_COSTS = [
    """
    CREATE TRIGGER trg_claim_costs_model AFTER INSERT ON claim_costs
    BEGIN
        UPDATE claim_costs
        SET product_model_id = (SELECT product_model_id FROM claims WHERE id = NEW.claim_id)
        WHERE id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER trg_claim_costs_model_set AFTER UPDATE OF claim_id, product_model_id
    ON claim_costs
    BEGIN
        UPDATE claim_costs
        SET product_model_id = (SELECT product_model_id FROM claims WHERE id = NEW.claim_id)
        WHERE id = NEW.id;
    END
    """,
]
SQLITE_CLAIMS = [
    """
    CREATE TRIGGER trg_claims_model_to_costs AFTER UPDATE OF product_model_id ON claims
    WHEN OLD.product_model_id IS NOT NEW.product_model_id
    BEGIN
        UPDATE claim_costs SET product_model_id = NEW.product_model_id WHERE claim_id = NEW.id;
    END
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS trg_claims_model_to_costs",
    "DROP TRIGGER IF EXISTS trg_claim_costs_model_set",
    "DROP TRIGGER IF EXISTS trg_claim_costs_model",
]

BACKFILL = """
UPDATE claim_costs SET product_model_id = (
    SELECT claims.product_model_id FROM claims WHERE claims.id = claim_costs.claim_id
)
"""

PG_BACKFILL = """
UPDATE claim_costs SET product_model_id = claims.product_model_id
FROM claims
WHERE claims.id = claim_costs.claim_id AND claims.product_model_id IS NOT NULL
"""


def upgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    # Nullable without a default: a catalogue change on PostgreSQL and SQLite, no rewrite.
    op.add_column("claim_costs", sa.Column("product_model_id", sa.Integer(), nullable=True))
    # The claims' trigger before the backfill: creating it locks the claims against writes
    # until this migration commits, so no claim's model changes between the backfill's read and
    # the trigger taking over (at 1M claims the migration took 15-29 s at load 6-7, the backfill
    # most of it; claims stay readable). The cost rows' trigger after it, so that the backfill
    # does not lock every claim FOR SHARE; ADD COLUMN holds claim_costs exclusively until the
    # commit, so no cost row is written in between.
    for statement in PG_CLAIMS if postgres else SQLITE_CLAIMS:
        op.execute(statement)
    # A join on PostgreSQL (one pass over each table); SQLite has no UPDATE ... FROM before
    # 3.33, the correlated form runs everywhere.
    op.execute(PG_BACKFILL if postgres else BACKFILL)
    for statement in PG_COSTS if postgres else SQLITE_COSTS:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    for statement in PG_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
    with op.batch_alter_table("claim_costs", schema=None) as batch_op:
        batch_op.drop_column("product_model_id")
