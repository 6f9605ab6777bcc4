"""claims: trigram indexes for the listing's free-text `q` (PostgreSQL)

Revision ID: search_indexes
Revises: letter_subjects
Create Date: 2026-11-28 00:45:00

`GET /api/v1/claims?q=…` matches `%q%` case-insensitively in the claim's number, title,
description, serial number and the customer's name. Without an index PostgreSQL scanned every
claim (917 ms at 1,000,000 claims for a `q` matching nothing); with a GIN trigram index per
column the listing's OR of ILIKEs is a BitmapOr of index scans (bench/RESULTS.md, "1M
claims"). Trigram indexes need 3+ characters of the pattern to narrow anything; shorter ones
still run, as a scan. SQLite (no pg_trgm) keeps its scan; this migration does nothing there.

pg_trgm is created by the `reports` migration where the database allows it; where it could not
be, these indexes are skipped too, and `q` scans as before.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "search_indexes"
down_revision: str | None = "letter_subjects"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_claims_number_trgm": ("claims", "number"),
    "ix_claims_title_trgm": ("claims", "title"),
    "ix_claims_defect_description_trgm": ("claims", "defect_description"),
    "ix_claims_reported_serial_trgm": ("claims", "reported_serial"),
    "ix_customers_name_trgm": ("customers", "name"),
}

CREATE = """
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm not available (%): q is matched by a scan', SQLERRM;
END
$$;
"""


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(CREATE)
    found = op.get_bind().exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    if found.first() is None:
        return
    # Plain CREATE INDEX: CONCURRENTLY cannot run inside the migration's transaction. At a
    # million claims the five take about a minute, during which claims cannot be written.
    for name, (table, column) in INDEXES.items():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
