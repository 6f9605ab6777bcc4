"""Benchmark of the reports on PostgreSQL with 100,000 claims (not part of the test run).

Creates a fresh database next to the one named by --url, migrates it with Alembic, seeds it
server-side (generate_series, a few seconds), then calls each report through the real app
(httpx + ASGITransport, an auditor's key) and prints the times. Drops the database at the end
unless --keep.

    /work/main/.venv/bin/python bench/reports_bench.py \
        --url postgresql+asyncpg://postgres@127.0.0.1:5432/test
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

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.auth.api_keys import create_key
from app.config import Settings  # noqa: E402
from app.enums import Role
from app.main import create_app  # noqa: E402

SEED = """
SELECT setseed(0.42);

INSERT INTO product_models (code, name, warranty_months, created_at)
SELECT 'BM-' || lpad(i::text, 3, '0'), 'Bench model ' || i, 24, now()
FROM generate_series(1, 40) AS i;

INSERT INTO customers (id, kind, name, name_key, language, is_key_customer, created_at,
                       updated_at, version)
SELECT i, 'person', 'Bench customer ' || i, 'bench customer ' || i, 'lv', i % 50 = 0, now(),
       now(), 1
FROM generate_series(1, 5000) AS i;

INSERT INTO contacts (id, customer_id, name, email, created_at, updated_at)
SELECT i, i, 'Bench customer ' || i, 'bench' || i || '@example.lv', now(), now()
FROM generate_series(1, 5000) AS i;

SELECT setval(pg_get_serial_sequence('customers', 'id'), 5000);

SELECT setval(pg_get_serial_sequence('contacts', 'id'), 5000);

INSERT INTO units (serial_number, product_model_id, sale_date, warranty_extension_months,
                   created_at, updated_at)
SELECT 'BM' || lpad(m::text, 3, '0') || '-2024-' || lpad(s::text, 6, '0'),
       (SELECT id FROM product_models WHERE code = 'BM-' || lpad(m::text, 3, '0')),
       date '2024-01-01' + (s % 365), 0, now(), now()
FROM generate_series(1, 40) AS m, generate_series(1, 1250) AS s;

CREATE TEMP TABLE bench_claims AS
SELECT i,
       timestamptz '2025-01-01 06:00+00' + (random() * interval '690 days') AS received_at,
       (ARRAY['web','email','phone','internal'])[1 + floor(random() * 4)::int] AS channel,
       random() AS r_state, random() AS r_model, random() AS r_unit, random() AS r_ack,
       random() AS r_cause, random() AS r_desc, random() AS r_close
FROM generate_series(1, %(claims)s) AS i;

INSERT INTO claims (number, year, seq, channel, state, customer_id, contact_id, unit_id,
                    product_model_id, reported_serial, defect_description, language,
                    received_at, ack_due_date, ack_deadline_date, acknowledged_at, defect_cause,
                    cost_bearer, resolution, closed_at, created_by, created_at, updated_at,
                    version)
SELECT 'CLM-' || extract(year FROM received_at)::int || '-' ||
           lpad((row_number() OVER w)::text,
                GREATEST(6, length((row_number() OVER w)::text)), '0'),
       extract(year FROM received_at)::int,
       row_number() OVER w,
       channel,
       CASE WHEN r_close < 0.45 THEN 'closed'
            ELSE (ARRAY['new','design_review','awaiting_customer_info','remedy','inspection',
                        'repair','disputed','awaiting_withdrawal'])[1 + floor(r_state * 8)::int]
       END,
       1 + (i % 5000), 1 + (i % 5000),
       CASE WHEN r_unit < 0.7 THEN u.id END,
       CASE WHEN r_model < 0.95 THEN u.product_model_id END,
       CASE WHEN r_unit < 0.9 THEN u.serial_number END,
       (ARRAY['Pump leaks water at the shaft seal',
              'Water is leaking from the pump seal after a week',
              'Motor overheats and stops after ten minutes',
              'The motor gets hot and switches off',
              'Display shows error E4 after a power cut',
              'Насос не включается после грозы',
              'Протекает уплотнение вала насоса',
              'Sūknis nedarbojas, dzirdams troksnis',
              'Noise and vibration at full speed',
              'Control board burnt, smell of smoke'])[1 + floor(r_desc * 10)::int]
           || ' (case ' || i || ')',
       'lv', received_at,
       (received_at AT TIME ZONE 'Europe/Riga')::date + 3,
       (received_at AT TIME ZONE 'Europe/Riga')::date + 5,
       CASE WHEN r_ack < 0.9 THEN received_at + (r_ack * r_ack * interval '10 days') END,
       CASE WHEN r_cause < 0.6
            THEN (ARRAY['manufacturing_defect','design_defect','misuse','wear','undetermined'])
                 [1 + floor(r_cause / 0.6 * 5)::int] END,
       CASE WHEN r_cause < 0.3 THEN 'manufacturer' WHEN r_cause < 0.5 THEN 'customer' END,
       CASE WHEN r_close < 0.45
            THEN (ARRAY['repaired','replaced','explained','rejected','withdrawn'])
                 [1 + floor(r_close / 0.45 * 5)::int] END,
       CASE WHEN r_close < 0.45 THEN received_at + interval '2 days'
                                     + (r_close * interval '60 days') END,
       'bench', now(), now(), 1
