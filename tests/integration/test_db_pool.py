"""The PostgreSQL pool's checkout policy (bench/RESULTS.md: a pre-ping is three round trips)."""

from app.config import Settings
from app.db import create_engine

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/unused"


async def test_postgres_pool_does_not_ping_on_checkout_by_default() -> None:
    engine = create_engine(Settings(database_url=PG_URL))
    try:
        assert engine.sync_engine.pool._pre_ping is False
        assert engine.sync_engine.pool._recycle == 1800
    finally:
        await engine.dispose()


async def test_pre_ping_and_recycle_are_settings() -> None:
    engine = create_engine(
        Settings(database_url=PG_URL, database_pre_ping=True, database_pool_recycle=60)
    )
    try:
        assert engine.sync_engine.pool._pre_ping is True
        assert engine.sync_engine.pool._recycle == 60
    finally:
        await engine.dispose()
