"""Column types shared by the models."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer
from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON


def utcnow() -> datetime:
    return datetime.now(UTC)


# Named constraints make migrations reversible and diffable on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


CENT = Decimal("0.01")


def money_text(value: Decimal) -> str:
    """An amount as responses show it: always two decimals ("120.50", never "120.5")."""
    return str(Decimal(value).quantize(CENT))


# An amount in a response: a string with exactly two decimals, whether it was echoed from a
# request ("9.5") or read back from a NUMERIC(…, 2) column.
Money = Annotated[Decimal, PlainSerializer(money_text, return_type=str, when_used="json")]
