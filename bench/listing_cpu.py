"""CPU per listing request, measured in-process (no wrk, no second server process).

    PYTHONPATH=$PWD python bench/listing_cpu.py --pg postgresql://postgres@127.0.0.1:5432
    ... --profile bench/profiles/listing_cprofile.txt   # plus a cProfile of the listing

Creates (or, with --db NAME, reuses) a PostgreSQL database migrated with Alembic and seeded by
bench/seed.py, then drives the real app (create_app) and bench/baseline.py's app through httpx's
ASGITransport and reports CPU time (time.process_time) per request: the median and the minimum
over --rounds rounds of --n requests of each kind, the kinds interleaved. The client's own share
is measured on a bare ASGI app that returns a body of the listing's size; subtract it to get the
server's share. The API-key lookup (session + api_keys.authenticate) is measured on its own so
that it can be subtracted too.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

import asyncpg
import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import seed  # noqa: E402

STATUSES = ["new", "design_review", "remedy", "closed"]


async def prepare(pg: str, db: str, claims: int) -> bool:
    """True if the database was created here (and should be dropped afterwards)."""
    admin = await asyncpg.connect(f"{pg}/postgres")
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", db)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{db}"')
    finally:
        await admin.close()
    if exists:
        return False
    from alembic import command

    from app.cli import alembic_config

    cfg = alembic_config()
    cfg.attributes["database_url"] = _sa_url(pg, db)
    cfg.attributes["skip_logging"] = True
    await asyncio.to_thread(command.upgrade, cfg, "head")
    conn = await asyncpg.connect(f"{pg}/{db}")
    try:
        await seed.seed(conn, claims=claims, units=False)
    finally:
        await conn.close()
    return True


def _sa_url(pg: str, db: str) -> str:
    return f"{pg.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{db}"


async def drop(pg: str, db: str) -> None:
    admin = await asyncpg.connect(f"{pg}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        await admin.close()


async def cpu_per_call(
    calls: dict[str, Callable[[int], Awaitable[object]]], *, n: int, rounds: int, warm: int = 50
) -> dict[str, list[float]]:
    """CPU ms per call of each kind, per round; the kinds alternate within each round, so that a
    neighbour's burst on a shared machine spreads over all of them."""
    for call in calls.values():
        for i in range(warm):
            await call(i)
    per_round: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.process_time()
            for i in range(n):
                await call(i)
            per_round[name].append((time.process_time() - start) / n * 1000)
    return per_round


def bare_app(body: bytes):  # type: ignore[no-untyped-def]
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


async def main(args: argparse.Namespace, out: TextIO) -> None:
    created = await prepare(args.pg, args.db, args.claims)
    try:
        await measure(args, out)
    finally:
        if created and not args.keep:
            await drop(args.pg, args.db)


async def measure(args: argparse.Namespace, out: TextIO) -> None:
    from app.auth import api_keys
    from app.auth.api_keys import create_key
    from app.config import Settings
    from app.enums import Role
    from app.main import create_app

    def report(line: str) -> None:
        print(line, file=out, flush=True)

    settings = Settings(
        environment="test",
        database_url=_sa_url(args.pg, args.db),
        storage_dir=Path("/tmp/listing-cpu-storage"),
        holidays=[],
    )
    app = create_app(settings)
    os.environ["CLAIMS_BASELINE_DSN"] = f"{args.pg}/{args.db}"
    os.environ["CLAIMS_BASELINE_POOL"] = "2"
    import baseline

    async with (
        app.router.lifespan_context(app),
        baseline.app.router.lifespan_context(baseline.app),
    ):
        async with app.state.session_factory() as s:
            key = (await create_key(s, name="listing-cpu", roles=[Role.specialist])).key
        headers = {"X-API-Key": key}
        svc = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        base = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=baseline.app), base_url="http://b"
        )
        sample = await svc.get(
            "/api/v1/claims", params={"status": "new", "limit": 50}, headers=headers
        )
        assert sample.status_code == 200 and len(sample.json()["items"]) == 50, sample.text
        bare = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=bare_app(sample.content)), base_url="http://x"
        )

        async def listing(i: int) -> None:
            r = await svc.get(
                "/api/v1/claims",
                params={"status": STATUSES[i % 4], "limit": 50},
                headers=headers,
            )
            assert r.status_code == 200

        async def baseline_listing(i: int) -> None:
            r = await base.get("/claims", params={"status": STATUSES[i % 4], "limit": 50})
            assert r.status_code == 200

        async def client_only(i: int) -> None:
            await bare.get("/api/v1/claims", params={"status": STATUSES[i % 4], "limit": 50})

        async def key_lookup(i: int) -> None:
            async with app.state.session_factory() as s:
                assert await api_keys.authenticate(s, key) is not None

        kinds = {
            "listing (service, full request)": listing,
            "baseline GET /claims (full request)": baseline_listing,
            "client only (bare ASGI app, same body)": client_only,
            "API-key lookup (session + authenticate)": key_lookup,
        }
        per_round = await cpu_per_call(kinds, n=args.n, rounds=args.rounds)
        results = {}
        for name, values in per_round.items():
            results[name] = statistics.median(values)
            report(f"{name:45s} median {results[name]:6.3f} ms, min {min(values):6.3f} ms")
        client = results["client only (bare ASGI app, same body)"]
        svc_server = results["listing (service, full request)"] - client
        base_server = results["baseline GET /claims (full request)"] - client
        key_cost = results["API-key lookup (session + authenticate)"]
        report(
            f"server CPU per listing (medians, client subtracted): service {svc_server:.3f} ms, "
            f"baseline {base_server:.3f} ms, ratio {base_server / svc_server:.0%}"
        )
        report(
            f"  without the key lookup: service {svc_server - key_cost:.3f} ms, "
            f"ratio {base_server / (svc_server - key_cost):.0%}"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.n):
                await listing(i)
            profiler.disable()
            profiler.dump_stats(args.profile + ".pstats")
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
            await asyncio.to_thread(Path(args.profile).write_text, text.getvalue())
            report(f"cProfile of {args.n} listings: {args.profile}")
        await svc.aclose()
        await base.aclose()
        await bare.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=f"listing_cpu_{os.getpid()}")
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--n", type=int, default=100, help="requests per round and kind")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep a database created here")
    parser.add_argument("--profile", help="write a cProfile of --n listings to this file")
    arguments = parser.parse_args()
    # The access log line is part of a request's cost in production: keep it, into /dev/null.
    real_stdout = sys.stdout
    with open(os.devnull, "w") as sys.stdout:
        asyncio.run(main(arguments, real_stdout))
