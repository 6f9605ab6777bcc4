"""Engine and session factory. One code path for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings

SessionFactory = async_sessionmaker[AsyncSession]


def create_engine(settings: Settings, *, pooled: bool = True) -> AsyncEngine:
    """`pooled=False` for callers that run each request on a new event loop (a connection
    belongs to the loop that opened it)."""
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            connect_args={"timeout": 30},
            **({} if pooled else {"poolclass": NullPool}),
        )
        _make_sqlite_transactional(engine)
        return engine
    if not pooled:
        return create_async_engine(settings.database_url, poolclass=NullPool)
    return create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        pool_pre_ping=settings.database_pre_ping,
        pool_recycle=settings.database_pool_recycle,
    )


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    """SQLite: WAL, foreign keys, and BEGIN IMMEDIATE.

    pysqlite's deferred transactions upgrade their lock on the first write and fail with
    "database is locked" instead of waiting; taking the write lock at BEGIN makes concurrent
    writers queue on the busy timeout, which is what gap-free numbering needs.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def session_scope(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session
