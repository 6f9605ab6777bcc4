"""The `vocab_cost_bearer` migration: stored costs take the inspection act's words
(company → manufacturer; disputed → no bearer agreed yet), and back."""

import asyncio
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin
from tests.integration.test_customers_migration import _alembic, _run
from tests.integration.test_mailh_migrations import BEFORE as CLAIM_ROWS

COSTS = (
    "INSERT INTO claim_costs (id, claim_id, kind, amount, currency, cost_bearer, incurred_on, "
    "recorded_at, recorded_by) VALUES "
    "(1, 1, 'repair', 120.50, 'EUR', 'company', '2026-01-20', '2026-01-20 10:00:00', 'x'), "
    "(2, 1, 'transport', 9.50, 'EUR', 'customer', '2026-01-21', '2026-01-21 10:00:00', 'x'), "
    "(3, 1, 'field_visit', 80, 'EUR', 'disputed', '2026-01-22', '2026-01-22 10:00:00', 'x')"
)
AFTER = "SELECT id, cost_bearer FROM claim_costs ORDER BY id"


def test_costs_take_the_acts_vocabulary_both_ways(database_url: str, tmp_path: Path) -> None:
    postgres = database_url.startswith("postgresql")
    if postgres:
        name = f"claims_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(database_url, f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name, url = "", f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    claim_rows = [s.replace("char(", "chr(") if postgres else s for s in CLAIM_ROWS[:2]]
    try:
        _alembic(url, "upgrade", "mailh_review")
        asyncio.run(_run(url, *claim_rows, COSTS))
        _alembic(url, "upgrade", "vocab_cost_bearer")
        [rows] = asyncio.run(_run(url, AFTER))
        assert [tuple(r) for r in rows] == [(1, "manufacturer"), (2, "customer"), (3, None)]
        asyncio.run(
            _run(
                url,
                "INSERT INTO claim_costs (id, claim_id, kind, amount, currency, cost_bearer, "
                "incurred_on, recorded_at, recorded_by) VALUES (4, 1, 'repair', 5, 'EUR', "
                "'supplier', '2026-01-23', '2026-01-23 10:00:00', 'x')",
            )
        )
        _alembic(url, "downgrade", "mailh_review")
        [rows] = asyncio.run(_run(url, AFTER))
        assert [tuple(r) for r in rows] == [
            (1, "company"),
            (2, "customer"),
            (3, "disputed"),
            (4, "company"),
        ]
        _alembic(url, "upgrade", "head")
    finally:
        if name:
            asyncio.run(_pg_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
