"""The `customers` migration keeps every claim's customer: its person becomes the first
contact, an organisation's name becomes the customer's name; and it goes down and up again."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from tests.conftest import _pg_admin


def _alembic(url: str, action: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    getattr(command, action)(cfg, revision)


async def _run(url: str, *statements: str) -> list[list[Any]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            results = []
            for sql in statements:
                result = await conn.execute(text(sql))
                results.append(list(result.all()) if result.returns_rows else [])
            return results
    finally:
        await engine.dispose()


BEFORE = [
    "INSERT INTO customers (id, name, organisation, email, phone, language, is_key_customer, "
    "created_at) VALUES "
    "(1, 'Jānis Bērziņš', 'SIA Siltums', 'Janis@Siltums.lv', '+37120000000', 'lv', true, "
    "'2026-01-05 10:00:00'), "
    "(2, 'Иван Петров', NULL, NULL, '+79120000000', 'ru', false, '2026-01-06 10:00:00')",
    "INSERT INTO claims (number, year, seq, channel, state, customer_id, defect_description, "
    "language, received_at, ack_due_date, ack_deadline_date, created_by, created_at, "
    "updated_at, version) VALUES "
    "('CLM-2026-000001', 2026, 1, 'web', 'new', 1, 'Stops.', 'lv', '2026-01-05 10:00:00', "
    "'2026-01-08', '2026-01-12', 'test', '2026-01-05 10:00:00', '2026-01-05 10:00:00', 1), "
    "('CLM-2026-000002', 2026, 2, 'phone', 'new', 2, 'Не работает.', 'ru', "
    "'2026-01-06 10:00:00', '2026-01-09', '2026-01-13', 'test', '2026-01-06 10:00:00', "
    "'2026-01-06 10:00:00', 1)",
]

AFTER = (
    "SELECT c.number, cu.kind, cu.name, cu.name_key, cu.is_key_customer, co.name, co.email, "
    "co.phone FROM claims c JOIN customers cu ON cu.id = c.customer_id "
    "JOIN contacts co ON co.id = c.contact_id ORDER BY c.number"
)


def test_customers_migration_keeps_every_claims_customer(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql"):
        name = f"claims_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(database_url, f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name, url = "", f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    try:
        _alembic(url, "upgrade", "state_index")
        asyncio.run(_run(url, *BEFORE))
        _alembic(url, "upgrade", "customers")
        [rows] = asyncio.run(_run(url, AFTER))
        assert [tuple(row) for row in rows] == [
            (
                "CLM-2026-000001",
                "organisation",
                "SIA Siltums",
                "sia siltums",
                True,
                "Jānis Bērziņš",
                "janis@siltums.lv",
                "+37120000000",
            ),
            (
                "CLM-2026-000002",
                "person",
                "Иван Петров",
                "иван петров",
                False,
                "Иван Петров",
                None,
                "+79120000000",
            ),
        ]
        _alembic(url, "downgrade", "state_index")
        [rows] = asyncio.run(
            _run(url, "SELECT name, organisation, email, phone FROM customers ORDER BY id")
        )
        assert [tuple(row) for row in rows] == [
            ("Jānis Bērziņš", "SIA Siltums", "janis@siltums.lv", "+37120000000"),
            ("Иван Петров", None, None, "+79120000000"),
        ]
        _alembic(url, "upgrade", "head")
    finally:
        if name:
            asyncio.run(_pg_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
