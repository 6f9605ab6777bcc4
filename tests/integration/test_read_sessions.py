"""Read-only requests without a transaction, and the listing's statement on the driver.

On PostgreSQL the listing runs on a read session (app/db.py: autocommit, no BEGIN, no ROLLBACK)
and its statement goes to asyncpg itself (app/claims/driver.py). What is checked here: that no
BEGIN is sent, that a connection goes back to the pool ready for a writer's transaction, and
that the driver returns the rows the session returns. SQLite keeps its transactions.
"""

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from app.auth.api_keys import create_key
from app.claims import driver, listing
from app.claims.listing import ClaimFilter
from app.db import create_engine, create_read_session_factory, create_session_factory
from app.enums import ClaimState, Role
from app.models.claims import Channel
from tests.conftest import claim_payload

CLAIMS = "/api/v1/claims"


def needs_postgres(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("autocommit and the asyncpg driver are PostgreSQL's; SQLite is unchanged")


@contextmanager
def transactions_sent(engine: Any) -> Iterator[list[str]]:
    """The BEGIN, COMMIT and ROLLBACK the app's asyncpg connections send meanwhile: the driver
    sends them itself, so SQLAlchemy's statement events never see them."""
    sent: list[str] = []
    hooked: list[Any] = []

    def log(record: Any) -> None:
        if record.query.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            sent.append(record.query)

    def checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        conn = dbapi_connection.driver_connection
        conn.add_query_logger(log)
        hooked.append(conn)

    event.listen(engine.sync_engine, "checkout", checkout)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "checkout", checkout)
        for conn in hooked:
            conn.remove_query_logger(log)


async def test_the_listing_sends_no_begin_and_only_reads(
    app, client, auth, new_claim, is_postgres, count_statements
) -> None:
    needs_postgres(is_postgres)
    await new_claim()
    async with app.state.session_factory() as s:
        fresh = (await create_key(s, name="reader-no-begin", roles=[Role.auditor])).key
    with transactions_sent(app.state.engine) as sent, count_statements() as counter:
        # A key the app has not seen: its lookup and the page, two statements, no transaction.
        first = await client.get(CLAIMS, params={"limit": 5}, headers={"X-API-Key": fresh})
    assert first.status_code == 200, first.text
    assert sent == []
    assert counter.count == 2, counter.statements
    assert all(q.lstrip().upper().startswith("SELECT") for q in counter.statements)
    with transactions_sent(app.state.engine) as sent, count_statements() as counter:
        again = await client.get(CLAIMS, params={"limit": 5}, headers={"X-API-Key": fresh})
    assert again.json() == first.json()
    assert sent == [] and counter.count == 1, (sent, counter.statements)
    # The probe sees transactions where there are: a registration is one.
    with transactions_sent(app.state.engine) as sent:
        written = await client.post(CLAIMS, json=claim_payload(), headers=auth(Role.intake))
    assert written.status_code == 201
    assert [q.split()[0].upper().rstrip(";") for q in sent] == ["BEGIN", "COMMIT"], sent


async def test_a_connection_a_read_used_is_back_in_transactions_for_the_next_writer(
    settings, is_postgres
) -> None:
    needs_postgres(is_postgres)
    # One connection, so that the writer gets the very connection the read had.
    engine = create_engine(settings.model_copy(update={"database_pool_size": 1}))
    reads, writes = create_read_session_factory(engine), create_session_factory(engine)
    try:
        async with writes() as s:
            await s.execute(text("CREATE TEMP TABLE probe (n integer)"))
            await s.commit()
            first = (await (await s.connection()).get_raw_connection()).driver_connection
        async with reads() as s:
            page = await listing.list_claims(
                s, filters=ClaimFilter(), limit=5, cursor=None, today=date.today()
            )
            raw = await (await s.connection()).get_raw_connection()
            assert raw.driver_connection is first
            assert raw.dbapi_connection.autocommit
            assert not raw.driver_connection.is_in_transaction()
        assert page.items is not None
        async with writes() as s:
            await s.execute(text("INSERT INTO probe VALUES (1)"))
            raw = await (await s.connection()).get_raw_connection()
            assert raw.driver_connection is first
            assert not raw.dbapi_connection.autocommit
            assert raw.driver_connection.is_in_transaction()
            with pytest.raises(DBAPIError):
                await s.execute(text("SELECT 1 / 0"))
            await s.rollback()
            # Rolled back with the failed statement: in autocommit the row would be there.
            assert (await s.execute(text("SELECT count(*) FROM probe"))).scalar_one() == 0
    finally:
        await engine.dispose()


FILTERS = [
    {},
    {"status": [ClaimState.new]},
    {"status": [ClaimState.new, ClaimState.closed, ClaimState.new]},
    {"channel": [Channel.web, Channel.phone]},
    {"status": [ClaimState.new], "channel": [Channel.web]},
    {"q": "pump"},
    {"q": "100%_x"},
    {"overdue": False},
    {"overdue": True},
    {"needs_review": False},
    {"owner": listing.NO_OWNER},
    {"model": "PUMP-NONE"},
    {"customer": "Customer"},
    {"created_from": datetime.now(UTC) - timedelta(days=1)},
]


@pytest.mark.parametrize("given", FILTERS, ids=[",".join(f) or "none" for f in FILTERS])
async def test_the_driver_returns_the_rows_the_session_returns(
    app, new_claim, is_postgres, given
) -> None:
    needs_postgres(is_postgres)
    for _ in range(3):
        await new_claim()
    today = date.today()
    filters = ClaimFilter(**given)
    async with app.state.session_factory() as s:
        # No statement yet in this session: not in a transaction, so the session's own way.
        assert await driver.usable(await s.connection()) is None
        expected = await listing.list_claims(s, filters=filters, limit=2, cursor=None, today=today)
        conditions, params = listing._bind(filters, None, today)
        conditions = tuple("q_indexed" if c == "q" else c for c in conditions)
        result = await s.execute(listing._statement(conditions), {**params, "limit": 50})
        session_rows = [dict(row._mapping) for row in result]
    async with app.state.read_session_factory() as s:
        assert await driver.usable(await s.connection()) is not None
        got = await listing.list_claims(s, filters=filters, limit=2, cursor=None, today=today)
        driver_rows = await listing._on_driver(s, conditions, {**params, "limit": 50})
    assert got == expected
    assert driver_rows == session_rows
    # The same Python types too (the UTC datetimes through UTCDateTime, dates, None).
    assert [{k: type(v) for k, v in r.items()} for r in driver_rows] == [
        {k: type(v) for k, v in r.items()} for r in session_rows
    ]
    if expected.next_cursor:
        async with app.state.read_session_factory() as s:
            following = await listing.list_claims(
                s, filters=filters, limit=2, cursor=expected.next_cursor, today=today
            )
        async with app.state.session_factory() as s:
            assert following == await listing.list_claims(
                s, filters=filters, limit=2, cursor=expected.next_cursor, today=today
            )


async def test_the_prepared_listings_are_bounded(
    app, client, auth, is_postgres, monkeypatch
) -> None:
    needs_postgres(is_postgres)
    monkeypatch.setattr(listing, "_PREPARED", OrderedDict())
    monkeypatch.setattr(listing, "_PREPARED_MAX", 5)
    # A caller chooses the length of the status list, and each length is a statement of its own.
    for length in range(1, 13):
        response = await client.get(
            CLAIMS, params={"status": ["new"] * length, "limit": 1}, headers=auth(Role.head)
        )
        assert response.status_code == 200, response.text
        assert len(listing._PREPARED) <= 5
