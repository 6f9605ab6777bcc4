"""The `search_indexes` migration goes up, down and up again, on a database of its own: the
trigram indexes of `q` on PostgreSQL, nothing on SQLite."""

import asyncio
import uuid
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from tests.conftest import _pg_admin

TRIGRAM = {
    "ix_claims_number_trgm",
    "ix_claims_title_trgm",
    "ix_claims_defect_description_trgm",
    "ix_claims_reported_serial_trgm",
    "ix_customers_name_trgm",
}


def _alembic(url: str, action: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    getattr(command, action)(cfg, revision)


async def _trigram_indexes(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                sql = "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'"
            else:
                sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%trgm'"
            return {row[0] for row in await conn.execute(text(sql))}
    finally:
        await engine.dispose()


def test_search_indexes_migration_is_reversible(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql"):
        name = f"claims_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(database_url, f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name, url = "", f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    expected = TRIGRAM if name else set()
    try:
        _alembic(url, "upgrade", "search_indexes")
        assert asyncio.run(_trigram_indexes(url)) == expected
        _alembic(url, "downgrade", "-1")
        assert asyncio.run(_trigram_indexes(url)) == set()
        _alembic(url, "upgrade", "search_indexes")
        assert asyncio.run(_trigram_indexes(url)) == expected
    finally:
        if name:
            asyncio.run(_pg_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
