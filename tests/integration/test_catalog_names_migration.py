"""The `catalog_names` migration: product models gain names per language and lose them again,
with the units and claims that point at them kept, both ways."""

import asyncio
import json
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin
from tests.integration.test_customers_migration import _alembic, _run

BEFORE = [
    "INSERT INTO product_models (id, code, name, warranty_months, created_at) "
    "VALUES (1, 'BU-7M', 'Control unit BU-7M', 24, '2026-01-05 10:00:00')",
    "INSERT INTO units (id, serial_number, product_model_id, warranty_extension_months, "
    "created_at, updated_at) VALUES (1, 'BU7M-1', 1, 0, '2026-01-05 10:00:00', "
    "'2026-01-05 10:00:00')",
]
NAMES = {"lv": "Vadības bloks BU-7M", "bg": "Блок за управление БУ-7М"}


def test_model_names_come_and_go(database_url: str, tmp_path: Path) -> None:
    postgres = database_url.startswith("postgresql")
    if postgres:
        name = f"claims_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(database_url, f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name, url = "", f"sqlite+aiosqlite:///{tmp_path / 'migration.db'}"
    try:
        _alembic(url, "upgrade", "mailh_review")
        asyncio.run(_run(url, *BEFORE))
        _alembic(url, "upgrade", "catalog_names")
        literal = json.dumps(NAMES, ensure_ascii=False).replace("'", "''")
        [_, rows] = asyncio.run(
            _run(
                url,
                f"UPDATE product_models SET names = '{literal}' WHERE id = 1",
                "SELECT code, names FROM product_models",
            )
        )
        stored = rows[0][1]
        assert (rows[0][0], json.loads(stored) if isinstance(stored, str) else stored) == (
            "BU-7M",
            NAMES,
        )
        _alembic(url, "downgrade", "mailh_review")
        [models, units] = asyncio.run(
            _run(url, "SELECT code, name FROM product_models", "SELECT serial_number FROM units")
        )
        assert [tuple(r) for r in models] == [("BU-7M", "Control unit BU-7M")]
        assert [tuple(r) for r in units] == [("BU7M-1",)]
        _alembic(url, "upgrade", "head")
    finally:
        if name:
            asyncio.run(_pg_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
