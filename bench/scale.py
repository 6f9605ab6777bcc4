"""The 1M-claims targets of issue 20: listing pages, free-text search and the reports at a
million claims, through the real app in-process (httpx + ASGITransport), with the plans.

    PYTHONPATH=$PWD python bench/scale.py --pg postgresql://postgres@127.0.0.1:5432
    make bench-scale                      # the same; BENCH_SCALE_ARGS="--db claims_1m --keep"

Creates the database (or reuses --db when it exists), migrates it to head, seeds --claims
claims with bench/seed.py (COPY; about four minutes for a million on the 2-core bench machine)
and prints the database's and the indexes' sizes. Then each scenario runs --runs times after
a warm-up, one client, and prints p50/p99/max with the load average next to it; --explain
prints EXPLAIN (ANALYZE, BUFFERS) of the listing statements. Drops a database it created unless
--keep. Figures and their reading: bench/RESULTS.md, "1M claims".
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import seed  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.auth.api_keys import create_key  # noqa: E402
from app.claims import listing  # noqa: E402
from app.config import Settings  # noqa: E402
from app.enums import Role  # noqa: E402
from app.main import create_app  # noqa: E402
from app.reports import rollups  # noqa: E402

NOTHING = "zzqx-nothing"

# (label, path, params, target ms for p99); "{deep}" is replaced by the cursor after row 500,000.
SCENARIOS: list[tuple[str, str, dict[str, Any], float | None]] = [
    ("first listing page (50)", "/api/v1/claims", {"limit": 50}, 20),
    ("page after row 500,000 by cursor", "/api/v1/claims", {"limit": 50, "cursor": "{deep}"}, 20),
    ("q matching nothing", "/api/v1/claims", {"limit": 50, "q": NOTHING}, 100),
    ("q = one customer's name", "/api/v1/claims", {"limit": 50, "q": "SIA Company 4710"}, None),
    ("q = a claim number", "/api/v1/claims", {"limit": 50, "q": "CLM-2021-004711"}, None),
    ("q = a common word ('pump')", "/api/v1/claims", {"limit": 50, "q": "pump"}, None),
    ("status=new", "/api/v1/claims", {"limit": 50, "status": "new"}, None),
    (
        "status=closed after row 500,000",
        "/api/v1/claims",
        {"limit": 50, "status": "closed", "cursor": "{deep}"},
        None,
    ),
    (
        "channel=phone, model PUMP-7",
        "/api/v1/claims",
        {"channel": "phone", "model": "PUMP-7"},
        None,
    ),
    ("owner, overdue=true", "/api/v1/claims", {"owner": "ivan.petrov", "overdue": "true"}, None),
    (
        "created in March 2021",
        "/api/v1/claims",
        {"created_from": "2021-03-01", "created_to": "2021-03-31"},
        None,
    ),
    ("summary, all claims (10 years)", "/api/v1/reports/summary", {}, 300),
    (
        "summary, one month",
        "/api/v1/reports/summary",
        {"received_from": "2026-03-01", "received_to": "2026-03-31"},
        300,
    ),
    (
        "summary, one model, one year",
        "/api/v1/reports/summary",
        {"product_model": "PUMP-7", "received_from": "2025-01-01", "received_to": "2025-12-31"},
        300,
    ),
    ("summary, channel only (phone)", "/api/v1/reports/summary", {"channel": "phone"}, 300),
    ("recurring defects, default 90 days", "/api/v1/reports/recurring-defects", {}, 300),
    (
        "recurring defects, one year",
        "/api/v1/reports/recurring-defects",
        {"received_from": "2025-06-01", "received_to": "2026-05-31"},
        300,
    ),
    ("costs 2025", "/api/v1/reports/costs", {"year": 2025}, 300),
]

# The listing statements whose plans --explain prints: (label, conditions, extra params).
PLANS: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
    ("page after row 500,000", ("cursor",), {}),
    ("q matching nothing", ("q_indexed",), {"q": f"%{NOTHING}%"}),
    ("status=closed after row 500,000", ("status", "cursor"), {"status": ["closed"]}),
]


def _sa_url(pg: str, db: str) -> str:
    return f"{pg.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{db}"


async def prepare(pg: str, db: str, claims: int) -> bool:
    """True if the database was created (and seeded) here."""
    admin = await asyncpg.connect(f"{pg}/postgres")
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", db):
            return False
        await admin.execute(f'CREATE DATABASE "{db}"')
    finally:
        await admin.close()
    from alembic import command

    from app.cli import alembic_config

    logging.getLogger("alembic").setLevel(logging.WARNING)
    cfg = alembic_config()
    cfg.attributes["database_url"] = _sa_url(pg, db)
    cfg.attributes["skip_logging"] = True
    await asyncio.to_thread(command.upgrade, cfg, "head")
    conn = await asyncpg.connect(f"{pg}/{db}")
    try:
        print(f"seeding {claims:,} claims into {db}")
        t0 = time.perf_counter()
        await seed.seed(conn, claims=claims, units=True, verbose=True)
        print(f"seeded in {time.perf_counter() - t0:.0f} s")
    finally:
        await conn.close()
    return True


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


async def explain(app: Any, pg: str, db: str, deep: tuple[Any, int]) -> None:
    """The app's own listing statements, compiled by its engine's dialect and explained through
    the driver."""
    conn = await asyncpg.connect(f"{pg}/{db}")
    try:
        for label, conditions, extra in PLANS:
            params = {"limit": 51, "cursor_at": deep[0], "cursor_id": deep[1], **extra}
            compiled = listing._statement(conditions).compile(dialect=app.state.engine.dialect)
            state = compiled.construct_expanded_state(params)
            sql = f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {state.statement}"
            rows = await conn.fetch(sql, *state.positional_parameters)
            print(f"\n-- {label}")
            for row in rows:
                line = row[0]
                if any(
                    w in line for w in ("Index", "Filter", "Rows Removed", "Execution", "Bitmap")
                ):
                    print("  " + line.strip())
    finally:
        await conn.close()


async def refresh_rollups(app: Any, settings: Settings) -> None:
    """The summary's monthly rollups, as the worker keeps them: brought up to date (all of them
    on a fresh database), then one month logged as changed and refreshed again, both timed."""
    factory = app.state.session_factory
    for label in ("rollups, stale months", "rollups, one changed month"):
        if label.endswith("changed month"):
            async with factory() as s:
                conn = await s.connection()
                await conn.execute(
                    text(
                        "INSERT INTO report_month_changes (month)"
                        " SELECT max(month) FROM report_months"
                    )
                )
                await s.commit()
        t0, c0 = time.perf_counter(), time.process_time()
        async with factory() as s:
            done = await rollups.refresh(s, settings=settings)
        print(
            f"{label}: {done.months} months, {done.claims:,} claims in "
            f"{time.perf_counter() - t0:.2f} s (this process's cpu "
            f"{time.process_time() - c0:.2f} s), load {load()}",
            flush=True,
        )


async def run(args: argparse.Namespace) -> None:
    settings = Settings(
        environment="test", database_url=_sa_url(args.pg, args.db), log_level="WARNING"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with app.state.session_factory() as s:
            key = (
                await create_key(
                    s, name=f"scale-{os.getpid()}", roles=[Role.specialist, Role.auditor]
                )
            ).key
            conn = await s.connection()
            row = (
                await conn.execute(
                    text(
                        "SELECT received_at, id FROM claims ORDER BY received_at DESC, id DESC"
                        " OFFSET 500000 LIMIT 1"
                    )
                )
            ).one()
            count = (await conn.execute(text("SELECT count(*) FROM claims"))).scalar_one()
        deep = (row.received_at, row.id)
        cursor = listing.encode_cursor(*deep)
        print(
            f"{count:,} claims; the cursor after row 500,000: {deep[0]:%Y-%m-%d %H:%M}, id {deep[1]}"
        )
        if args.explain:
            await explain(app, args.pg, args.db, deep)
        if not args.skip_reports:
            await refresh_rollups(app, settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://scale", headers={"X-API-Key": key}, timeout=120
        ) as client:
            print(
                f"\n{'scenario':40} {'p50':>8} {'p99':>8} {'max':>8} {'cpu':>6} {'target':>7} "
                f"{'runs':>5}  load 1/5 min (ms; cpu: this process's CPU time per request, "
                f"median; {os.cpu_count()} CPUs)"
            )
            for label, path, raw, target in SCENARIOS:
                if args.only and args.only not in label:
                    continue
                if args.skip_reports and path.startswith("/api/v1/reports"):
                    continue
                params = {k: cursor if v == "{deep}" else v for k, v in raw.items()}
                runs = args.runs if path.startswith("/api/v1/claims") else args.report_runs
                times, cpu = [], []
                for i in range(args.warmup + runs):
                    t0, c0 = time.perf_counter(), time.process_time()
                    response = await client.get(path, params=params)
                    elapsed = (time.perf_counter() - t0) * 1000
                    assert response.status_code == 200, response.text[:500]
                    if i >= args.warmup:
                        times.append(elapsed)
                        cpu.append((time.process_time() - c0) * 1000)
                p99 = percentile(times, 0.99)
                verdict = "" if target is None else ("pass" if p99 < target else "FAIL")
                print(
                    f"{label:40} {statistics.median(times):8.1f} {p99:8.1f} {max(times):8.1f} "
                    f"{statistics.median(cpu):6.1f} "
                    f"{'< ' + str(int(target)) if target else '':>7} {runs:5}  {load()} {verdict}",
                    flush=True,
                )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server DSN")
    parser.add_argument("--db", default=f"claims_scale_{os.getpid()}")
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300, help="requests per listing scenario")
    parser.add_argument("--report-runs", type=int, default=30, help="requests per report")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the listing's plans")
    parser.add_argument("--only", help="run the scenarios whose label contains this")
    parser.add_argument("--skip-reports", action="store_true", help="the listing scenarios only")
    parser.add_argument("--keep", action="store_true", help="keep a database created here")
    args = parser.parse_args()
    created = await prepare(args.pg, args.db, args.claims)
    try:
        conn = await asyncpg.connect(f"{args.pg}/{args.db}")
        try:
            print(await seed.sizes(conn))
        finally:
            await conn.close()
        await run(args)
    finally:
        if created and not args.keep:
            admin = await asyncpg.connect(f"{args.pg}/postgres")
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
            finally:
                await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
