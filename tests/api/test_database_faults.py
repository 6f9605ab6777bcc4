"""Database faults answer 503 problem+json with Retry-After, within the configured timeouts,
never 500 and never a hang; `/readyz` answers within 2 s whatever the database does.

The faults are real: a table locked from another connection, a port where nothing listens, a
listener that never answers, a proxy in front of PostgreSQL that stops passing bytes on (a
stopped or cut-off server), backends killed under the pool, an exhausted pool. Everything
stays on 127.0.0.1.
"""

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.enums import Role
from app.errors import is_unavailable
from app.main import create_app
from tests.support.stalling_proxy import SilentListener, StallingProxy, closed_port

CLAIMS = "/api/v1/claims"
# Short limits, so that a fault shows within a test's patience.
QUICK = {
    "database_connect_timeout": 0.5,
    "database_pool_timeout": 0.5,
    "database_statement_timeout": 1.0,
    "database_lock_timeout": 0.5,
}


@asynccontextmanager
async def app_on(settings: Settings, **update: Any) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    application = create_app(settings.model_copy(update=update))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://t"
        ) as client,
    ):
        # The first request builds the middleware stack: not the database's time.
        assert (await client.get("/healthz")).status_code == 200
        yield application, client


def pg_url(settings: Settings, port: int) -> str:
    return (
        make_url(settings.database_url).set(port=port).render_as_string(hide_password=False)
        if settings.database_url.startswith("postgresql")
        else f"postgresql+asyncpg://postgres@127.0.0.1:{port}/claims"
    )


def assert_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == 503
    assert body["type"].endswith("/service-unavailable")


async def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await call
    return response, time.monotonic() - started


async def raw_pg(settings: Settings) -> Any:
    import asyncpg

    url = make_url(settings.database_url).set(drivername="postgresql")
    return await asyncpg.connect(url.render_as_string(hide_password=False))


@contextmanager
def sqlite_write_lock(settings: Settings) -> Iterator[None]:
    """Another connection holding SQLite's write lock (BEGIN IMMEDIATE) meanwhile."""
    path = make_url(settings.database_url).database
    assert path
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


@asynccontextmanager
async def claims_locked(settings: Settings, is_postgres: bool) -> AsyncIterator[None]:
    """The claims table locked against everyone else: ACCESS EXCLUSIVE on PostgreSQL, the
    write lock on SQLite (where every transaction of the app begins IMMEDIATE)."""
    if not is_postgres:
        with sqlite_write_lock(settings):
            yield
        return
    conn = await raw_pg(settings)
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("LOCK TABLE claims IN ACCESS EXCLUSIVE MODE")
        yield
        await transaction.rollback()
    finally:
        await conn.close()


# ---------------------------------------------------------------- a locked table


async def test_a_locked_claims_table_answers_503_within_the_timeout(
    settings, is_postgres, auth, new_claim
) -> None:
    number = (await new_claim())["number"]
    async with app_on(settings, **QUICK) as (_, client):
        # Warm: the key is checked and remembered, a connection is in the pool.
        assert (await client.get(f"{CLAIMS}/{number}", headers=auth(Role.specialist))).is_success
        async with claims_locked(settings, is_postgres):
            read, read_seconds = await timed(
                client.get(f"{CLAIMS}/{number}", headers=auth(Role.specialist))
            )
            from tests.conftest import claim_payload

            write, write_seconds = await timed(
                client.post(CLAIMS, json=claim_payload(), headers=auth(Role.intake))
            )
        assert_503(read)
        assert_503(write)
        # The lock timeout (0.5 s) decides, well before the statement timeout and its grace.
        assert max(read_seconds, write_seconds) < 2.5
        # The lock gone, the same app serves again.
        again = await client.get(f"{CLAIMS}/{number}", headers=auth(Role.specialist))
        assert again.status_code == 200, again.text


async def test_readyz_answers_within_two_seconds_while_the_table_is_locked(
    settings, is_postgres
) -> None:
    # The app's own limits are left long on purpose: the probe bounds itself.
    async with app_on(settings, database_lock_timeout=30.0) as (_, client):
        async with claims_locked(settings, is_postgres):
            response, seconds = await timed(client.get("/readyz"))
        assert seconds < 2.0
        # PostgreSQL's SELECT 1 needs no table; SQLite's transaction waits for the write lock.
        assert response.status_code == (200 if is_postgres else 503), response.text


# ---------------------------------------------------------------- no database at all


async def test_a_refused_connection_answers_503_and_readyz_stays_quick(settings, auth) -> None:
    async with app_on(settings, database_url=pg_url(settings, closed_port()), **QUICK) as (
        _,
        client,
    ):
        listing = await client.get(CLAIMS, headers=auth(Role.specialist))
        assert_503(listing)
        ready, seconds = await timed(client.get("/readyz"))
        assert ready.status_code == 503
        assert ready.headers["Retry-After"]
        assert seconds < 2.0


