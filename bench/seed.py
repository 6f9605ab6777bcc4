"""Bulk data for the benchmarks: customers, models, units and claims with the spreads a
manufacturer's register has after ten years (issue 20).

The claims are generated here and loaded with COPY (asyncpg's copy_records_to_table): a million
in a few minutes on the 2-core bench machine. The secondary indexes of the loaded tables are
dropped before the load and built again after it, which is several times faster than keeping
them up to date row by row. The same function fills the service's database (after its
migrations) and the baseline's (after bench/baseline.py's DDL), so both list from identical
tables; the rows only the service has (costs, counters) are written where their tables exist.

    python bench/seed.py --dsn postgresql://postgres@127.0.0.1:5432/claims_1m --claims 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import asyncpg

MODELS = 40
UNITS = 100_000
YEARS = 10
# Customers grow with the register: one per 20 claims, never fewer than bench/fixtures.py's
# returning contacts (customer0..5999@example.com draw from the first 5,000).
MIN_CUSTOMERS = 5000
LANGUAGES = ["ru", "lv", "en", "bg"]
# The statuses bench/service.py and bench/listing_cpu.py list: each must keep thousands of rows.
OPEN_STATES = {
    "new": 14,
    "design_review": 14,
    "remedy": 12,
    "awaiting_customer_info": 10,
    "inspection": 8,
    "repair": 8,
    "field_service": 6,
    "awaiting_return": 5,
    "replacement": 4,
    "disputed": 3,
    "awaiting_withdrawal": 2,
}
CHANNELS = {"web": 40, "email": 30, "phone": 20, "internal": 10}
CAUSES = {
    "manufacturing_defect": 35,
    "wear": 20,
    "misuse": 18,
    "design_defect": 10,
    "undetermined": 12,
    "needs_info": 5,
}
RESOLUTIONS = {
    "repaired": 38,
    "replaced": 17,
    "explained": 14,
    "fixed_by_recommendations": 10,
    "rejected": 11,
    "declined_paid_repair": 4,
    "withdrawn": 4,
    "duplicate": 2,
}
BEARER = {
    "manufacturing_defect": "manufacturer",
    "design_defect": "manufacturer",
    "misuse": "customer",
    "wear": "customer",
}
OWNERS = ["anna.berzina", "ivan.petrov", "maria.georgieva", "janis.ozols", "olga.smirnova"]
# A claim stays open for weeks: older ones are closed, bar a few disputes.
OPEN_DAYS = 120

# The customer's words, in the customer's language; {e} is an error code, {n} a number.
DESCRIPTIONS = {
    "en": [
        "The pump stops after a few minutes of operation, error E{e}.",
        "Water leaks at the shaft seal, about {n} ml a day.",
        "The motor overheats and switches off after {n} minutes.",
        "Loud noise and vibration at full speed since the last service.",
        "The display shows error E{e} after a power cut.",
        "The control board smells of smoke; the unit does not start.",
    ],
    "lv": [
        "Sūknis apstājas pēc dažām minūtēm, kļūda E{e}.",
        "Pie vārpstas blīvējuma tek ūdens, apmēram {n} ml dienā.",
        "Motors pārkarst un izslēdzas pēc {n} minūtēm.",
        "Pilnā ātrumā dzirdams troksnis un vibrācija.",
        "Pēc strāvas pārrāvuma displejā kļūda E{e}.",
        "Vadības plate smird pēc dūmiem, iekārta neieslēdzas.",
    ],
    "ru": [
        "Насос останавливается через несколько минут работы, ошибка E{e}.",
        "Протекает уплотнение вала, около {n} мл в сутки.",
        "Двигатель перегревается и отключается через {n} минут.",
        "Сильный шум и вибрация на полной скорости.",
        "После отключения электричества на дисплее ошибка E{e}.",
        "Плата управления пахнет гарью, насос не включается.",
    ],
    "bg": [
        "Помпата спира след няколко минути работа, грешка E{e}.",
        "Тече вода от уплътнението на вала, около {n} ml на ден.",
        "Двигателят прегрява и изключва след {n} минути.",
        "Силен шум и вибрации при пълна скорост.",
        "След спиране на тока дисплеят показва грешка E{e}.",
        "Платката мирише на изгоряло, помпата не тръгва.",
    ],
}
TITLES = ["stops", "leaks", "overheats", "noise", "error on display", "does not start"]

CLAIM_COLUMNS = [
    "number",
    "year",
    "seq",
    "channel",
    "state",
    "customer_id",
    "contact_id",
    "owner",
    "unit_id",
    "product_model_id",
    "reported_serial",
    "title",
    "defect_description",
    "language",
    "received_at",
    "ack_due_date",
    "ack_deadline_date",
    "acknowledged_at",
    "defect_cause",
    "cost_bearer",
    "resolution",
    "closed_at",
    "created_by",
    "created_at",
    "updated_at",
    "version",
]


def customer_count(claims: int) -> int:
    return max(MIN_CUSTOMERS, claims // 20)


# A third of the customers are organisations ('SIA Company N', named by their contact
# 'Customer N'), the rest private persons ('Customer N'); each has one contact, who raises its
# claims: email customer<N-1>@example.com, phone +3712<N as 7 digits> (E.164). name_key is
# lower(name): the service's casefolded key for these ASCII names.
def reference(customers: int) -> list[str]:
    return [
        f"""
        INSERT INTO customers (id, kind, name, name_key, language, is_key_customer, created_at,
                               updated_at, version)
        SELECT g, CASE WHEN g % 3 = 0 THEN 'organisation' ELSE 'person' END, n, lower(n),
               (ARRAY{LANGUAGES!r})[1 + g % 4], g % 50 = 0, now(), now(), 1
        FROM generate_series(1, {customers}) AS g,
             LATERAL (SELECT CASE WHEN g % 3 = 0 THEN 'SIA Company ' ELSE 'Customer ' END || g
                      AS n) AS names
        """,
        f"""
        INSERT INTO contacts (id, customer_id, name, email, phone, created_at, updated_at)
        SELECT g, g, 'Customer ' || g, 'customer' || (g - 1) || '@example.com',
               '+3712' || lpad(g::text, 7, '0'), now(), now()
        FROM generate_series(1, {customers}) AS g
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


