"""The `cost_models` migration: existing cost rows take their claim's model, the triggers keep
it so, and the downgrade takes column and triggers away (claims stay writable)."""

import asyncio
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin
from tests.integration.test_customers_migration import _alembic, _run
from tests.integration.test_mailh_migrations import BEFORE as CLAIM_ROWS

ROWS = [
    "INSERT INTO product_models (id, code, name, warranty_months, created_at) VALUES "
    "(7, 'PMP-7', 'Pump', 24, '2026-01-01 10:00:00'), "
    "(8, 'PMP-8', 'Pump', 24, '2026-01-01 10:00:00')",
    *CLAIM_ROWS[:2],
    "INSERT INTO claims (id, number, year, seq, channel, state, customer_id, product_model_id, "
    "defect_description, language, received_at, ack_due_date, ack_deadline_date, created_by, "
    "created_at, updated_at, version) VALUES (2, 'CLM-2026-000002', 2026, 2, 'web', 'new', 1, "
    "7, 'Leaks.', 'lv', '2026-01-06 10:00:00', '2026-01-09', '2026-01-13', 'test', "
    "'2026-01-06 10:00:00', '2026-01-06 10:00:00', 1)",
    "INSERT INTO claim_costs (id, claim_id, kind, amount, currency, cost_bearer, incurred_on, "
    "recorded_at, recorded_by) VALUES "
    "(1, 1, 'repair', 120.50, 'EUR', 'manufacturer', '2026-01-20', '2026-01-20 10:00:00', 'x'), "
    "(2, 2, 'repair', 9.50, 'EUR', 'customer', '2026-01-21', '2026-01-21 10:00:00', 'x'), "
    "(3, 2, 'transport', 80, 'EUR', NULL, '2026-01-22', '2026-01-22 10:00:00', 'x')",
]
COPIES = "SELECT id, product_model_id FROM claim_costs ORDER BY id"


def test_cost_rows_take_their_claims_model_and_back(database_url: str, tmp_path: Path) -> None:
    postgres = database_url.startswith("postgresql")
    if postgres:
        name = f"claims_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(database_url, f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name, url = "", f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    rows = [s.replace("char(", "chr(") if postgres else s for s in ROWS]
    try:
        _alembic(url, "upgrade", "search_indexes")
        asyncio.run(_run(url, *rows))
        _alembic(url, "upgrade", "cost_models")
        [copied] = asyncio.run(_run(url, COPIES))
        assert [tuple(r) for r in copied] == [(1, None), (2, 7), (3, 7)]
        [_, _, moved] = asyncio.run(
            _run(
                url,
                "UPDATE claims SET product_model_id = 8 WHERE id = 1",
                "UPDATE claims SET product_model_id = NULL WHERE id = 2",
                COPIES,
            )
        )
        assert [tuple(r) for r in moved] == [(1, 8), (2, None), (3, None)]

        _alembic(url, "downgrade", "search_indexes")
        [_, costs] = asyncio.run(
            _run(
                url,
                "UPDATE claims SET product_model_id = 7 WHERE id = 1",
                "SELECT id, claim_id FROM claim_costs ORDER BY id",
            )
        )
        assert [tuple(r) for r in costs] == [(1, 1), (2, 2), (3, 2)]
        _alembic(url, "upgrade", "head")
        [copied] = asyncio.run(_run(url, COPIES))
        assert [tuple(r) for r in copied] == [(1, 7), (2, None), (3, None)]
    finally:
        if name:
            asyncio.run(_pg_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
