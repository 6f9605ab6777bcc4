"""Production batches as the data holds them: a serial number without its last characters.

Serial numbers are assigned in production order, so units whose serials differ only in the
last CLAIMS_REPORTS_BATCH_SERIAL_SUFFIX characters were made together. The recurring-defects
report groups by it and a corrective action opened from a batch selects by it, so both use
this one rule."""

from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.sql.expression import ColumnElement


def batch_of(serial: Any, drop_chars: int) -> ColumnElement[Any]:
    """The batch of a serial column (meaningful only where `has_batch` holds)."""
    return func.substr(serial, 1, func.length(serial) - drop_chars)


def has_batch(serial: Any, drop_chars: int) -> ColumnElement[bool]:
    return func.length(serial) > drop_chars


def in_batch(serial: Any, batch: str, drop_chars: int) -> ColumnElement[bool]:
    return and_(has_batch(serial, drop_chars), batch_of(serial, drop_chars) == batch)


def batch_of_serial(serial: str, drop_chars: int) -> str | None:
    """The same rule in Python, for one serial."""
    return serial[:-drop_chars] if len(serial) > drop_chars else None
