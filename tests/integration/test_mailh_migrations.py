"""The `mailh_tokens` and `mailh_review` migrations: stored message ids lose their angle
brackets (and ids that could carry a header are cleared), the Mailgun token table and the
review flag come and go, both ways."""

import asyncio
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin
from tests.integration.test_customers_migration import _alembic, _run

BEFORE = [
    "INSERT INTO customers (id, kind, name, language, is_key_customer, created_at, updated_at, "
    "version) VALUES (1, 'person', 'Jānis', 'lv', false, '2026-01-05 10:00:00', "
    "'2026-01-05 10:00:00', 1)",
    "INSERT INTO claims (id, number, year, seq, channel, state, customer_id, "
    "defect_description, language, received_at, ack_due_date, ack_deadline_date, created_by, "
    "created_at, updated_at, version) VALUES (1, 'CLM-2026-000001', 2026, 1, 'email', 'new', 1, "
    "'Stops.', 'lv', '2026-01-05 10:00:00', '2026-01-08', '2026-01-12', 'test', "
    "'2026-01-05 10:00:00', '2026-01-05 10:00:00', 1)",
    "INSERT INTO messages (id, claim_id, direction, channel, body, author, at, "
    "external_message_id, created_at) VALUES "
    "(1, 1, 'outbound', 'email', 'Letter', 'x', '2026-01-05 10:00:00', "
    "'<1.2.L-2026-000001@claims.example>', '2026-01-05 10:00:00'), "
    "(2, 1, 'inbound', 'email', 'Reply', 'x', '2026-01-05 11:00:00', 'plain@customer.example', "
    "'2026-01-05 11:00:00'), "
    "(3, 1, 'inbound', 'email', 'Hostile', 'x', '2026-01-05 12:00:00', "
    "'a' || char(13) || char(10) || 'Bcc: victim@example.com', '2026-01-05 12:00:00'), "
    "(4, 1, 'inbound', 'phone', 'Call', 'x', '2026-01-05 13:00:00', NULL, "
    "'2026-01-05 13:00:00')",
]

AFTER = "SELECT id, external_message_id FROM messages ORDER BY id"


def test_message_ids_lose_their_brackets_and_the_new_tables_come_and_go(
    database_url: str, tmp_path: Path
) -> None:
    postgres = database_url.startswith("postgresql")
    if postgres:
        name = f"claims_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(database_url, f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name, url = "", f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    before = [s.replace("char(", "chr(") if postgres else s for s in BEFORE]
    try:
        _alembic(url, "upgrade", "customers")
        asyncio.run(_run(url, *before))
        _alembic(url, "upgrade", "mailh_review")
        [rows, flags] = asyncio.run(
            _run(url, AFTER, "SELECT count(*) FROM messages WHERE needs_review")
        )
        assert [tuple(r) for r in rows] == [
            (1, "1.2.L-2026-000001@claims.example"),
            (2, "plain@customer.example"),
            (3, None),
            (4, None),
        ]
        assert flags == [(0,)]
        asyncio.run(
            _run(url, "INSERT INTO mailgun_tokens (token, seen_at) VALUES ('t', '2026-01-05')")
        )
        _alembic(url, "downgrade", "customers")
        [rows] = asyncio.run(_run(url, AFTER))
        assert len(rows) == 4
        _alembic(url, "upgrade", "head")
    finally:
        if name:
            asyncio.run(_pg_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