# Unit g (id g + 1 in a fresh table) is serial SN-<g as 8 digits> of model 1 + g % MODELS.
UNITS_SQL = f"""
INSERT INTO units (serial_number, product_model_id, sale_date, commissioning_date, owner_name,
                   warranty_extension_months, created_at, updated_at)
SELECT 'SN-' || lpad(g::text, 8, '0'), 1 + g % {MODELS}, current_date - (g % 1000),
       NULL, 'Customer ' || (1 + g % {MIN_CUSTOMERS}), 0, now(), now()
FROM generate_series(0, {UNITS - 1}) AS g
"""

EVENTS_SQL = """
INSERT INTO claim_events (claim_id, at, actor, action, from_state, to_state, payload)
SELECT id, received_at, 'seed', 'register', NULL, 'new', json_build_object('channel', channel)
FROM claims
"""

# Repairs and replacements cost something: one entry, a third of them a second (transport).
# The claim's model is copied here: the load runs as `replica`, which skips the trigger that
# copies it otherwise (migration `cost_models`).
COSTS_SQL = """
INSERT INTO claim_costs (claim_id, product_model_id, kind, amount, currency, cost_bearer,
                         incurred_on, note, recorded_at, recorded_by)
SELECT c.id, c.product_model_id, k.kind, round((20 + (c.id::bigint * 7919 % 2000) + k.n * 13)::numeric, 2),
       CASE WHEN c.id % 20 = 0 THEN 'USD' ELSE 'EUR' END,
       coalesce(c.cost_bearer, 'manufacturer'),
       (c.closed_at AT TIME ZONE 'Europe/Riga')::date, NULL, c.closed_at, 'seed'
FROM claims c
CROSS JOIN LATERAL (VALUES (1, CASE WHEN c.resolution = 'replaced' THEN 'replacement'
                                    ELSE 'repair' END),
                           (2, 'transport')) AS k(n, kind)
WHERE c.resolution IN ('repaired', 'replaced') AND (k.n = 1 OR c.id % 3 = 0)
"""

