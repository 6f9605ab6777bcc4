"""Test fixtures: a real database per run (PostgreSQL or SQLite), migrated with Alembic, and the
real app behind httpx's ASGITransport.

CLAIMS_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test runs on PostgreSQL:
a throwaway database is created next to the named one and dropped afterwards, so parallel runs
never collide. Without it the suite runs on a temporary SQLite file.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from app.config import Settings
from app.enums import Role
from app.main import create_app
from tests.support.outbound import offline_policy

PG_ENV = "CLAIMS_TEST_DATABASE_URL"


def _admin_dsn(url: str) -> tuple[str, str]:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(
        hide_password=False
    ), parsed.database or "test"


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    dsn, _ = _admin_dsn(url)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'claims.db'}"
        return
    name = f"claims_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def run_migrations(url: str, revision: str = "head") -> None:
    from alembic import command

    from app.cli import alembic_config

    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    command.upgrade(cfg, revision)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    run_migrations(database_url)
    return Settings(
        environment="test",
        database_url=database_url,
        storage_dir=Path(tmp_path_factory.mktemp("storage")),
        log_json=True,
        log_level="WARNING",
        calendar_country="",  # weekends only: the tests count plain Monday-to-Friday weeks
        holidays=[],
        # Letters may be emailed (else `send` answers 409); no worker runs here to call it.
        email_gateway_url="http://127.0.0.1:9/email",
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    application.state.outbound = offline_policy(settings.outbound_allow)  # no DNS in tests
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def db(app: Any) -> Any:
    """`await db(select(...))`: rows from a short transaction of its own (on SQLite a held
    transaction would hold the write lock, see app/db.py)."""

    async def fetch(statement: Any) -> list[Any]:
        async with app.state.session_factory() as s:
            return list((await s.execute(statement)).all())

    return fetch


@pytest.fixture(scope="session")
async def keys(app: Any) -> dict[Role, str]:
    """One API key per role, plus "all" holding every role."""
    from app.auth.api_keys import create_key

    result: dict[Any, str] = {}
    async with app.state.session_factory() as s:
        for role in Role:
            result[role] = (await create_key(s, name=f"test-{role}", roles=[role])).key
        result["all"] = (await create_key(s, name="test-all", roles=list(Role))).key
    return result


@pytest.fixture(scope="session")
def auth(keys: dict[Any, str]) -> Any:
    def headers(role: Role | str, **extra: str) -> dict[str, str]:
        return {"X-API-Key": keys[role], **extra}

    return headers


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commits = 0

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def statement_counter(engine: Any) -> Iterator[StatementCounter]:
    """Counts the SQL statements (and the commits) sent through `engine` meanwhile."""
    engine = getattr(engine, "sync_engine", engine)
    counter = StatementCounter()

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN")):
            counter.statements.append(statement)

    def commit(conn):  # type: ignore[no-untyped-def]
        counter.commits += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)


@pytest.fixture
def count_statements(app: Any) -> Any:
    """`with count_statements() as counter:` counts the SQL statements the app sends."""
    return lambda: statement_counter(app.state.engine)


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def claim_payload(**overrides: Any) -> dict[str, Any]:
    """A valid web claim with a customer nobody else uses."""
    tag = uuid.uuid4().hex[:10]
    payload: dict[str, Any] = {
        "channel": "web",
        "customer": {"name": f"Customer {tag}", "email": f"{tag}@example.lv", "language": "lv"},
        "product": {"model_name": "Pump", "serial_number": f"SN-{tag}"},
        "defect_description": "The pump stops after ten minutes of work.",
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def new_claim(client: httpx.AsyncClient, auth: Any) -> Any:
    async def create(**overrides: Any) -> dict[str, Any]:
        response = await client.post(
            "/api/v1/claims", json=claim_payload(**overrides), headers=auth(Role.intake)
        )
        assert response.status_code == 201, response.text
        return response.json()

    return create


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The fuzzer may revoke any API key it can reach (DELETE /admin/api-keys/{id}), including
    # the shared test keys: run it after everything else.
    items.sort(key=lambda item: "test_fuzz" in item.nodeid)
