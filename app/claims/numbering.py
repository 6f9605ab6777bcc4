"""Gap-free yearly sequences (CLM-2026-000123, L-2026-000045).

One upsert that increments and returns the counter inside the caller's transaction: the row
lock serialises concurrent registrations, and a rolled-back transaction gives its number back.
"""

from functools import lru_cache

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.system import Counter


async def next_value(session: AsyncSession, *, name: str, year: int) -> int:
    dialect = session.bind.dialect.name if session.bind else "postgresql"
    params = {"counter_name": name, "counter_year": year}
    return (await session.execute(counter_upsert(dialect), params)).scalar_one()


@lru_cache(maxsize=2)
def counter_upsert(dialect: str) -> ReturningInsert[tuple[int]]:
    """The upsert, built once: on the registration path building it cost as much as running it.
    Bind `counter_name` and `counter_year`; intake_rows.py uses it as a CTE."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Counter.__table__  # type: ignore[attr-defined]
    return (
        insert(table)
        .values(name=bindparam("counter_name"), year=bindparam("counter_year"), value=1)
        .on_conflict_do_update(index_elements=["name", "year"], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:06d}"