COUNTERS_SQL = """
INSERT INTO counters (name, year, value)
SELECT 'claim', year, max(seq) FROM claims GROUP BY year
ON CONFLICT (name, year) DO UPDATE SET value = GREATEST(counters.value, EXCLUDED.value)
"""


def _pick(rng: random.Random, weights: dict[str, int]) -> Iterator[str]:
    """An endless stream of keys drawn by weight (cheaper than rng.choices per row)."""
    keys, cum = list(weights), []
    total = 0
    for w in weights.values():
        total += w
        cum.append(total)
    while True:
        yield from rng.choices(keys, cum_weights=cum, k=4096)


def claim_rows(claims: int, customers: int, *, units: bool, now: datetime) -> Iterator[tuple]:
    """The claims, oldest first, numbered per year (CLM-<year>-<seq>, six digits at least and
    never cut: CLM-2026-1000000 after 999999, like app/claims/numbering.py format_number).

    Received over the last YEARS years with growth (twice as many claims in the last year as in
    the first); claims older than OPEN_DAYS closed, bar a few disputes; a skewed spread of
    customers (key customers claim more) and models."""
    rng = random.Random(20)
    span = YEARS * 365.25 * 86400
    # Density proportional to 1 + t over t in [0, 1] (t = 1 now): the inverse of its CDF.
    ages = sorted(
        (1 - (math.sqrt(1 + 3 * rng.random()) - 1)) * span for _ in range(claims)
    )  # ages in seconds, newest first
    ages.reverse()
    open_states = _pick(rng, OPEN_STATES)
    channels = _pick(rng, CHANNELS)
    causes = _pick(rng, CAUSES)
    resolutions = _pick(rng, RESOLUTIONS)
    seq: dict[int, int] = {}
    day = timedelta(days=1)
    for age in ages:
        received = now - timedelta(seconds=int(age))
        year = received.year
        n = seq[year] = seq.get(year, 0) + 1
        customer = 1 + int(customers * rng.random() ** 2)
        language = LANGUAGES[customer % 4]
        if units and rng.random() < 0.6:
            g = rng.randrange(UNITS)
            unit, model, serial = g + 1, 1 + g % MODELS, f"SN-{g:08d}"
        else:
            unit, model = None, 1 + int(MODELS * rng.random() ** 1.5)
            serial = f"SN-{UNITS + rng.randrange(10 * UNITS):08d}" if rng.random() < 0.8 else None
        days_old = age / 86400
        closed = rng.random() < (0.995 if days_old > OPEN_DAYS else days_old / 150)
        state = "closed" if closed else next(open_states)
        ack = None
        if state != "new" and rng.random() < 0.95:
            ack = received + timedelta(seconds=int(rng.expovariate(1 / 100_000)))
        cause = resolution = bearer = closed_at = None
        if closed or rng.random() < 0.3 and state not in ("new", "design_review"):
            cause = next(causes) if rng.random() < 0.9 else None
            bearer = BEARER.get(cause or "")
        if closed:
            resolution = next(resolutions)
            closed_at = min(
                received + timedelta(days=2 + rng.lognormvariate(2.5, 0.8)), now - timedelta(1)
            )
            closed_at = max(closed_at, ack or received)
        kind = rng.randrange(6)
        text = DESCRIPTIONS[language][kind].format(e=rng.randrange(10, 99), n=rng.randrange(5, 90))
        local_day: date = (received + timedelta(hours=2)).date()
        yield (
            f"CLM-{year}-{n:06d}",
            year,
            n,
            next(channels),
            state,
            customer,
            customer,
            None if state == "new" else OWNERS[customer % len(OWNERS)],
            unit,
            model,
            serial,
            f"Pump PUMP-{model - 1} {TITLES[kind]}",
            text,
            language,
            received,
            local_day + 3 * day,
            local_day + 5 * day,
            ack,
            cause,
            bearer,
            resolution,
            closed_at,
            "seed",
            received,
            closed_at or ack or received,
            1,
        )


async def _exists(conn: asyncpg.Connection, table: str) -> bool:
    return await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table)


