"""The SLA sweep reminds corrective actions' owners (issue 19, part 2): of overdue tasks at
most once per task per day, of due effectiveness checks at most once per record per day, as
outbox events delivered to webhook subscribers, counted in the sweep's result, and written to
the record's audit trail. On a database of its own (tests/support/events_env.py), both
databases."""

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from app.auth.api_keys import create_key
from app.enums import CorrectiveState, CorrectiveTaskKind, CorrectiveTaskStatus, Role
from app.models.corrective import CorrectiveAction, CorrectiveEvent
from app.models.system import OutboxEvent
from app.sla import service as sla_service
from tests.corrective_data import make_action, overdue_task, tasks_of
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.receiver import Receiver

DAY = timedelta(days=1)
TASK_OVERDUE = "corrective_action.task_overdue"
EFFECTIVENESS_DUE = "corrective_action.effectiveness_due"


@pytest.fixture
async def env(events_env: EventsEnv) -> AsyncIterator[EventsEnv]:  # noqa: F811
    yield events_env
    await events_env.unsubscribe_all()
    async with events_env.factory() as s:
        await s.execute(
            update(OutboxEvent).where(OutboxEvent.status == "pending").values(status="delivered")
        )
        await s.commit()


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def local_today(env: EventsEnv, now: datetime) -> date:
    return now.astimezone(ZoneInfo(env.settings.timezone)).date()


async def sweep(env: EventsEnv, now: datetime) -> sla_service.SweepResult:
    async with env.factory() as s:
        return await sla_service.sweep(s, settings=env.settings, now=now)


async def events(env: EventsEnv, event_type: str, number: str) -> list[OutboxEvent]:
    async with env.factory() as s:
        rows = (
            await s.execute(
                select(OutboxEvent)
                .where(col(OutboxEvent.type) == event_type)
                .order_by(col(OutboxEvent.id))
            )
        ).scalars()
        return [r for r in rows if r.payload.get("number") == number]


async def audit(env: EventsEnv, ca_id: int) -> list[CorrectiveEvent]:
    async with env.factory() as s:
        rows = await s.execute(
            select(CorrectiveEvent)
            .where(col(CorrectiveEvent.corrective_action_id) == ca_id)
            .order_by(col(CorrectiveEvent.id))
        )
        return list(rows.scalars())


async def test_overdue_tasks_are_reminded_once_a_day(env: EventsEnv) -> None:
    now = datetime.now(UTC)
    today = local_today(env, now)
    async with env.factory() as s:
        await create_key(
            s,
            name="sweep-design",
            roles=[Role.design],
            full_name="Ivan Petrov",
            email="i.petrov@example.lv",
        )
    ca = await make_action(
        env.app,
        owner="sweep-head",
        state=CorrectiveState.implementing,
        tasks=[
            overdue_task("sweep-design", today - 3 * DAY),  # reminded
            overdue_task(None, today - DAY, status=CorrectiveTaskStatus.planned),  # the record's
            overdue_task("x", today),  # due today: not yet overdue
            overdue_task("x", today + DAY),
            overdue_task("x", None),
            overdue_task("x", today - 9 * DAY, status=CorrectiveTaskStatus.done),
            overdue_task("x", today - 9 * DAY, status=CorrectiveTaskStatus.cancelled),
        ],
    )
    cancelled = await make_action(
        env.app,
        state=CorrectiveState.cancelled,
        tasks=[overdue_task("x", today - 5 * DAY)],
    )

    result = await sweep(env, now)
    assert result.task_reminders >= 2
    first, second = await events(env, TASK_OVERDUE, ca.number)
    tasks = await tasks_of(env.app, ca.id)  # type: ignore[arg-type]
    assert first.payload["task_id"] == tasks[0].id
    assert first.payload["owner"] == "sweep-design"
    assert first.payload["owner_name"] == "Ivan Petrov"
    assert first.payload["owner_email"] == "i.petrov@example.lv"
    assert first.payload["task"] == "Change the supplier of the seal"
    assert first.payload["task_kind"] == CorrectiveTaskKind.corrective
    assert first.payload["due_date"] == (today - 3 * DAY).isoformat()
    assert first.payload["days_overdue"] == 3
    assert first.payload["record_owner"] == "sweep-head"
    assert first.claim_id is None and first.status == "pending"
    # A task without an owner of its own: the record's owner is reminded.
    assert second.payload["task_id"] == tasks[1].id and second.payload["owner"] == "sweep-head"
    assert "owner_email" not in second.payload  # no key of that name: nothing invented
    assert [t.reminded_on for t in tasks] == [today, today, None, None, None, None, None]
    assert await events(env, TASK_OVERDUE, cancelled.number) == []
    trail = await audit(env, ca.id)  # type: ignore[arg-type]
    assert [e.action for e in trail] == ["task_overdue_reminded"] * 2
    assert trail[0].actor == "system:sla" and trail[0].payload["task_id"] == tasks[0].id

    # Later the same day: nothing again.
    again = await sweep(env, now + timedelta(minutes=5))
    assert len(await events(env, TASK_OVERDUE, ca.number)) == 2
    assert again.task_reminders == 0

    # The next day, once more for each task still open, and for the one due today.
    async with env.factory() as s:
        await s.execute(
            update(type(tasks[1]))
            .where(col(type(tasks[1]).id) == tasks[1].id)
            .values(status=CorrectiveTaskStatus.done)
        )
        await s.commit()
    tomorrow = await sweep(env, now + DAY)
    assert tomorrow.task_reminders >= 1
    reminded = await events(env, TASK_OVERDUE, ca.number)
    ids = [tasks[0].id, tasks[1].id, tasks[0].id, tasks[2].id]
    assert [e.payload["task_id"] for e in reminded] == ids
    assert [e.payload["days_overdue"] for e in reminded[2:]] == [4, 1]


