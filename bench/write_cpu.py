"""CPU of registration's write statement (claim, number, event, outbox, idempotency record in
one statement, app/claims/intake_rows.py) through the async session against the same compiled
statement on the session's asyncpg connection, measured in-process.

    PYTHONPATH=$PWD python bench/write_cpu.py [--n 600]

Registers one claim through the app (create_app, httpx ASGITransport) to capture the
statement's real values, then runs it --n times each way in alternating blocks, each in its own
transaction after a first statement (as in registration) and rolled back; only the write is
timed (time.process_time).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import email_cpu  # noqa: E402
import fixtures  # noqa: E402

from app.claims import intake_rows, registration  # noqa: E402
from app.config import Settings  # noqa: E402
from app.enums import Role  # noqa: E402
from app.main import create_app  # noqa: E402


async def run(args: argparse.Namespace) -> None:
    name = f"write_cpu_{uuid.uuid4().hex[:8]}"
    await email_cpu._pg_admin(f'CREATE DATABASE "{name}"')
    url = make_url(email_cpu.PG).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(email_cpu._migrate, url)
        settings = Settings(
            environment="test",
            database_url=url,
            storage_dir=Path(tempfile.mkdtemp(prefix="write-cpu-")),
            holidays=[],
            email_hmac_secret=SecretStr(email_cpu.SECRET),
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await measure(app, args.n)
    finally:
        await email_cpu._pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def measure(app: Any, n: int) -> None:
    from app.auth.api_keys import create_key

    async with app.state.session_factory() as s:
        key = (await create_key(s, name="bench", roles=[Role.intake])).key
    captured: list[tuple[Any, ...]] = []
    original = registration.insert_claim

    async def capture(session: Any, claim: Any, rows: Any, *, year: int) -> Any:
        captured.append((claim, rows, year))
        return await original(session, claim, rows, year=year)

    registration.insert_claim = capture  # type: ignore[assignment]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        import random

        r = await client.post(
            "/api/v1/claims",
            json=fixtures.claim_body(1, random.Random(7)),
            headers={"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 201, r.text
    registration.insert_claim = original  # type: ignore[assignment]
    claim, rows, year = captured[0]
    for row in rows:  # unique values of their own (each write is rolled back: one for all)
        for column in ("key", "event_id"):
            if column in row.values:
                row.values[column] = str(uuid.uuid4())
    shape, params = intake_rows.statement_params(claim, rows, year=year)
    statement = intake_rows._one_statement(*shape)

    async def via_session(session: Any) -> None:
        (await session.execute(statement, params)).one()

    async def via_driver(session: Any) -> None:
        await intake_rows.insert_claim(session, claim, rows, year=year)

    samples: dict[str, list[float]] = {"session": [], "driver": []}
    ways = {"session": via_session, "driver": via_driver}
    for block in range(-1, n // 50):
        for label, way in ways.items():
            for _ in range(50):
                async with app.state.session_factory() as session:
                    await session.execute(select(1))  # registration reads first
                    t = time.process_time()
                    await way(session)
                    spent = time.process_time() - t
                    await session.rollback()
                if block >= 0:  # the first block warms up
                    samples[label].append(spent)
    for label, values in samples.items():
        print(
            f"{label}: CPU per write mean {statistics.mean(values) * 1000:.3f} ms, "
            f"median {statistics.median(values) * 1000:.3f} ms over {len(values)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=600, help="writes each way")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