FROM bench_claims
JOIN units u ON u.id = 1 + (i * 7919) % 50000
WINDOW w AS (PARTITION BY extract(year FROM received_at) ORDER BY received_at);

INSERT INTO claim_costs (claim_id, kind, amount, currency, cost_bearer, incurred_on, note,
                         recorded_at, recorded_by)
SELECT c.id,
       (ARRAY['repair','replacement','field_visit','transport'])[1 + (c.id % 4)],
       round((20 + random() * 2000)::numeric, 2),
       CASE WHEN c.id % 20 = 0 THEN 'USD' ELSE 'EUR' END,
       (ARRAY['company','customer','disputed'])[1 + (c.id % 3)],
       (c.received_at AT TIME ZONE 'Europe/Riga')::date + 10,
       NULL, now(), 'bench'
FROM claims c WHERE c.id % 3 = 0 AND c.created_by = 'bench';

ANALYZE;
"""

REPORTS = [
    ("summary, all claims (2 years)", "/api/v1/reports/summary", {}),
    (
        "summary, one month",
        "/api/v1/reports/summary",
        {"received_from": "2026-03-01", "received_to": "2026-03-31"},
    ),
    (
        "summary, one model, one year",
        "/api/v1/reports/summary",
        {"product_model": "BM-007", "received_from": "2025-01-01", "received_to": "2025-12-31"},
    ),
    ("summary as CSV", "/api/v1/reports/summary", {"format": "csv"}),
    (
        "recurring defects, default 90 days",
        "/api/v1/reports/recurring-defects",
        {"received_to": "2026-11-20"},
    ),
    (
        "recurring defects, one year",
        "/api/v1/reports/recurring-defects",
        {"received_from": "2025-06-01", "received_to": "2026-05-31"},
    ),
    ("costs 2025", "/api/v1/reports/costs", {"year": 2025}),
    ("costs 2025 as CSV", "/api/v1/reports/costs", {"year": 2025, "format": "csv"}),
    (
        "dashboard page",
        "/dashboard",
        {"received_from": "2026-08-01", "received_to": "2026-10-31", "year": 2026},
    ),
]


async def admin(url: str, sql: str) -> None:
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def migrate(url: str) -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic import command

    from app.cli import alembic_config

    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    command.upgrade(cfg, "head")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "CLAIMS_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--existing", metavar="DB", help="time a database seeded and kept before")
    args = parser.parse_args()

    name = args.existing or f"claims_bench_{os.getpid()}"
    url = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    if not args.existing:
        await admin(args.url, f'CREATE DATABASE "{name}"')
    try:
        if not args.existing:
            await asyncio.to_thread(migrate, url)
        settings = Settings(environment="test", database_url=url, log_level="WARNING")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            if not args.existing:
                async with app.state.engine.begin() as conn:
                    for statement in SEED.replace("%(claims)s", str(args.claims)).split(";\n"):
                        if statement.strip():
                            await conn.execute(text(statement))
            seeding = time.perf_counter() - started
            async with app.state.session_factory() as s:
                counts = (
                    await (await s.connection()).execute(
                        text(
                            "SELECT (SELECT count(*) FROM claims),"
                            " (SELECT count(*) FROM claim_costs)"
                        )
                    )
                ).one()
                key = (await create_key(s, name="bench", roles=[Role.auditor])).key
                # Calibration: a bare scan of the claims, to judge how loaded the machine is
                # (about 5-10 ms on an idle machine).
                scans = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    await (await s.connection()).execute(text("SELECT count(*) FROM claims"))
                    scans.append((time.perf_counter() - t0) * 1000)
            print(
                f"database {name}: {counts[0]:,} claims and {counts[1]:,} costs"
                f"{f' (seeded in {seeding:.1f} s)' if not args.existing else ''}; "
                f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
                f"SELECT count(*) FROM claims: {statistics.median(scans):.0f} ms\n"
            )

            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://bench",
                headers={"X-API-Key": key},
                timeout=120,
            ) as client:
                print(
                    f"{'report':40} {'first':>8} {'median':>8} {'best':>8}  (ms, {args.runs} runs)"
                )
                for label, path, params in REPORTS:
                    times = []
                    for _ in range(args.runs):
                        t0 = time.perf_counter()
                        response = await client.get(path, params=params)
                        times.append((time.perf_counter() - t0) * 1000)
                        assert response.status_code == 200, response.text[:500]
                    print(
                        f"{label:40} {times[0]:8.0f} {statistics.median(times):8.0f} "
                        f"{min(times):8.0f}"
                    )
    finally:
        if not args.keep and not args.existing:
            await admin(args.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
