"""The claim number as PostgreSQL's single registration statement writes it (intake_rows.py)."""

import pytest
from sqlalchemy import literal, select

from app.claims.intake_rows import number_sql
from app.claims.numbering import format_number


@pytest.mark.parametrize("value", [1, 42, 999_999, 1_000_000, 12_345_678])
async def test_numbers_formatted_in_sql_match_format_number(db, is_postgres, value) -> None:
    if not is_postgres:
        pytest.skip("SQLite numbers claims in Python (format_number) only")
    [(number,)] = await db(select(number_sql("CLM", literal(2026), literal(value))))
    assert number == format_number("CLM", 2026, value)
