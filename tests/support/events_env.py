"""A database of its own for the events tests, with the real app on it.

The worker and the SLA sweep act on *every* due row and open claim; on the
shared test database they would deliver other tests' events and write SLA audit
events into other tests' claims. So the events tests get a fresh database
(PostgreSQL or SQLite, whichever the run uses), migrated with Alembic, and
their own app, client and API keys. Import the fixtures into a test module:

    from tests.support.events_env import events_env  # noqa: F401
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import SessionFactory
from app.enums import Role
from app.events.backoff import Backoff
from app.events.worker import Worker, WorkerConfig
from app.letters.delivery import record_email_outcome
from app.main import create_app
from tests.conftest import PG_ENV, _pg_admin, claim_payload, run_migrations
from tests.support.outbound import offline_policy


@dataclass
class EventsEnv:
    url: str
    settings: Settings
    app: Any
    client: httpx.AsyncClient
    factory: SessionFactory
    keys: dict[Any, str]

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    def auth(self, role: Role | str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}

    def worker(self, *, chores: Sequence[tuple[float, Any]] = (), **overrides: Any) -> Worker:
        """A worker with fast, jitter-free retries unless told otherwise."""
        config = dict(
            batch_size=50,
            poll_seconds=0.1,
            sla_sweep_seconds=0,
            webhook_timeout=0.5,
            backoff=Backoff(
                base_seconds=0, jitter=0, max_attempts=overrides.pop("max_attempts", 5)
            ),
            message_id_domain="claims.test",
            # The receivers listen on 127.0.0.1: the company's own systems, as far as the
            # outbound guard knows (the tests' CLAIMS_OUTBOUND_ALLOW).
            outbound=offline_policy(self.settings.outbound_allow),
        )
        config.update(overrides)
        # As `claims worker` does (app/runner.py): letters hear how their email went.
        return Worker(
            self.factory,
            WorkerConfig(**config),
            on_email_outcome=record_email_outcome,
            chores=chores,
        )

    async def new_claim(self, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/claims", json=claim_payload(**overrides), headers=self.auth(Role.intake)
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def subscribe(self, url: str, event_types: list[str], **extra: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/admin/webhooks",
            json={
                "name": f"test-{uuid.uuid4().hex[:6]}",
                "url": url,
                "event_types": event_types,
                **extra,
            },
            headers=self.auth(Role.admin),
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def unsubscribe_all(self) -> None:
        listed = await self.client.get("/api/v1/admin/webhooks", headers=self.auth(Role.admin))
        for sub in listed.json():
            await self.client.delete(
                f"/api/v1/admin/webhooks/{sub['id']}", headers=self.auth(Role.admin)
            )


@pytest.fixture(scope="session")
def events_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('events-db') / 'events.db'}"
        run_migrations(url)
        yield url
        return
    name = f"claims_events_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_admin(base, f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        run_migrations(url)
        yield url
    finally:
        asyncio.run(_pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
async def events_env(
    events_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[EventsEnv]:
    from app.auth.api_keys import create_key

    settings = Settings(
        environment="test",
        database_url=events_database_url,
        storage_dir=Path(tmp_path_factory.mktemp("events-storage")),
        log_json=True,
        log_level="WARNING",
        calendar_country="",  # weekends only: the tests count plain Monday-to-Friday weeks
        holidays=[],
        run_worker_in_process=False,
        resolution_target_working_days=10,
        reminder_after_days=7,
        reminder_max=2,
        sla_escalation_email="head@example.lv",
        email_message_id_domain="claims.test",
        outbound_allow=["127.0.0.1"],
    )
    application = create_app(settings)
    application.state.outbound = offline_policy(settings.outbound_allow)
    async with application.router.lifespan_context(application):
        keys: dict[Any, str] = {}
        async with application.state.session_factory() as s:
            for role in (Role.intake, Role.admin, Role.specialist):
                keys[role] = (await create_key(s, name=f"events-{role}", roles=[role])).key
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield EventsEnv(
                url=events_database_url,
                settings=settings,
                app=application,
                client=client,
                factory=application.state.session_factory,
                keys=keys,
            )
