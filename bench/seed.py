"""Bulk data for the benchmarks, generated inside PostgreSQL (generate_series): 100,000 claims
load in a few seconds. The same statements fill the service's database (after its migrations)
and the baseline's (after bench/baseline.py's DDL), so both list from identical tables."""

from __future__ import annotations

import asyncpg

CUSTOMERS = 5000
MODELS = 40
STATES = ["new", "design_review", "remedy", "awaiting_customer_info", "closed"]

# A third of the customers are organisations ('SIA Company N', named by their contact
# 'Customer N'), the rest private persons ('Customer N'); each has one contact, who raises its
# claims: email customer<N-1>@example.com (bench/fixtures.py draws customer0..5999, so most
# registrations come from a returning contact), phone +3712<N as 7 digits> (E.164).
# name_key is lower(name): the service's casefolded key for these ASCII names.
REFERENCE = [
    f"""
    INSERT INTO customers (id, kind, name, name_key, language, is_key_customer, created_at,
                           updated_at, version)
    SELECT g, CASE WHEN g % 3 = 0 THEN 'organisation' ELSE 'person' END, n, lower(n),
           (ARRAY['ru','lv','en','bg'])[1 + g % 4], g % 50 = 0, now(), now(), 1
    FROM generate_series(1, {CUSTOMERS}) AS g,
         LATERAL (SELECT CASE WHEN g % 3 = 0 THEN 'SIA Company ' ELSE 'Customer ' END || g AS n)
         AS names
    """,
    f"""
    INSERT INTO contacts (id, customer_id, name, email, phone, created_at, updated_at)
    SELECT g, g, 'Customer ' || g, 'customer' || (g - 1) || '@example.com',
           '+3712' || lpad(g::text, 7, '0'), now(), now()
    FROM generate_series(1, {CUSTOMERS}) AS g
    """,
    "SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers))",
    "SELECT setval(pg_get_serial_sequence('contacts', 'id'), (SELECT max(id) FROM contacts))",
    f"""
    INSERT INTO product_models (id, code, name, warranty_months, created_at)
    SELECT g, 'PUMP-' || (g - 1), 'Circulation pump PUMP-' || (g - 1), 24, now()
    FROM generate_series(1, {MODELS}) AS g
    """,
    "SELECT setval(pg_get_serial_sequence('product_models', 'id'), "
    "(SELECT max(id) FROM product_models))",
]

UNITS = f"""
INSERT INTO units (serial_number, product_model_id, sale_date, commissioning_date, owner_name,
                   warranty_extension_months, created_at, updated_at)
SELECT 'SN-' || lpad(g::text, 8, '0'), 1 + g % {MODELS}, current_date - (g % 1000),
       NULL, 'Customer ' || (1 + g % {CUSTOMERS}), 0, now(), now()
FROM generate_series(0, $1::int - 1) AS g
"""

# Claims numbered CLM-<this year>-000001..N, received one minute apart going back in time, each
# from its customer's contact. Six digits at least, never cut (CLM-2026-1000000 after 999999),
# like the service's numbering (app/claims/numbering.py format_number, intake_rows.number_sql).
CLAIMS = f"""
INSERT INTO claims (number, year, seq, channel, state, customer_id, contact_id, unit_id,
                    product_model_id, reported_model, reported_serial, title,
                    defect_description, language, received_at, ack_due_date, ack_deadline_date,
                    created_by, created_at, updated_at, version)
SELECT format('CLM-%s-%s', $2::int, lpad(g::text, GREATEST(6, length(g::text)), '0')), $2::int, g,
       (ARRAY['web','phone','email','internal'])[1 + g % 4],
       (ARRAY{STATES!r})[1 + g % {len(STATES)}],
       1 + g % {CUSTOMERS}, 1 + g % {CUSTOMERS}, NULL, 1 + g % {MODELS}, NULL,
       'SN-' || lpad((g % 100000)::text, 8, '0'),
       'Pump PUMP-' || (g % {MODELS}) || ' stops',
       'The unit stops after a few minutes of operation, error E' || (g % 90) || '.',
       (ARRAY['ru','lv','en','bg'])[1 + g % 4],
       now() - make_interval(mins => g),
       (now() - make_interval(mins => g))::date + 3,
       (now() - make_interval(mins => g))::date + 5,
       'seed', now() - make_interval(mins => g), now() - make_interval(mins => g), 1
FROM generate_series(1, $1::int) AS g
"""

EVENTS = """
INSERT INTO claim_events (claim_id, at, actor, action, from_state, to_state, payload)
SELECT id, received_at, 'seed', 'register', NULL, 'new', json_build_object('channel', channel)
FROM claims
"""


async def seed(conn: asyncpg.Connection, *, claims: int, year: int, units: bool) -> None:
    """Customers with a contact each, models, (units), claims with one audit event each;
    then ANALYZE."""
    for statement in REFERENCE:
        await conn.execute(statement)
    if units:
        await conn.execute(UNITS, 100_000)
    if claims:
        await conn.execute(CLAIMS, claims, year)
        await conn.execute(EVENTS)
    await conn.execute("ANALYZE")
