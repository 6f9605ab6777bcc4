"""A PostgreSQL server that dies under load and comes back: every registration answered 201
is in the database, the numbers have no gaps, and meanwhile the API answers 503, never 500.

The server is a private cluster (tests/support/pg_cluster.py) on a free port of 127.0.0.1,
stopped with `pg_ctl stop -m immediate` (a crash: no clean shutdown) while eight clients
register claims, then started again. Marked `pg_cluster` (about 15 s); it runs in the
PostgreSQL run and skips where no PostgreSQL server binaries are installed.
"""

import asyncio
import re
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.auth.api_keys import create_key
from app.config import Settings
from app.enums import Role
from app.main import create_app
from app.models.claims import Claim
from tests.conftest import claim_payload, run_migrations
from tests.support.pg_cluster import PrivateCluster

pytestmark = pytest.mark.pg_cluster

CLIENTS = 8


async def until(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the load made no progress"
        await asyncio.sleep(0.05)


async def test_every_201_survives_a_crash_and_numbering_has_no_gaps(
    settings: Settings, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("runs its own PostgreSQL cluster: once, in the PostgreSQL run")
    reason = PrivateCluster.unavailable()
    if reason:
        pytest.skip(reason)
    cluster = PrivateCluster()
    try:
        await cluster.init()
        await asyncio.to_thread(run_migrations, cluster.url)
        crash_settings = settings.model_copy(
            update={
                "database_url": cluster.url,
                "database_connect_timeout": 1.0,
                "database_pool_timeout": 2.0,
                "database_statement_timeout": 5.0,
                "database_lock_timeout": 2.0,
            }
        )
        application = create_app(crash_settings)
        async with application.router.lifespan_context(application):
            async with application.state.session_factory() as session:
                key = (await create_key(session, name="crash-load", roles=[Role.intake])).key
            answered: list[tuple[int, str | None]] = []
            done = asyncio.Event()

            async def register(client: httpx.AsyncClient) -> None:
                while not done.is_set():
                    response = await client.post(
                        "/api/v1/claims", json=claim_payload(), headers={"X-API-Key": key}
                    )
                    created = response.status_code == 201
                    answered.append(
                        (response.status_code, response.json()["number"] if created else None)
                    )
                    if not created:
                        await asyncio.sleep(0.05)

            def created() -> int:
                return sum(1 for status, _ in answered if status == 201)

            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                load = [asyncio.create_task(register(client)) for _ in range(CLIENTS)]
                try:
                    await until(lambda: created() >= 40, 30)
                    await cluster.stop("immediate")
                    before_restart = len(answered)
                    await until(lambda: len(answered) >= before_restart + CLIENTS, 30)
                    await cluster.start()
                    after_restart = created()
                    await until(lambda: created() >= after_restart + 40, 60)
                finally:
                    done.set()
                    await asyncio.gather(*load)

            async with application.state.session_factory() as session:
                stored = set((await session.execute(select(Claim.number))).scalars())
    finally:
        await cluster.destroy()

    statuses = Counter(status for status, _ in answered)
    assert set(statuses) <= {201, 503}, statuses
    assert statuses[503] >= CLIENTS  # the crash was seen
    numbers = [number for status, number in answered if status == 201]
    assert len(numbers) == len(set(numbers))
    assert set(numbers) <= stored  # every 201 is in the database
    by_year: dict[str, list[int]] = {}
    for number in stored:
        match = re.fullmatch(r"CLM-(\d{4})-(\d{6})", number)
        assert match, number
        by_year.setdefault(match.group(1), []).append(int(match.group(2)))
    for year, sequence in by_year.items():
        assert sorted(sequence) == list(range(1, len(sequence) + 1)), year
