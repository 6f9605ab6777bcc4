"""GET /metrics, the request id on every log line and in a 500, through the real app."""

import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from app.enums import Role
from app.main import create_app
from app.models.system import OutboxEvent
from app.models.types import utcnow

FAMILIES = (
    "claims_http_requests_total",
    "claims_http_request_duration_seconds_bucket",
    "claims_delivery_failures",
    "claims_pdf_render_seconds",
    "claims_outbox_events",
    "claims_outbox_oldest_age_seconds",
    "claims_failed_emails",
    "claims_overdue",
    "claims_metrics_database_up",
)


@contextmanager
def access(app: Any, mode: str) -> Iterator[None]:
    original = app.state.settings
    app.state.settings = original.model_copy(update={"metrics_access": mode})
    try:
        yield
    finally:
        app.state.settings = original


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in the text format, or None."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        head, _, rest = series.partition("{")
        if head != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', rest))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


async def test_metrics_need_an_auditor_or_admin_key(client, auth) -> None:
    missing = await client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["content-type"].startswith("application/problem+json")
    unknown = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401
    wrong_role = await client.get("/metrics", headers=auth(Role.specialist))
    assert wrong_role.status_code == 403
    assert wrong_role.json()["required_roles"] == ["admin", "auditor"]
    for role in (Role.auditor, Role.admin):
        ok = await client.get("/metrics", headers=auth(role))
        assert ok.status_code == 200, ok.text
        assert ok.headers["content-type"].startswith("text/plain")


async def test_prometheus_sends_the_key_as_a_bearer_token(client, keys) -> None:
    r = await client.get("/metrics", headers={"Authorization": f"Bearer {keys[Role.auditor]}"})
    assert r.status_code == 200


async def test_open_and_off(app, client) -> None:
    with access(app, "open"):
        assert (await client.get("/metrics")).status_code == 200
    with access(app, "off"):
        r = await client.get("/metrics")
        assert r.status_code == 404 and "CLAIMS_METRICS_ACCESS" in r.json()["detail"]


async def test_families_after_requests(client, auth, new_claim) -> None:
    claim = await new_claim()
    await client.get(f"/api/v1/claims/{claim['number']}", headers=auth(Role.specialist))
    await client.get("/api/v1/claims/CLM-2000-999999", headers=auth(Role.specialist))
    text = (await client.get("/metrics", headers=auth(Role.auditor))).text
    for family in FAMILIES:
        assert family in text, family
    # Route templates, not raw paths: one series however many claims are read.
    route = "/api/v1/claims/{number}"
    assert sample(text, "claims_http_requests_total", route=route, status="200", method="GET")
    assert sample(text, "claims_http_requests_total", route=route, status="404", method="GET")
    assert claim["number"] not in text
    assert sample(text, "claims_metrics_database_up") == 1


async def test_unmatched_paths_share_one_label(client, auth) -> None:
    for n in range(3):
        await client.get(f"/no/such/page/{n}")
    text = (await client.get("/metrics", headers=auth(Role.auditor))).text
    assert sample(text, "claims_http_requests_total", route="unmatched", status="404")
    assert "/no/such/page" not in text


async def test_outbox_depth_and_oldest_age_by_kind(client, auth, app) -> None:
    event_type = "test.metrics"
    async with app.state.session_factory() as s:
        s.add_all(
            [
                OutboxEvent(
                    event_id=f"00000000-0000-4000-8000-00000000000{n}",
                    type=event_type,
                    payload={},
                    status="pending",
                    available_at=utcnow() + timedelta(days=365),  # no worker takes them
                    created_at=utcnow() - timedelta(hours=n + 1),
                )
                for n in range(2)
            ]
        )
        await s.commit()
    try:
        text = (await client.get("/metrics", headers=auth(Role.auditor))).text
        labels = {"kind": event_type, "status": "pending"}
        assert sample(text, "claims_outbox_events", **labels) == 2
        age = sample(text, "claims_outbox_oldest_age_seconds", **labels)
        assert age is not None and 2 * 3600 - 5 <= age <= 2 * 3600 + 120
    finally:
        async with app.state.session_factory() as s:
            await s.execute(delete(OutboxEvent).where(OutboxEvent.type == event_type))
            await s.commit()


async def test_overdue_claims_by_deadline(client, auth) -> None:
    text = (await client.get("/metrics", headers=auth(Role.auditor))).text
    for deadline in ("acknowledgement_due", "acknowledgement_deadline", "resolution"):
        assert sample(text, "claims_overdue", deadline=deadline) is not None


async def test_a_slow_database_is_reported_not_fatal(app, client, auth) -> None:
    original = app.state.settings
    app.state.settings = original.model_copy(update={"metrics_query_timeout_seconds": 1e-9})
    try:
        r = await client.get("/metrics", headers=auth(Role.auditor))
    finally:
        app.state.settings = original
    assert r.status_code == 200
    assert sample(r.text, "claims_metrics_database_up") == 0
    assert "claims_http_requests_total" in r.text


# ---------------------------------------------------------------- request ids


async def test_every_log_line_of_a_request_carries_its_id(client, caplog) -> None:
    caplog.set_level(logging.INFO)
    r = await client.post(
        "/api/v1/claims",
        content=b"x" * 100,
        headers={"Content-Length": str(10**9), "X-Request-ID": "req-log-1"},
    )
    assert r.status_code == 413
    lines = [rec for rec in caplog.records if getattr(rec, "request_id", None) == "req-log-1"]
    names = {rec.name for rec in lines}
    assert {"app.limits", "app.access"} <= names, names
    # Nothing logged after the request keeps its id.
    logging.getLogger("test").warning("after")
    assert not hasattr(caplog.records[-1], "request_id")


@pytest.fixture(scope="module")
async def failing_client(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A second app from create_app with one test-only route that fails."""
    failing = create_app(settings)

    @failing.get("/test-only/boom")
    async def boom() -> None:
        logging.getLogger("app.test").warning("about to fail")
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(app=failing, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_a_500_carries_the_request_id(failing_client, caplog) -> None:
    caplog.set_level(logging.INFO)
    r = await failing_client.get("/test-only/boom", headers={"X-Request-ID": "req-500-1"})
    assert r.status_code == 500
    assert r.headers["x-request-id"] == "req-500-1"
    body = r.json()
    assert body["request_id"] == "req-500-1" and "req-500-1" in body["detail"]
    assert "boom" not in r.text and "Traceback" not in r.text
    logged = {
        rec.getMessage(): rec
        for rec in caplog.records
        if getattr(rec, "request_id", None) == "req-500-1"
    }
    assert {"about to fail", "unhandled error", "request"} <= set(logged)
    assert logged["unhandled error"].exc_info is not None


async def test_a_500_without_a_given_id_gets_a_fresh_one(failing_client) -> None:
    r = await failing_client.get("/test-only/boom")
    assert r.status_code == 500
    assert re.fullmatch(r"[0-9a-f]{32}", r.json()["request_id"])
    assert r.headers["x-request-id"] == r.json()["request_id"]
