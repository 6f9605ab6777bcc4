"""Portable SQL building blocks for the reports (PostgreSQL and SQLite).

Each construct compiles to the dialect's own spelling, so the report queries
are written once and run on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Date


class seconds_between(FunctionElement[float]):  # noqa: N801 - reads like a SQL function
    """Seconds from the first timestamp to the second (``end - start``)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_between_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"CAST(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
        f"{compiler.process(start, **kw)})) AS DOUBLE PRECISION)"
    )


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"((julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) * 86400.0)"
    )


class local_date(FunctionElement[Any]):  # noqa: N801
    """The calendar date of a timestamp in the company's time zone.

    PostgreSQL converts with the zone's rules (DST included). SQLite knows no
    zone names: it shifts by a fixed UTC offset that the caller computes for
    the zone (exact for UTC and zones without DST; see docs/reports.md).
    Arguments: timestamp, zone name, offset in minutes.
    """

    type = Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "postgresql")
def _local_date_pg(element: local_date, compiler: Any, **kw: Any) -> str:
    ts, zone, _offset = list(element.clauses)
    return f"CAST(timezone({compiler.process(zone, **kw)}, {compiler.process(ts, **kw)}) AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: Any, **kw: Any) -> str:
    ts, _zone, offset = list(element.clauses)
    return f"date({compiler.process(ts, **kw)}, ({compiler.process(offset, **kw)} || ' minutes'))"


class string_agg(FunctionElement[str]):  # noqa: N801
    """Concatenate strings of a group with a separator (order not guaranteed)."""

    type = String()
    inherit_cache = True
    name = "string_agg"


@compiles(string_agg, "postgresql")
def _string_agg_pg(element: string_agg, compiler: Any, **kw: Any) -> str:
    value, sep = list(element.clauses)
    return f"string_agg({compiler.process(value, **kw)}, {compiler.process(sep, **kw)})"


@compiles(string_agg, "sqlite")
def _string_agg_sqlite(element: string_agg, compiler: Any, **kw: Any) -> str:
    value, sep = list(element.clauses)
    return f"group_concat({compiler.process(value, **kw)}, {compiler.process(sep, **kw)})"


def agg_strings(value: ColumnElement[Any], sep: str = ",") -> string_agg:
    return string_agg(value, literal(sep, String()))
