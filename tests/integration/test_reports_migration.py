"""The `reports` migration goes up, down and up again, on a database of its own."""

import asyncio
import uuid
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from tests.conftest import _pg_admin


def _alembic(url: str, action: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    getattr(command, action)(cfg, revision)


async def _tables_and_trgm(url: str) -> tuple[set[str], bool]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            trgm = False
            if conn.dialect.name == "postgresql":
                found = await conn.execute(
                    text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
                )
                trgm = found.first() is not None
            return tables, trgm
    finally:
        await engine.dispose()


def test_reports_migration_is_reversible(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql"):
        name = f"claims_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(database_url, f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name, url = "", f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    try:
        _alembic(url, "upgrade", "reports")
        tables, trgm = asyncio.run(_tables_and_trgm(url))
        assert "claim_costs" in tables
        assert trgm == url.startswith("postgresql")
        _alembic(url, "downgrade", "-1")
        tables, _ = asyncio.run(_tables_and_trgm(url))
        assert "claim_costs" not in tables and "claims" in tables
        _alembic(url, "upgrade", "reports")
        assert "claim_costs" in asyncio.run(_tables_and_trgm(url))[0]
    finally:
        if name:
            asyncio.run(_pg_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