async def test_due_effectiveness_checks_are_reminded_once_a_day(env: EventsEnv) -> None:
    now = datetime.now(UTC)
    today = local_today(env, now)
    due = await make_action(
        env.app,
        owner="sweep-head",
        state=CorrectiveState.verifying,
        fix_effective_on=today - 90 * DAY,
        effectiveness_due_on=today,
    )
    later = await make_action(
        env.app, state=CorrectiveState.verifying, effectiveness_due_on=today + DAY
    )
    not_verifying = await make_action(
        env.app, state=CorrectiveState.implementing, effectiveness_due_on=today - DAY
    )
    checked = await make_action(
        env.app, state=CorrectiveState.effective, effectiveness_due_on=today - DAY
    )

    result = await sweep(env, now)
    assert result.effectiveness_reminders >= 1
    [event] = await events(env, EFFECTIVENESS_DUE, due.number)
    assert event.payload["owner"] == "sweep-head"
    assert event.payload["effectiveness_due_on"] == today.isoformat()
    assert event.payload["fix_effective_on"] == (today - 90 * DAY).isoformat()
    assert event.payload["state"] == "verifying" and event.payload["title"] == due.title
    for other in (later, not_verifying, checked):
        assert await events(env, EFFECTIVENESS_DUE, other.number) == []
    async with env.factory() as s:
        row = await s.get(CorrectiveAction, due.id)
        assert row is not None and row.effectiveness_reminded_on == today
    assert [e.action for e in await audit(env, due.id)] == ["effectiveness_due_reminded"]  # type: ignore[arg-type]

    await sweep(env, now + timedelta(minutes=5))
    assert len(await events(env, EFFECTIVENESS_DUE, due.number)) == 1
    await sweep(env, now + DAY)
    assert len(await events(env, EFFECTIVENESS_DUE, due.number)) == 2
    # The record that comes due tomorrow is reminded then.
    assert len(await events(env, EFFECTIVENESS_DUE, later.number)) == 1


async def test_reminders_reach_webhook_subscribers(env: EventsEnv, rx: Receiver) -> None:
    now = datetime.now(UTC)
    today = local_today(env, now)
    await env.subscribe(rx.url("/quality"), [TASK_OVERDUE, EFFECTIVENESS_DUE])
    ca = await make_action(
        env.app,
        owner="sweep-head",
        state=CorrectiveState.verifying,
        effectiveness_due_on=today - DAY,
        tasks=[overdue_task("sweep-head", today - 2 * DAY)],
    )
    await sweep(env, now)
    [task_event] = await events(env, TASK_OVERDUE, ca.number)
    [check_event] = await events(env, EFFECTIVENESS_DUE, ca.number)

    async with env.worker() as worker:
        await worker.drain()

    for row, event_type in ((task_event, TASK_OVERDUE), (check_event, EFFECTIVENESS_DUE)):
        [request] = rx.for_event(row.event_id)
        assert request.header("X-Claims-Event-Type") == event_type
        envelope: dict[str, Any] = json.loads(request.body)
        assert envelope["type"] == event_type
        assert envelope["data"]["number"] == ca.number
        assert envelope["data"]["owner"] == "sweep-head"


async def test_webhooks_may_subscribe_to_the_reminders(env: EventsEnv) -> None:
    response = await env.client.post(
        "/api/v1/admin/webhooks",
        json={
            "name": "quality-board",
            "url": "http://127.0.0.1:9/x",
            "event_types": [TASK_OVERDUE, EFFECTIVENESS_DUE],
        },
        headers=env.auth(Role.admin),
    )
    assert response.status_code == 201, response.text
    assert sorted(response.json()["event_types"]) == [EFFECTIVENESS_DUE, TASK_OVERDUE]
