"""Baseline for the benchmarks: the same database work as the service, nothing else.

A minimal FastAPI app on raw asyncpg with a pool. It is not part of the service and
imports nothing from `app`: its tables mirror the service's `claims` and `claim_events`
(and the `customers`, `contacts` and `product_models` the listing joins), created by `setup` in
its own database and filled by bench/seed.py.

    python bench/baseline.py setup --dsn postgresql://postgres@127.0.0.1/bench_base --seed 100000
    CLAIMS_BASELINE_DSN=... uvicorn --app-dir bench baseline:app --port 8101

POST /claims: one transaction inserting the claim row (customer 1 and its contact) and its
             audit row; it reads the same JSON body as the service and validates nothing.
GET  /claims: the service's filtered listing SELECT (50 rows) with the same JSON fields.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import seed
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

# The service's tables as its migration creates them (columns, keys, indexes), minus the
# ones intake and listing do not touch.
DDL = """
CREATE TABLE IF NOT EXISTS customers (
    id SERIAL PRIMARY KEY, name VARCHAR(200) NOT NULL, language VARCHAR(8) NOT NULL,
    is_key_customer BOOLEAN NOT NULL, created_at TIMESTAMPTZ NOT NULL,
    kind VARCHAR(16) NOT NULL DEFAULT 'person', short_name VARCHAR(200),
    name_key VARCHAR(300), short_name_key VARCHAR(200), registration_number VARCHAR(40),
    vat_number VARCHAR(40), street VARCHAR(300), city VARCHAR(120), postcode VARCHAR(20),
    country VARCHAR(2), notes TEXT, merged_into_id INTEGER REFERENCES customers (id),
    updated_at TIMESTAMPTZ NOT NULL, version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS ix_customers_name_key ON customers (name_key);
CREATE INDEX IF NOT EXISTS ix_customers_short_name_key ON customers (short_name_key);
CREATE INDEX IF NOT EXISTS ix_customers_registration_number ON customers (registration_number);
CREATE TABLE IF NOT EXISTS contacts (
    id SERIAL PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    name VARCHAR(300) NOT NULL,
    given_name VARCHAR(100),
    patronymic VARCHAR(100),
    surname VARCHAR(100),
    position VARCHAR(200),
    gender VARCHAR(8),
    email VARCHAR(320),
    phone VARCHAR(40),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_contacts_customer_id ON contacts (customer_id);
CREATE INDEX IF NOT EXISTS ix_contacts_email ON contacts (email);
CREATE INDEX IF NOT EXISTS ix_contacts_phone ON contacts (phone);
CREATE TABLE IF NOT EXISTS product_models (
    name VARCHAR(200) NOT NULL, warranty_months INTEGER NOT NULL, id SERIAL PRIMARY KEY,
    code VARCHAR(64) NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    id SERIAL PRIMARY KEY,
    number VARCHAR(20) NOT NULL UNIQUE,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    channel VARCHAR(16) NOT NULL,
    state VARCHAR(40) NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    unit_id INTEGER,
    product_model_id INTEGER REFERENCES product_models (id),
    reported_model VARCHAR(200),
    reported_serial VARCHAR(64),
    purchase_date DATE,
    title VARCHAR(300),
    defect_description TEXT NOT NULL,
    language VARCHAR(8) NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    ack_due_date DATE NOT NULL,
    ack_deadline_date DATE NOT NULL,
    acknowledged_at TIMESTAMPTZ,
    warranty_status VARCHAR(20),
    warranty_end_date DATE,
    warranty_reasons JSON,
    defect_cause VARCHAR(40),
    cost_bearer VARCHAR(20),
    resolution VARCHAR(40),
    closed_at TIMESTAMPTZ,
    call_details JSON,
    internal_source VARCHAR(200),
    external_reference VARCHAR(100),
    created_by VARCHAR(100) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL,
    contact_id INTEGER REFERENCES contacts (id),
    owner VARCHAR(100),
    defect_statement TEXT,
    customer_discrepancies JSON
);
CREATE INDEX IF NOT EXISTS ix_claims_channel ON claims (channel);
CREATE INDEX IF NOT EXISTS ix_claims_contact_id ON claims (contact_id);
CREATE INDEX IF NOT EXISTS ix_claims_owner ON claims (owner);
CREATE INDEX IF NOT EXISTS ix_claims_customer_id ON claims (customer_id);
CREATE INDEX IF NOT EXISTS ix_claims_defect_cause ON claims (defect_cause);
CREATE INDEX IF NOT EXISTS ix_claims_product_model_id ON claims (product_model_id);
CREATE INDEX IF NOT EXISTS ix_claims_received_at_id ON claims (received_at, id);
CREATE INDEX IF NOT EXISTS ix_claims_reported_serial ON claims (reported_serial);
CREATE INDEX IF NOT EXISTS ix_claims_state_received_at_id ON claims (state, received_at, id);
CREATE INDEX IF NOT EXISTS ix_claims_unit_id ON claims (unit_id);
CREATE UNIQUE INDEX IF NOT EXISTS ix_claims_year_seq ON claims (year, seq);
CREATE TABLE IF NOT EXISTS claim_events (
    id SERIAL PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims (id),
    at TIMESTAMPTZ NOT NULL,
    actor VARCHAR(100) NOT NULL,
    action VARCHAR(60) NOT NULL,
    from_state VARCHAR(40),
    to_state VARCHAR(40),
    payload JSON
);
CREATE INDEX IF NOT EXISTS ix_claim_events_claim_id ON claim_events (claim_id);
CREATE SEQUENCE IF NOT EXISTS claim_seq;
"""

# The number comes from a plain sequence (the service keeps a gap-free counter row instead),
# formatted like the service's: six digits at least, never cut. Customer 1 and its contact 1
# (seeded): the baseline looks no customer up, as before the customers migration.
INSERT_CLAIM = """
INSERT INTO claims (number, year, seq, channel, state, customer_id, contact_id, reported_model,
                    reported_serial, title, defect_description, language, received_at,
                    ack_due_date, ack_deadline_date, created_by, created_at, updated_at, version)
SELECT 'CLM-' || $1::int || '-' || lpad(s::text, GREATEST(6, length(s::text)), '0'), $1::int, s,
       $2, 'new', 1, 1, $3, $4, $5, $6, $7, $8::timestamptz, $8::timestamptz::date + 3,
       $8::timestamptz::date + 5, 'bench', $8::timestamptz, $8::timestamptz, 1
FROM (SELECT nextval('claim_seq')::int AS s) AS n
RETURNING id, number
"""
INSERT_EVENT = """
INSERT INTO claim_events (claim_id, at, actor, action, from_state, to_state, payload)
VALUES ($1, $2, 'bench', 'register', NULL, 'new', $3::json)
"""
# The service's listing SELECT for one status (app/claims/listing.py `_PAGE`), as SQLAlchemy
# compiles it.
LIST = """
SELECT claims.id, claims.number, claims.channel, claims.state,
       customers.name AS customer_name, contacts.name AS contact_name, claims.owner,
       product_models.code AS model_code, claims.reported_serial AS serial_number, claims.title,
       claims.received_at, claims.ack_due_date, claims.acknowledged_at, claims.version
FROM claims JOIN customers ON claims.customer_id = customers.id
LEFT OUTER JOIN contacts ON claims.contact_id = contacts.id
LEFT OUTER JOIN product_models ON claims.product_model_id = product_models.id
WHERE claims.state IN ($1)
ORDER BY claims.received_at DESC, claims.id DESC
LIMIT $2
"""

pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(_: FastAPI):
    global pool
    dsn = os.environ["CLAIMS_BASELINE_DSN"]
    size = int(os.environ.get("CLAIMS_BASELINE_POOL", "20"))
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
    product = body.get("product") or {}
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            INSERT_CLAIM,
            now.year,
            body["channel"],
            product.get("model_name"),
            product.get("serial_number"),
            body.get("title"),
            body["defect_description"],
            body.get("language") or "ru",
            now,
        )
        await conn.execute(INSERT_EVENT, row["id"], now, json.dumps({"channel": body["channel"]}))
    return {"number": row["number"], "state": "new", "version": 1}


@app.get("/claims")
async def list_claims(status: str = "new", limit: int = 50) -> JSONResponse:
    async with pool.acquire() as conn:
        rows = await conn.fetch(LIST, status, limit + 1)
    items = [
        {
            "number": r["number"],
            "channel": r["channel"],
            "state": r["state"],
            "customer_name": r["customer_name"],
            "contact_name": r["contact_name"],
            "owner": r["owner"],
            "model_code": r["model_code"],
            "serial_number": r["serial_number"],
            "title": r["title"],
            "received_at": r["received_at"].isoformat(),
            "ack_due_date": r["ack_due_date"].isoformat(),
            "acknowledged_at": r["acknowledged_at"] and r["acknowledged_at"].isoformat(),
            "version": r["version"],
        }
        for r in rows[:limit]
    ]
    cursor = rows[limit - 1]["id"] if len(rows) > limit else None
    return JSONResponse({"items": items, "next_cursor": cursor})


async def setup(dsn: str, seed_claims: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(DDL)
        await seed.seed(conn, claims=seed_claims, units=False)
        await conn.execute("SELECT setval('claim_seq', $1::bigint + 1, false)", seed_claims)
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
