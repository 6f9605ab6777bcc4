"""Gap-free yearly sequences (CLM-2026-000123, L-2026-000045).

One upsert that increments and returns the counter inside the caller's transaction: the row
lock serialises concurrent registrations, and a rolled-back transaction gives its number back.
"""

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.system import Counter


async def next_value(session: AsyncSession, *, name: str, year: int) -> int:
    dialect = session.bind.dialect.name if session.bind else "postgresql"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Counter.__table__  # type: ignore[attr-defined]
    stmt = (
        insert(table)
        .values(name=name, year=year, value=1)
        .on_conflict_do_update(index_elements=["name", "year"], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )
    return (await session.execute(stmt)).scalar_one()


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:06d}"
