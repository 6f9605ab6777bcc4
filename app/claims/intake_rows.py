"""A new claim, its number and the rows written with it, in as few round trips as possible.

Claim numbers are gap-free (numbering.py): the counter row stays locked from the moment a
number is taken until commit, so every registration waits for the one before it. On
PostgreSQL the number is therefore taken last, in one statement with data-modifying CTEs that
also writes the claim, its audit event, its outbox row and the idempotency record: the lock is
held for that statement and the commit only. Rows that carry the number in a JSON column
(`number_in`) get it there from the statement itself. SQLite has no data-modifying CTEs and
serialises writers with BEGIN IMMEDIATE anyway (app/db.py): one statement per row there.
Core inserts either way: the ORM's unit of work cost a third of a registration's CPU
(bench/RESULTS.md).

On PostgreSQL with asyncpg the statement, compiled once, goes straight to the driver
connection of the session's transaction (app/claims/driver.py): through the async session it
cost ~3× the driver's CPU (greenlet switches, execution context, result processing). It is the
same statement either way, and errors come out as SQLAlchemy's, as they would from the session.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Select,
    String,
    Table,
    bindparam,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims import driver
from app.claims.numbering import counter_upsert, format_number, next_value
from app.models.claims import Claim

PREFIX = "CLM"
# jsonb_set's path: a text[], not a varchar
_NUMBER_PATH: ColumnElement[list[str]] = literal_column("ARRAY['number']")


@dataclass(slots=True)
class Row:
    """A row to insert with the claim: `claim_id` is filled in when `linked`, and the JSON
    column `number_in` gets the claim's number under the key "number"."""

    table: Table
    values: dict[str, Any]
    linked: bool = True
    number_in: str | None = None


@dataclass(slots=True)
class Inserted:
    id: int
    seq: int
    number: str


async def insert_claim(
    session: AsyncSession, claim: dict[str, Any], rows: list[Row], *, year: int
) -> Inserted:
    """Number and insert the claim (column values without id, seq and number) and `rows`."""
    dialect = session.bind.dialect.name if session.bind else "postgresql"
    if dialect != "postgresql":
        return await _one_by_one(session, claim, rows, year=year)
    shape, params = statement_params(claim, rows, year=year)
    connection = await session.connection()
    # Only inside the transaction SQLAlchemy began (it begins at the first statement, and
    # registration always reads first); otherwise through the session.
    raw = await driver.usable(connection)
    if raw is not None:
        prepared = _prepared(shape, connection.dialect, params)
        [row] = await driver.fetch(connection, raw, prepared, prepared.args(params))
        return Inserted(row[0], row[1], row[2])
    claim_id, seq, number = (await session.execute(_one_statement(*shape), params)).one()
    return Inserted(claim_id, seq, number)


def statement_params(
    claim: dict[str, Any], rows: list[Row], *, year: int
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The shape of the PostgreSQL statement (_one_statement's arguments) and its values."""
    shape = (
        tuple(claim),
        tuple((row.table, tuple(row.values), row.linked, row.number_in) for row in rows),
    )
    params = {f"claim_{k}": v for k, v in claim.items()}
    params.update(counter_name="claim", counter_year=year)
    for index, row in enumerate(rows):
        params.update((f"row{index}_{k}", v) for k, v in row.values.items())
    return shape, params


_PREPARED: dict[tuple[Any, ...], driver.Prepared] = {}


def _prepared(shape: tuple[Any, ...], dialect: Dialect, params: dict[str, Any]) -> driver.Prepared:
    prepared = _PREPARED.get(shape)
    if prepared is None:
        prepared = _PREPARED[shape] = driver.prepare(_one_statement(*shape), dialect, params)
    return prepared


async def _one_by_one(
    session: AsyncSession, claim: dict[str, Any], rows: list[Row], *, year: int
) -> Inserted:
    claims: Table = Claim.__table__  # type: ignore[attr-defined]
    seq = await next_value(session, name="claim", year=year)
    number = format_number(PREFIX, year, seq)
    values = {**claim, "seq": seq, "number": number}
    claim_id: int = (
        await session.execute(insert(claims).returning(claims.c.id), values)
    ).scalar_one()
    for row in rows:
        values = dict(row.values)
        if row.linked:
            values["claim_id"] = claim_id
        if row.number_in:
            values[row.number_in] = {**values[row.number_in], "number": number}
        await session.execute(insert(row.table), values)
    return Inserted(claim_id, seq, number)


def number_sql(prefix: str, year: Any, value: Any) -> ColumnElement[str]:
    """format_number() in PostgreSQL's SQL: six digits at least, never cut."""
    digits = cast(value, String)
    padded = func.lpad(digits, func.greatest(6, func.length(digits)), "0")
    return literal(f"{prefix}-") + cast(year, String) + literal("-") + padded


@lru_cache(maxsize=32)
def _one_statement(
    claim_columns: tuple[str, ...],
    rows: tuple[tuple[Table, tuple[str, ...], bool, str | None], ...],
) -> Select[tuple[int, int, str]]:
    """The PostgreSQL statement for one shape of rows, built once: building it per request,
    values and all, cost more than the round trips it saves."""
    claims: Table = Claim.__table__  # type: ignore[attr-defined]
    counter = counter_upsert("postgresql").cte("counter")
    year: ColumnElement[int] = bindparam("counter_year")
    new_claim = (
        insert(claims)
        .from_select(
            [*claim_columns, "seq", "number"],
            select(
                *(bindparam(f"claim_{k}", type_=claims.c[k].type) for k in claim_columns),
                counter.c.value,
                number_sql(PREFIX, year, counter.c.value),
            ),
        )
        .returning(claims.c.id, claims.c.seq, claims.c.number)
        .cte("new_claim")
    )
    statement = select(new_claim.c.id, new_claim.c.seq, new_claim.c.number)
    for index, (table, columns, linked, number_in) in enumerate(rows):
        values: list[ColumnElement[Any]] = []
        for k in columns:
            value: ColumnElement[Any] = bindparam(f"row{index}_{k}", type_=table.c[k].type)
            if k == number_in:
                value = cast(
                    func.jsonb_set(
                        cast(value, JSONB), _NUMBER_PATH, func.to_jsonb(new_claim.c.number)
                    ),
                    JSON,
                )
            values.append(value)
        if linked:
            columns, values = ("claim_id", *columns), [new_claim.c.id, *values]
        write = insert(table).from_select(list(columns), select(*values).select_from(new_claim))
        statement = statement.add_cte(write.cte(f"row_{index}"))
    return statement
