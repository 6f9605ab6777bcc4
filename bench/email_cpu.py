"""In-process CPU cost of the email webhook against a JSON registration (no wrk, no server).

    PYTHONPATH=$PWD python bench/email_cpu.py [--n 300] [--sqlite] [--profile out.prof]

Builds a throwaway PostgreSQL database next to CLAIMS_TEST_DATABASE_URL's (default
postgresql+asyncpg://postgres@127.0.0.1:5432/test), migrates it with Alembic, drives
create_app() through httpx's ASGITransport and prints the CPU time (time.process_time) per
request of `POST /api/v1/claims` and of `POST /api/v1/intake/email` (bench/fixtures.py's
5.8 KB message, a fresh Message-ID each time), the statements each sends, and the CPU of
parse_rfc822 alone. The client's own CPU is included in both request figures alike.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import fixtures  # noqa: E402

from app.config import Settings  # noqa: E402
from app.enums import Role  # noqa: E402
from app.mail.parsing import parse_rfc822  # noqa: E402
from app.mail.signing import sign_body  # noqa: E402
from app.main import create_app  # noqa: E402

SECRET = "bench-email-gateway-secret-0123456789"
PG = os.environ.get("CLAIMS_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(make_url(PG).set(drivername="postgresql").render_as_string(False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _migrate(url: str) -> None:
    from alembic import command

    from app.cli import alembic_config

    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    command.upgrade(cfg, "head")


def _message(template: bytes) -> bytes:
    return template.replace(b"@@UNIQUE@@", uuid.uuid4().hex.encode())


def _cpu_ms(samples: list[float]) -> str:
    return (
        f"mean {statistics.mean(samples) * 1000:.2f} ms, "
        f"median {statistics.median(samples) * 1000:.2f} ms"
    )


def parse_alone(template: bytes, n: int) -> list[float]:
    for _ in range(20):
        parse_rfc822(_message(template))
    out = []
    for _ in range(n):
        raw = _message(template)
        t = time.process_time()
        parse_rfc822(raw)
        out.append(time.process_time() - t)
    return out


async def run(args: argparse.Namespace) -> None:
    template = fixtures.mime_template()
    tmp = Path(tempfile.mkdtemp(prefix="email-cpu-"))
    name = None
    if args.sqlite:
        url = f"sqlite+aiosqlite:///{tmp / 'claims.db'}"
    else:
        name = f"email_cpu_{uuid.uuid4().hex[:8]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        url = make_url(PG).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(_migrate, url)
        settings = Settings(
            environment="test",
            database_url=url,
            storage_dir=tmp / "storage",
            log_json=True,
            log_level=args.log_level,
            holidays=[],
            email_hmac_secret=SecretStr(SECRET),
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await measure(app, template, args)
    finally:
        if name:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def measure(app, template: bytes, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    from app.auth.api_keys import create_key

    async with app.state.session_factory() as s:
        key = (await create_key(s, name="bench", roles=[Role.intake])).key
    rng = random.Random(7)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN")):
            statements.append(statement)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def register(i: int) -> None:
            r = await client.post(
                "/api/v1/claims",
                json=fixtures.claim_body(i, rng),
                headers={"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex},
            )
            assert r.status_code == 201, r.text

        async def email(i: int) -> None:
            raw = _message(template)
            ts = int(time.time())
            headers = {
                "Content-Type": "message/rfc822",
                "X-Claims-Timestamp": str(ts),
                "X-Claims-Signature": sign_body(SECRET, ts, raw),
            }
            r = await client.post("/api/v1/intake/email", content=raw, headers=headers)
            assert r.status_code == 201 and r.json()["outcome"] == "created", r.text

        engine = app.state.engine.sync_engine
        results: dict[str, list[float]] = {}
        kinds = {"registration": register, "email": email}
        for label, call in kinds.items():
            if args.only and label != args.only:
                continue
            for i in range(30):  # warm-up: caches, pool, prepared statements
                await call(i)
            event.listen(engine, "before_cursor_execute", count)
            statements.clear()
            await call(0)
            event.remove(engine, "before_cursor_execute", count)
            print(f"{label}: {len(statements)} statements")
            if args.verbose:
                for st in statements:
                    print("   ", " ".join(st.split())[:110])
            samples = []
            profiler = (
                cProfile.Profile(time.process_time)
                if args.profile and label == (args.only or "email")
                else None
            )
            for i in range(args.n):
                if profiler:
                    profiler.enable()
                t = time.process_time()
                await call(i)
                samples.append(time.process_time() - t)
                if profiler:
                    profiler.disable()
            results[label] = samples
            print(f"{label}: CPU per request {_cpu_ms(samples)} over {args.n}")
            if profiler:
                profiler.dump_stats(args.profile)
                print(f"profile of the {label} requests in {args.profile}")
        if len(results) == 2:
            extra = statistics.mean(results["email"]) - statistics.mean(results["registration"])
            print(f"email above registration: {extra * 1000:.2f} ms CPU per request")
    print(f"parse_rfc822 alone: {_cpu_ms(parse_alone(template, args.n * 3))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="requests of each kind")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    parser.add_argument("--profile", help="write a cProfile of the email requests here")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--verbose", action="store_true", help="print the statements")
    parser.add_argument("--only", choices=["registration", "email"], help="measure one kind")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
