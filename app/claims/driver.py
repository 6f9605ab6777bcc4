"""A Core statement run on the session's asyncpg connection itself, for the hot paths.

Through the async session a statement costs about twice the driver's CPU (greenlet switches,
the execution context, result processing: bench/RESULTS.md). Here the same statement, compiled
by SQLAlchemy for the connection's dialect, goes to asyncpg as a prepared statement (asyncpg's
statement cache, by SQL text), with SQLAlchemy's own bind and result processors for its values,
and errors come out as SQLAlchemy's, as they would from the session.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

Processor = Callable[[Any], Any]


@dataclass(slots=True, frozen=True)
class Prepared:
    """A statement compiled for asyncpg: its SQL ($1, $2, … with casts); for each parameter in
    order the name of a bound value (with the position in its list for an expanded IN, and
    SQLAlchemy's processor, None if none) or, for the statement's own literals, the value
    itself; and the result's column names with their processors."""

    sql: str
    order: tuple[tuple[str | None, int | None, Processor | None, Any], ...]
    keys: tuple[str, ...] = ()
    results: tuple[tuple[int, Processor], ...] = ()

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = []
        for name, index, process, value in self.order:
            if name is not None:
                value = params[name] if index is None else params[name][index]
                if process is not None:
                    value = process(value)
            out.append(value)
        return out

    def rows(self, records: Sequence[asyncpg.Record]) -> list[dict[str, Any]]:
        """The records as dicts by column name, the result processors applied."""
        keys = self.keys
        rows = [dict(zip(keys, record, strict=True)) for record in records]
        for index, process in self.results:
            key = keys[index]
            for row in rows:
                row[key] = process(row[key])
        return rows


def prepare(statement: Any, dialect: Dialect, params: Mapping[str, Any]) -> Prepared:
    """`statement` compiled for `dialect`, with its IN lists expanded to the lengths they have
    in `params` (so a Prepared serves the parameter sets of that shape)."""
    compiled = statement.compile(dialect=dialect)
    expanded = compiled.construct_expanded_state(dict(params))
    source = {
        new: (name, index)
        for name, news in expanded.parameter_expansion.items()
        for index, new in enumerate(news)
    }
    # The expanded state names the processors of the expanded parameters only.
    processors = {**compiled._bind_processors, **expanded.processors}
    order: list[tuple[str | None, int | None, Processor | None, Any]] = []
    for name in expanded.positiontup or []:
        process = processors.get(name)
        if name in source:
            order.append((source[name][0], source[name][1], process, None))
        elif name in params:
            order.append((name, None, process, None))
        else:  # a literal of the statement
            value = expanded.parameters[name]
            order.append((None, None, None, process(value) if process else value))
    keys: tuple[str, ...] = ()
    results: list[tuple[int, Processor]] = []
    if isinstance(statement, Select):
        keys = tuple(statement.selected_columns.keys())
        for index, column in enumerate(statement.selected_columns):
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                results.append((index, process))
    return Prepared(expanded.statement, tuple(order), keys, tuple(results))


async def usable(connection: AsyncConnection) -> asyncpg.Connection | None:
    """The asyncpg connection under `connection` when a statement may run on it directly: in
    autocommit (the read sessions, app/db.py) or inside the transaction SQLAlchemy began;
    otherwise (another driver, or before the first statement of a transaction, which
    SQLAlchemy begins lazily) None, and the statement goes through the session."""
    if connection.dialect.driver != "asyncpg":
        return None
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if not isinstance(driver, asyncpg.Connection):
        return None
    if getattr(raw.dbapi_connection, "autocommit", False) or driver.is_in_transaction():
        return driver
    return None


async def fetch(
    connection: AsyncConnection, driver: asyncpg.Connection, prepared: Prepared, args: list[Any]
) -> list[asyncpg.Record]:
    """Run `prepared` on `driver`; the engine's statement listeners see it as they would
    through the session (the tests count statements), and so do its error handlers."""
    sync = connection.sync_connection
    # Listeners keep state on the execution context between "before" and "after" (OpenTelemetry
    # opens a statement's span in one and ends it in the other): they get a context of their own.
    context = _Context()
    if sync is not None and sync.dispatch.before_cursor_execute:
        sync.dispatch.before_cursor_execute(sync, None, prepared.sql, args, context, False)
    try:
        records = await driver.fetch(prepared.sql, *args)
    except BaseException as error:  # as SQLAlchemy's own execution: a cancel too
        await connection.run_sync(_as_sqlalchemy, error, prepared.sql, args)
        raise  # not reached: _as_sqlalchemy raises
    if sync is not None and sync.dispatch.after_cursor_execute:
        sync.dispatch.after_cursor_execute(sync, None, prepared.sql, args, context, False)
    return records


class _Context:
    """Stands in for SQLAlchemy's execution context in the cursor events: attributes only."""


def _as_sqlalchemy(sync: Connection, error: BaseException, sql: str, args: list[Any]) -> None:
    """Raise what the session would have raised for `error`, with the same consequences: the
    driver's error translated into the DBAPI's (IntegrityError for a reused Idempotency-Key),
    the engine's handle_error listeners (app/db.py: DatabaseUnavailable for a network fault),
    and a connection found broken invalidated, so that the pool does not hand it out again."""
    adapter = sync.connection.dbapi_connection
    try:
        if isinstance(error, Exception) and adapter is not None:
            adapter._handle_exception(error)
        raise error
    except BaseException as translated:
        sync._handle_dbapi_exception(translated, sql, args, None, None)
