"""The `report_rollups` migration goes up, down and up again, on a database of its own: the
rollup tables, the partial index and the triggers on claims, on both databases."""

import asyncio
import uuid
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from tests.conftest import _pg_admin

TABLES = {
    "report_months",
    "report_month_changes",
    "report_month_counts",
    "report_month_compliance",
    "report_month_durations",
    "report_month_ratings",
    "report_month_waiting",
}
TRIGGERS = {
    f"report_months_{table}_{event}"
    for table in ("claims", "claim_ratings")
    for event in ("insert", "delete", "update")
}
FUNCTIONS = {"report_months_log", "report_months_log_claim", "report_months_log_rating"}


def _alembic(url: str, action: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    getattr(command, action)(cfg, revision)


async def _objects(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                sql = (
                    "SELECT tablename FROM pg_tables WHERE tablename LIKE 'report_month%' "
                    "UNION ALL SELECT tgname FROM pg_trigger WHERE tgname LIKE 'report_months%' "
                    "UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'report_months_log%'"
                )
            else:
                sql = (
                    "SELECT name FROM sqlite_master WHERE name LIKE 'report_month%' "
                    "AND type IN ('table', 'trigger')"
                )
            return {row[0] for row in await conn.execute(text(sql))}
    finally:
        await engine.dispose()


def test_report_rollups_migration_is_reversible(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql"):
        name = f"claims_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(database_url, f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name, url = "", f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    expected = TABLES | TRIGGERS
    if name:
        expected |= FUNCTIONS
    try:
        _alembic(url, "upgrade", "report_rollups")
        assert asyncio.run(_objects(url)) == expected
        _alembic(url, "downgrade", "-1")
        assert asyncio.run(_objects(url)) == set()
        _alembic(url, "upgrade", "report_rollups")
        assert asyncio.run(_objects(url)) == expected
    finally:
        if name:
            asyncio.run(_pg_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
