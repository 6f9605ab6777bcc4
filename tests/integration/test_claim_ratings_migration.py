"""The `claim_ratings` migration goes up, down and up again, on a database of its own, and the
table refuses a second rating of one claim and a rating outside 1 to 5."""

import asyncio
import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import alembic_config
from tests.conftest import _pg_admin

REVISION = "claim_ratings"


def _alembic(url: str, action: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    getattr(command, action)(cfg, revision)


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _insert(url: str, *rows: tuple[int, int]) -> None:
    """Ratings (claim_id, rating) of claim rows made for them, in one transaction."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                await conn.execute(text("PRAGMA foreign_keys = OFF"))
            for claim_id, rating in rows:
                await conn.execute(
                    text(
                        "INSERT INTO claim_ratings (claim_id, rating, channel, received_at, "
                        "recorded_by) VALUES (:c, :r, 'phone', CURRENT_TIMESTAMP, 'tests')"
                    ),
                    {"c": claim_id, "r": rating},
                )
    finally:
        await engine.dispose()


def test_claim_ratings_migration_is_reversible(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql"):
        name = f"claims_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(database_url, f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name, url = "", f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    try:
        _alembic(url, "upgrade", REVISION)
        assert "claim_ratings" in asyncio.run(_tables(url))
        if not name:  # constraints, where no claim row is needed (SQLite: foreign keys off)
            with pytest.raises(IntegrityError):
                asyncio.run(_insert(url, (1, 6)))
            with pytest.raises(IntegrityError):
                asyncio.run(_insert(url, (1, 4), (1, 5)))
        _alembic(url, "downgrade", "-1")
        tables = asyncio.run(_tables(url))
        assert "claim_ratings" not in tables and "claims" in tables
        _alembic(url, "upgrade", REVISION)
        assert "claim_ratings" in asyncio.run(_tables(url))
    finally:
        if name:
            asyncio.run(_pg_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
