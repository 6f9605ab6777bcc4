"""Which database errors are the caller's (422) rather than the service's (issue 17)."""

import pytest
from sqlalchemy.exc import DataError, DBAPIError, OperationalError, StatementError

from app.errors import is_data_error


class _DriverError(Exception):
    """What a driver raises, with PostgreSQL's SQLSTATE as asyncpg and psycopg give it."""

    def __init__(self, sqlstate: str | None = None) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


def _wrapped(orig: Exception, cls: type[DBAPIError] = DBAPIError) -> DBAPIError:
    return cls("SELECT 1", {}, orig)


def _refused_by_the_driver(cause: Exception) -> DBAPIError:
    # asyncpg refuses a value it cannot encode before sending it; SQLAlchemy chains it.
    orig = _DriverError()
    orig.__cause__ = cause
    return _wrapped(orig)


@pytest.mark.parametrize(
    "exc",
    [
        DataError("SELECT 1", {}, _DriverError("22003")),
        StatementError("bind", "SELECT 1", {}, OverflowError("date value out of range")),
        StatementError("bind", "SELECT 1", {}, ValueError("naive datetime")),
        _wrapped(_DriverError("22008")),  # datetime field overflow
        _wrapped(_DriverError("22P05")),  # untranslatable character
        _refused_by_the_driver(ValueError("value out of int32 range")),
    ],
)
def test_refused_values_are_data_errors(exc: StatementError) -> None:
    assert is_data_error(exc)


@pytest.mark.parametrize(
    "exc",
    [
        _wrapped(_DriverError("57P01"), OperationalError),  # the server shut down
        _wrapped(_DriverError("40001")),  # serialization failure
        _wrapped(_DriverError(None)),
        StatementError("bug", "SELECT 1", {}, KeyError("x")),
    ],
)
def test_faults_are_not(exc: StatementError) -> None:
    assert not is_data_error(exc)