async def _drop_indexes(conn: asyncpg.Connection, tables: list[str]) -> list[str]:
    """Drop the secondary indexes of `tables` (not the primary keys and unique constraints,
    which the load needs); return their definitions to build them again."""
    rows = await conn.fetch(
        """
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
        FROM pg_index i
        WHERE i.indrelid = ANY($1::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        tables,
    )
    for row in rows:
        await conn.execute(f"DROP INDEX {row['name']}")
    return [row["ddl"] for row in rows]


async def seed(
    conn: asyncpg.Connection, *, claims: int, units: bool, verbose: bool = False
) -> dict[str, float]:
    """Customers with a contact each, models, (units), claims with one audit event each, costs
    of repairs and the claim counters (where those tables exist); then ANALYZE. Returns the
    seconds each step took."""
    timings: dict[str, float] = {}

    async def step(name: str, *statements: str) -> None:
        t0 = time.perf_counter()
        for statement in statements:
            await conn.execute(statement)
        timings[name] = time.perf_counter() - t0
        if verbose:
            print(f"  {name}: {timings[name]:.1f} s", flush=True)

    customers = customer_count(claims)
    await conn.execute("SET maintenance_work_mem = '512MB'")
    await step("customers, contacts, models", *reference(customers))
    if units:
        await step("units", UNITS_SQL)
    if not claims:
        await step("analyze", "ANALYZE")
        return timings
    costs = await _exists(conn, "claim_costs")
    loaded = ["claims", "claim_events"] + (["claim_costs"] if costs else [])
    t0 = time.perf_counter()
    indexes = await _drop_indexes(conn, loaded)
    timings["drop indexes"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    # The rows reference what the seed itself wrote: skipping the foreign keys' per-row checks
    # (triggers) of the claims, events and costs halves the load. Only a superuser may; anyone
    # else loads with the checks.
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await conn.execute("SET session_replication_role = replica")
    await conn.copy_records_to_table(
        "claims",
        records=claim_rows(claims, customers, units=units, now=now),
        columns=CLAIM_COLUMNS,
    )
    timings["claims (generate + COPY)"] = time.perf_counter() - t0
    if verbose:
        print(f"  claims (generate + COPY): {timings['claims (generate + COPY)']:.1f} s")
    await step("claim events", EVENTS_SQL)
    if costs:
        await step("claim costs", COSTS_SQL)
    if await _exists(conn, "counters"):
        await step("counters", COUNTERS_SQL)
    await conn.execute("RESET session_replication_role")
    await step(f"build {len(indexes)} indexes", *indexes)
    await step("analyze", "ANALYZE")
    return timings


SIZES_SQL = """
SELECT c.relname AS name, c.relkind::text AS kind, t.relname AS tbl,
       pg_relation_size(c.oid) AS own, pg_total_relation_size(c.oid) AS total,
       CASE WHEN c.relkind = 'r' THEN pg_indexes_size(c.oid) END AS indexes
FROM pg_class c
LEFT JOIN pg_index i ON i.indexrelid = c.oid
LEFT JOIN pg_class t ON t.oid = coalesce(i.indrelid, c.oid)
WHERE t.relname = ANY($1::text[]) AND c.relkind IN ('r', 'i')
ORDER BY t.relname, c.relkind DESC, pg_relation_size(c.oid) DESC
"""

SIZED = ["claims", "claim_events", "claim_costs", "customers", "contacts", "units"]


def mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB"


async def sizes(conn: asyncpg.Connection) -> str:
    """The database's size, each table's (heap, indexes, total) and each claims index's."""
    lines = [f"database: {mb(await conn.fetchval('SELECT pg_database_size(current_database())'))}"]
    for row in await conn.fetch(SIZES_SQL, SIZED):
        if row["kind"] == "r":
            lines.append(
                f"{row['name']}: heap {mb(row['own'])}, indexes {mb(row['indexes'])}, "
                f"total {mb(row['total'])}"
            )
        elif row["tbl"] == "claims":
            lines.append(f"  {row['name']}: {mb(row['own'])}")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True, help="a database migrated to head, empty")
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--no-units", action="store_true")
    args = parser.parse_args()
    conn = await asyncpg.connect(args.dsn)
    try:
        t0 = time.perf_counter()
        await seed(conn, claims=args.claims, units=not args.no_units, verbose=True)
        print(f"seeded {args.claims:,} claims in {time.perf_counter() - t0:.0f} s")
        print(await sizes(conn))
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
