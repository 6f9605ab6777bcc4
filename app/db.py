"""Engine and session factory. One code path for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

import base64
import binascii
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, event, select
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import DatabaseUnavailable, InvalidInput

SessionFactory = async_sessionmaker[AsyncSession]


def create_engine(
    settings: Settings, *, pooled: bool = True, statement_timeouts: bool = True
) -> AsyncEngine:
    """`pooled=False` for callers that run each request on a new event loop (a connection
    belongs to the loop that opened it). `statement_timeouts=False` for migrations, which may
    rightly run and wait longer than any request."""
    pool: dict[str, Any] = {"poolclass": NullPool}
    if pooled:
        # An in-memory SQLite database lives in its one connection (a StaticPool): no waiting.
        in_memory = ":memory:" in settings.database_url or "mode=memory" in settings.database_url
        pool = {} if in_memory else {"pool_timeout": settings.database_pool_timeout}
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            connect_args={"timeout": settings.database_lock_timeout},
            **pool,
        )
        _make_sqlite_transactional(engine, busy_ms=int(settings.database_lock_timeout * 1000))
    else:
        connect_args: dict[str, Any] = {"timeout": settings.database_connect_timeout}
        if statement_timeouts:
            connect_args["server_settings"] = {
                "statement_timeout": str(int(settings.database_statement_timeout * 1000)),
                "lock_timeout": str(int(settings.database_lock_timeout * 1000)),
            }
            # The server cancels a slow statement first; the client's own limit, a little
            # later, is for a server that no longer answers at all (stopped, or cut off).
            connect_args["command_timeout"] = settings.database_statement_timeout + COMMAND_GRACE
        if pooled:
            pool |= {
                "pool_size": settings.database_pool_size,
                "max_overflow": settings.database_pool_size,
                "pool_pre_ping": settings.database_pre_ping,
                "pool_recycle": settings.database_pool_recycle,
            }
        engine = create_async_engine(settings.database_url, connect_args=connect_args, **pool)
    _report_unavailability(engine)
    return engine


# Seconds the client waits beyond PostgreSQL's statement_timeout before it gives up itself.
COMMAND_GRACE = 2.0


def _report_unavailability(engine: AsyncEngine) -> None:
    """Turns the driver's own network failures into `DatabaseUnavailable` (503).

    The driver's database errors reach the caller as SQLAlchemy's (errors.py sorts them), but
    a refused or timed-out connect and asyncpg's client-side timeout come out as bare OSError
    and TimeoutError, which could be anything. Caught here, where they can only be the
    database's.
    """

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except dialect.loaded_dbapi.Error:
            raise  # SQLAlchemy wraps it (OperationalError and the like)
        except Exception as exc:  # refused, unreachable, no answer in time, too many clients
            raise DatabaseUnavailable(f"cannot connect: {type(exc).__name__}") from exc

    @event.listens_for(engine.sync_engine, "handle_error")
    def _failed(context: ExceptionContext) -> BaseException | None:
        original = context.original_exception
        if context.sqlalchemy_exception is None and isinstance(original, OSError | TimeoutError):
            # The connection is in an unknown state: it is closed rather than reused. At once:
            # SQLAlchemy would first try a polite close, waiting 2 s more for a server that
            # has stopped answering.
            context.is_disconnect = True
            fairy = context.connection.connection if context.connection is not None else None
            terminate = getattr(getattr(fairy, "driver_connection", None), "terminate", None)
            if callable(terminate):
                terminate()
            return DatabaseUnavailable(f"no answer: {type(original).__name__}")
        return None


def _make_sqlite_transactional(engine: AsyncEngine, *, busy_ms: int) -> None:
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
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def create_read_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions for requests that only read. On PostgreSQL their connections run in autocommit:
    no BEGIN and no ROLLBACK, two round trips of the listing's few (bench/RESULTS.md). What the
    statements see is unchanged: under READ COMMITTED each statement takes its own snapshot
    inside a transaction too. The pool is shared; SQLAlchemy sets the isolation level when a
    session takes a connection and resets it when the connection goes back to the pool, so a
    writer never gets one in autocommit (tested). Nothing that writes may use these sessions:
    each statement would commit on its own. SQLite keeps the plain sessions."""
    if engine.dialect.name != "postgresql":
        return create_session_factory(engine)
    return create_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


async def session_scope(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    async with factory() as session:
        yield session


async def version_of(session: AsyncSession, version: Any, where: Any) -> int | None:
    """A row's version column alone (None: no such row), for an If-Match checked before the
    body is read. Not the row: the locked read that follows must not be served an identity-map
    copy loaded here."""
    return (await session.execute(select(version).where(where))).scalar_one_or_none()


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own %, _ and \\ taken literally; use it with
    `escape="\\\\"`."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def encode_cursor(*key: Any) -> str:
    """A keyset page's cursor: the sort key of its last row (JSON in URL-safe base64), which the
    next page's row-value condition `(key...) < (cursor...)` continues after."""
    raw = json.dumps(list(key)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


T = TypeVar("T")


def decode_cursor(cursor: str, check: Callable[[list[Any]], T]) -> T:
    """The sort key `encode_cursor` wrote, through the listing's `check` (which raises ValueError
    or TypeError for a key the listing never issues); anything else is a 422 on query.cursor,
    never a value the database would refuse."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(key, list):
            raise ValueError("not a sort key")
        return check(key)
    except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[{"field": "query.cursor", "message": "invalid cursor", "type": "value_error"}],
        ) from exc
