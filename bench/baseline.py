"""Baseline for the benchmarks: the same database work as the service, nothing else.

A minimal FastAPI app on raw asyncpg with a pool. It is not part of the service and
imports nothing from `app`: its tables mirror the service's `claims` and
`audit_events` tables, created by `setup` in its own database.

    python bench/baseline.py setup --dsn postgresql://postgres@127.0.0.1/bench_base --seed 100000
    CLAIMS_BASELINE_DSN=... uvicorn --app-dir bench baseline:app --port 8101

POST /claims: one transaction inserting the claim row and its audit row.
GET  /claims: the service's filtered, 50-row listing SELECT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DDL = """
CREATE TABLE IF NOT EXISTS claims (
    id BIGSERIAL PRIMARY KEY,
    number VARCHAR(32) NOT NULL UNIQUE,
    status VARCHAR(40) NOT NULL,
    channel VARCHAR(16) NOT NULL,
    customer_name VARCHAR(200) NOT NULL,
    customer_email VARCHAR(320),
    product_model VARCHAR(100) NOT NULL,
    serial_number VARCHAR(100) NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS ix_claims_status_created ON claims (status, created_at, id);
CREATE TABLE IF NOT EXISTS audit_events (
    id BIGSERIAL PRIMARY KEY,
    claim_id BIGINT NOT NULL REFERENCES claims (id),
    actor VARCHAR(200) NOT NULL,
    action VARCHAR(64) NOT NULL,
    from_state VARCHAR(40),
    to_state VARCHAR(40),
    payload JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_audit_events_claim_id ON audit_events (claim_id);
CREATE SEQUENCE IF NOT EXISTS claim_numbers;
"""

SEED = """
INSERT INTO claims (number, status, channel, customer_name, customer_email, product_model,
                    serial_number, description, created_at, updated_at)
SELECT format('CLM-2025-%s', lpad(g::text, 6, '0')),
       (ARRAY['new','design_review','remedy','closed','awaiting_customer_info'])[1 + g % 5],
       (ARRAY['web','phone','email','internal'])[1 + g % 4],
       'Customer ' || (g % 5000),
       'customer' || (g % 5000) || '@example.com',
       'PUMP-' || (g % 40),
       'SN-' || lpad(g::text, 8, '0'),
       'The unit stops after a few minutes of operation; error E' || (g % 90),
       now() - make_interval(mins => g),
       now() - make_interval(mins => g)
FROM generate_series(1, $1::int) AS g
"""

INSERT_CLAIM = """
INSERT INTO claims (number, status, channel, customer_name, customer_email, product_model,
                    serial_number, description, created_at, updated_at)
VALUES ('CLM-' || extract(year from $7::timestamptz)::int || '-'
        || lpad(nextval('claim_numbers')::text, 6, '0'), 'new', $1, $2, $3, $4, $5, $6, $7, $7)
RETURNING id, number
"""
INSERT_AUDIT = """
INSERT INTO audit_events (claim_id, actor, action, from_state, to_state, payload, created_at)
VALUES ($1, $2, 'create', NULL, 'new', $3::jsonb, $4)
"""
LIST = """
SELECT id, number, status, channel, customer_name, customer_email, product_model,
       serial_number, description, created_at, updated_at, version
FROM claims
WHERE status = $1
ORDER BY created_at DESC, id DESC
LIMIT 51
"""

pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(_: FastAPI):
    global pool
    dsn = os.environ["CLAIMS_BASELINE_DSN"]
    size = int(os.environ.get("CLAIMS_BASELINE_POOL", "10"))
    pool = await asyncpg.create_pool(dsn, min_size=size, max_size=size)
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/claims", status_code=201)
async def create_claim(request: Request) -> dict[str, object]:
    body = await request.json()
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            INSERT_CLAIM,
            body["channel"],
            body["customer"]["name"],
            body["customer"].get("email"),
            body["product"]["model"],
            body["product"]["serial_number"],
            body["description"],
            now,
        )
        await conn.execute(
            INSERT_AUDIT, row["id"], "bench", json.dumps({"channel": body["channel"]}), now
        )
    return {"id": row["id"], "number": row["number"], "status": "new"}


@app.get("/claims")
async def list_claims(status: str = "new", limit: int = 50) -> JSONResponse:
    async with pool.acquire() as conn:
        rows = await conn.fetch(LIST, status)
    items = [dict(r) for r in rows[:limit]]
    for item in items:
        item["created_at"] = item["created_at"].isoformat()
        item["updated_at"] = item["updated_at"].isoformat()
    return JSONResponse(
        {"items": items, "next_cursor": items[-1]["number"] if len(rows) > limit else None}
    )


async def setup(dsn: str, seed: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(DDL)
        if seed:
            await conn.execute(SEED, seed)
            await conn.execute("SELECT setval('claim_numbers', $1)", seed)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup", help="create the tables and seed claims")
    s.add_argument("--dsn", required=True)
    s.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.cmd == "setup":
        asyncio.run(setup(args.dsn, args.seed))


if __name__ == "__main__":
    main()