async def test_a_server_that_never_answers_gives_503_after_the_connect_timeout(
    settings, auth
) -> None:
    async with SilentListener() as silent:
        async with app_on(settings, database_url=pg_url(settings, silent.port), **QUICK) as (
            _,
            client,
        ):
            listing, seconds = await timed(client.get(CLAIMS, headers=auth(Role.specialist)))
            assert_503(listing)
            assert seconds < 2.0
        async with app_on(
            settings, database_url=pg_url(settings, silent.port), database_connect_timeout=30.0
        ) as (_, client):
            ready, seconds = await timed(client.get("/readyz"))
            assert ready.status_code == 503
            assert seconds < 2.0


# ---------------------------------------------------------------- PostgreSQL in trouble


async def test_a_stalled_server_answers_503_and_recovers(settings, is_postgres, auth) -> None:
    if not is_postgres:
        pytest.skip("a TCP proxy in front of PostgreSQL")
    port = make_url(settings.database_url).port or 5432
    proxy = StallingProxy(port)
    async with (
        proxy,
        app_on(settings, database_url=pg_url(settings, proxy.port), **QUICK) as (
            _,
            client,
        ),
    ):
        listing = await client.get(CLAIMS, headers=auth(Role.specialist))
        assert listing.status_code == 200, listing.text
        proxy.stall()
        stalled, seconds = await timed(client.get(CLAIMS, headers=auth(Role.specialist)))
        assert_503(stalled)
        # The statement timeout (1 s) and the client's grace (2 s) bound the wait.
        assert seconds < 4.5
        ready, ready_seconds = await timed(client.get("/readyz"))
        assert ready.status_code == 503
        assert ready_seconds < 2.0
        proxy.resume()
        recovered = await client.get(CLAIMS, headers=auth(Role.specialist))
        assert recovered.status_code == 200, recovered.text


async def test_backends_killed_under_the_pool_answer_503_not_500(
    settings, is_postgres, auth
) -> None:
    if not is_postgres:
        pytest.skip("pg_terminate_backend")
    admin = await raw_pg(settings)
    try:
        async with app_on(settings, **QUICK) as (application, client):
            assert (await client.get(CLAIMS, headers=auth(Role.specialist))).status_code == 200
            async with application.state.engine.connect() as conn:
                pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
            await asyncio.sleep(0.2)
            # A key the app has not seen yet: the request must go to the database.
            killed = await client.get(CLAIMS, headers=auth(Role.head))
            assert_503(killed)
            recovered = await client.get(CLAIMS, headers=auth(Role.head))
            assert recovered.status_code == 200, recovered.text
    finally:
        await admin.close()


async def test_a_backend_killed_under_a_listing_on_the_driver_answers_503_not_500(
    settings, is_postgres, auth
) -> None:
    """The key remembered, the listing's only statement runs on the asyncpg connection itself
    (app/claims/driver.py): its failure must be handled as the session's would be."""
    if not is_postgres:
        pytest.skip("pg_terminate_backend")
    admin = await raw_pg(settings)
    try:
        async with app_on(settings, **QUICK) as (application, client):
            assert (await client.get(CLAIMS, headers=auth(Role.specialist))).status_code == 200
            async with application.state.engine.connect() as conn:
                pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
            await asyncio.sleep(0.2)
            killed = await client.get(CLAIMS, headers=auth(Role.specialist))
            assert_503(killed)
            # The broken connection was not put back: the next request gets a new one.
            recovered = await client.get(CLAIMS, headers=auth(Role.specialist))
            assert recovered.status_code == 200, recovered.text
    finally:
        await admin.close()


async def test_the_server_cancels_a_statement_over_the_timeout(settings, is_postgres) -> None:
    if not is_postgres:
        pytest.skip("SQLite has no statement timeout")
    async with app_on(settings, **QUICK) as (application, _):
        started = time.monotonic()
        with pytest.raises(DBAPIError) as caught:
            async with application.state.session_factory() as session:
                await session.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 2.5
        assert getattr(caught.value.orig, "sqlstate", None) == "57014"
        assert is_unavailable(caught.value)  # answered as 503


# ---------------------------------------------------------------- the pool


async def test_an_exhausted_pool_answers_503_after_the_pool_timeout(settings, auth) -> None:
    async with app_on(settings, database_pool_size=1, **QUICK) as (application, client):
        pool = application.state.engine.sync_engine.pool
        async with AsyncExitStack() as held:
            # Every connection the pool may open (its size plus the overflow), held here.
            for _ in range(pool.size() + pool._max_overflow):
                await held.enter_async_context(application.state.engine.connect())
            response, seconds = await timed(client.get(CLAIMS, headers=auth(Role.auditor)))
        assert_503(response)
        assert seconds < 2.0
        again = await client.get(CLAIMS, headers=auth(Role.auditor))
        assert again.status_code == 200, again.text


async def test_timeouts_are_settings_with_defaults(settings) -> None:
    defaults = Settings(database_url=settings.database_url)
    assert defaults.database_connect_timeout == 5.0
    assert defaults.database_pool_timeout == 10.0
    assert defaults.database_statement_timeout == 30.0
    assert defaults.database_lock_timeout == 10.0
