"""A new claim and the rows written with it, in as few round trips as the database allows.

On PostgreSQL the claim, its audit event, its outbox row and the idempotency record are one
statement with data-modifying CTEs, so the registration holds the counter row's lock (see
numbering.py) for two round trips: the counter, this statement, then the commit. SQLite has no
data-modifying CTEs, and its writers are serialised by BEGIN IMMEDIATE anyway (app/db.py): one
INSERT per row there. Core inserts either way: the ORM's unit of work cost a third of a
registration's CPU (bench/RESULTS.md).
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.claims import Claim


@dataclass(slots=True)
class Row:
    """A row to insert with the claim; `claim_id` is filled in when `linked`."""

    table: Table
    values: dict[str, Any]
    linked: bool = True


async def insert_claim(session: AsyncSession, claim: dict[str, Any], rows: list[Row]) -> int:
    """Insert the claim (column values without `id`) and `rows`; returns the claim's id."""
    claims: Table = Claim.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind else "postgresql"
    if dialect != "postgresql":
        claim_id: int = (
            await session.execute(insert(claims).returning(claims.c.id), claim)
        ).scalar_one()
        for row in rows:
            values = {**row.values, "claim_id": claim_id} if row.linked else row.values
            await session.execute(insert(row.table), values)
        return claim_id

    shape = (tuple(claim), tuple((row.table, tuple(row.values), row.linked) for row in rows))
    params = {f"claim_{k}": v for k, v in claim.items()}
    for index, row in enumerate(rows):
        params.update((f"row{index}_{k}", v) for k, v in row.values.items())
    return (await session.execute(_one_statement(*shape), params)).scalar_one()


@lru_cache(maxsize=32)
def _one_statement(
    claim_columns: tuple[str, ...], rows: tuple[tuple[Table, tuple[str, ...], bool], ...]
) -> Select[tuple[int]]:
    """The PostgreSQL statement for one shape of rows, built once: building it per request,
    values and all, cost more than the round trips it saves."""
    claims: Table = Claim.__table__  # type: ignore[attr-defined]
    new_claim = (
        insert(claims)
        .values({k: bindparam(f"claim_{k}", type_=claims.c[k].type) for k in claim_columns})
        .returning(claims.c.id)
        .cte("new_claim")
    )
    statement = select(new_claim.c.id)
    for index, (table, columns, linked) in enumerate(rows):
        values = [bindparam(f"row{index}_{k}", type_=table.c[k].type) for k in columns]
        if linked:
            write = insert(table).from_select(
                ["claim_id", *columns], select(new_claim.c.id, *values)
            )
        else:
            write = insert(table).values(dict(zip(columns, values, strict=True)))
        statement = statement.add_cte(write.cte(f"row_{index}"))
    return statement
