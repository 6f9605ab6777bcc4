"""The outbound guard at delivery (issue 17, point 6): every attempt re-resolves and checks
the webhook's host and the email gateway's, and connects to the address it checked.

NETWORK RULE: nothing here connects anywhere but 127.0.0.1. A refused destination is never
called; the tests read the recorded attempt, they never need a server behind it.
"""

from collections.abc import AsyncIterator, Iterator

import pytest

from app.enums import Role
from app.events.delivery import EXCERPT_CHARS
from app.events.outbox import enqueue
from tests.integration.test_outbox_worker import deliveries, fetch_outbox, outbox_row
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.outbound import offline_policy
from tests.support.receiver import Receiver


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
async def env(events_env: EventsEnv) -> AsyncIterator[EventsEnv]:  # noqa: F811
    policy = events_env.app.state.outbound
    yield events_env
    events_env.app.state.outbound = policy
    await events_env.unsubscribe_all()


def resolving(env: EventsEnv, table: dict[str, list[str]]) -> None:
    """From now on the app resolves host names from `table` (the tests' DNS)."""
    env.app.state.outbound = offline_policy(env.settings.outbound_allow, table)


async def test_a_name_that_rebinds_to_loopback_is_refused_at_delivery(env: EventsEnv) -> None:
    # Public when the admin subscribed it ...
    resolving(env, {"hooks.rebind.example": ["93.184.215.14"]})
    await env.subscribe("http://hooks.rebind.example/hook", ["claim.registered"])
    claim = await env.new_claim()
    row = await outbox_row(env, claim_number=claim["number"], event_type="claim.registered")
    # ... and 127.0.0.2 (loopback, not on the allow-list) when the worker calls it.
    table = {"hooks.rebind.example": ["127.0.0.2"]}
    async with env.worker(max_attempts=2, outbound=offline_policy(["127.0.0.1"], table)) as w:
        await w.drain()
    [delivery] = await deliveries(env, row.event_id)
    assert delivery["status"] == "dead"
    errors = [a["error"] for a in delivery["attempt_log"]]
    assert (
        errors
        == ["refused: hooks.rebind.example resolves to 127.0.0.2, not a public address (loopback)"]
        * 2
    )
    assert all(a["status_code"] is None for a in delivery["attempt_log"])
    assert "refused" in ((await fetch_outbox(env, row.event_id)).last_error or "")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/send",
        "http://2130706434/send",  # 127.0.0.2: only 127.0.0.1 is allowed here
        "http://user@10.0.0.5/send",
        "http://localhost:9/send",
    ],
)
async def test_the_email_gateway_is_checked_at_every_delivery(env: EventsEnv, url: str) -> None:
    async with env.factory() as s:
        row = enqueue(s, event_type="email.outbound", data={"to": ["a@b.lv"], "subject": "x"})
        await s.commit()
    async with env.worker(max_attempts=1, email_gateway_url=url) as worker:
        await worker.drain()
    stored = await fetch_outbox(env, row.event_id)
    assert stored.status == "dead"
    [delivery] = await deliveries(env, row.event_id)
    [attempt] = delivery["attempt_log"]
    assert attempt["error"].startswith("refused: ") and "not a public address" in attempt["error"]


async def test_an_allowed_name_is_called_on_the_address_that_was_checked(
    env: EventsEnv, rx: Receiver
) -> None:
    """The request goes to the checked address, with the name in Host: a second resolution
    by the HTTP client could not take it elsewhere."""
    resolving(env, {"erp.corp.example": ["127.0.0.1"]})
    url = f"http://erp.corp.example:{rx.port}/hook"
    await env.subscribe(url, ["claim.registered"])
    claim = await env.new_claim()
    row = await outbox_row(env, claim_number=claim["number"], event_type="claim.registered")
    policy = offline_policy(["127.0.0.1"], {"erp.corp.example": ["127.0.0.1"]})
    async with env.worker(outbound=policy) as worker:
        await worker.drain()
    [request] = rx.for_event(row.event_id)
    assert request.path == "/hook"
    assert request.header("Host") == f"erp.corp.example:{rx.port}"
    assert policy.resolver.asked == ["erp.corp.example"]  # type: ignore[attr-defined]


async def test_the_excerpt_shown_to_admins_is_capped_and_has_no_headers(
    env: EventsEnv, rx: Receiver
) -> None:
    rx.answer = b"x" * 100_000
    rx.answer_headers = {"X-Internal-Token": "secret-value"}
    rx.script(500)
    await env.subscribe(rx.url("/hook"), ["claim.registered"])
    claim = await env.new_claim()
    row = await outbox_row(env, claim_number=claim["number"], event_type="claim.registered")
    async with env.worker(max_attempts=1) as worker:
        await worker.drain()
    [delivery] = await deliveries(env, row.event_id)
    [attempt] = delivery["attempt_log"]
    assert attempt["status_code"] == 500
    assert attempt["response_excerpt"] == "x" * EXCERPT_CHARS
    assert "secret-value" not in str(delivery)


async def test_subscribing_an_internal_url_is_refused(env: EventsEnv, rx: Receiver) -> None:
    """The events env allows 127.0.0.1 (its receivers) and nothing else."""
    response = await env.client.post(
        "/api/v1/admin/webhooks",
        json={"name": "x", "url": "http://127.0.0.2/hook", "event_types": ["*"]},
        headers=env.auth(Role.admin),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.url"
    assert rx.requests == []
