"""Admin API of events out: subscriptions, deliveries, dead events: roles, validation, problems."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.enums import Role
from app.main import create_app
from tests.support.outbound import offline_policy

WEBHOOKS = "/api/v1/admin/webhooks"


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "ERP",
        "url": "https://erp.example.lv/hooks/claims",
        "event_types": ["claim.registered", "claim.overdue"],
    }
    data.update(overrides)
    return data


async def test_crud_round_trip(client: httpx.AsyncClient, auth: Any) -> None:
    admin = auth(Role.admin)
    created = await client.post(
        WEBHOOKS, json=body(event_types=["claim.overdue", "claim.overdue"]), headers=admin
    )
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["secret"].startswith("whsec_") and len(sub["secret"]) > 30
    assert sub["event_types"] == ["claim.overdue"] and sub["active"] is True

    listed = (await client.get(WEBHOOKS, headers=admin)).json()
    mine = next(s for s in listed if s["id"] == sub["id"])
    assert "secret" not in mine

    patched = await client.patch(
        f"{WEBHOOKS}/{sub['id']}",
        json={"event_types": ["*"], "active": False, "secret": "a-new-secret-of-enough-length"},
        headers=admin,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["event_types"] == ["*"] and patched.json()["active"] is False
    assert "secret" not in patched.json()

    got = await client.get(f"{WEBHOOKS}/{sub['id']}", headers=admin)
    assert got.status_code == 200 and got.json()["url"] == "https://erp.example.lv/hooks/claims"
    deliveries = await client.get(f"{WEBHOOKS}/{sub['id']}/deliveries", headers=admin)
    assert deliveries.status_code == 200 and deliveries.json() == []

    assert (await client.delete(f"{WEBHOOKS}/{sub['id']}", headers=admin)).status_code == 204
    gone = await client.get(f"{WEBHOOKS}/{sub['id']}", headers=admin)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"


async def test_given_secret_is_kept(client: httpx.AsyncClient, auth: Any) -> None:
    secret = "s3cret-for-the-erp-receiver"
    r = await client.post(WEBHOOKS, json=body(secret=secret), headers=auth(Role.admin))
    assert r.status_code == 201 and r.json()["secret"] == secret
    await client.delete(f"{WEBHOOKS}/{r.json()['id']}", headers=auth(Role.admin))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"url": "not a url"}, "body.url"),
        ({"url": "ftp://erp.example.lv/x"}, "body.url"),
        ({"url": "https://x.lv/" + "a" * 2100}, "body.url"),
        ({"event_types": []}, "body.event_types"),
        ({"event_types": ["claim.exploded"]}, "body.event_types"),
        ({"secret": "short"}, "body.secret"),
        ({"name": ""}, "body.name"),
    ],
)
async def test_invalid_subscriptions_are_422(
    client: httpx.AsyncClient, auth: Any, overrides: dict[str, Any], field: str
) -> None:
    r = await client.post(WEBHOOKS, json=body(**overrides), headers=auth(Role.admin))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]


async def test_invalid_update_is_422_and_unknown_is_404(
    client: httpx.AsyncClient, auth: Any
) -> None:
    admin = auth(Role.admin)
    r = await client.patch(f"{WEBHOOKS}/999999", json={"active": True}, headers=admin)
    assert r.status_code == 404
    r = await client.patch(f"{WEBHOOKS}/1", json={"event_types": ["nope"]}, headers=admin)
    assert r.status_code == 422
    assert (await client.delete(f"{WEBHOOKS}/999999", headers=admin)).status_code == 404
    assert (await client.get(f"{WEBHOOKS}/0", headers=admin)).status_code == 422
    assert (await client.get(f"{WEBHOOKS}/999999/deliveries", headers=admin)).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", WEBHOOKS),
        ("POST", WEBHOOKS),
        ("GET", "/api/v1/admin/deliveries"),
        ("GET", "/api/v1/admin/outbox"),
        ("POST", "/api/v1/admin/outbox/00000000-0000-4000-8000-000000000000/redeliver"),
        ("POST", "/api/v1/admin/deliveries/1/redeliver"),
    ],
)
async def test_only_admin(client: httpx.AsyncClient, auth: Any, method: str, path: str) -> None:
    assert (await client.request(method, path, json=body())).status_code == 401
    r = await client.request(method, path, json=body(), headers=auth(Role.specialist))
    assert r.status_code == 403
    assert r.json()["required_roles"] == ["admin"]


async def test_outbox_listing_and_redelivery_problems(
    client: httpx.AsyncClient, auth: Any, new_claim: Any
) -> None:
    admin = auth(Role.admin)
    await new_claim()  # its claim.registered event waits in the outbox (no worker in tests)
    pending = await client.get("/api/v1/admin/outbox", params={"status": "pending"}, headers=admin)
    assert pending.status_code == 200
    event = next(e for e in pending.json() if e["type"] == "claim.registered")
    r = await client.post(f"/api/v1/admin/outbox/{event['event_id']}/redeliver", headers=admin)
    assert r.status_code == 409  # still being delivered
    r = await client.post("/api/v1/admin/outbox/nope/redeliver", headers=admin)
    assert r.status_code == 404
    r = await client.post("/api/v1/admin/deliveries/999999/redeliver", headers=admin)
    assert r.status_code == 404
    r = await client.get("/api/v1/admin/outbox", params={"status": "lost"}, headers=admin)
    assert r.status_code == 422
    r = await client.get("/api/v1/admin/deliveries", params={"limit": 0}, headers=admin)
    assert r.status_code == 422
    dead = await client.get("/api/v1/admin/outbox", headers=admin)
    assert dead.status_code == 200 and all(e["status"] == "dead" for e in dead.json())


async def test_overdue_filter_is_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    params = schema["paths"]["/api/v1/claims"]["get"]["parameters"]
    overdue = next(p for p in params if p["name"] == "overdue")
    assert "resolution" in overdue["description"]
    assert "/api/v1/admin/webhooks" in schema["paths"]


async def test_sla_view_of_a_new_claim(
    client: httpx.AsyncClient, auth: Any, new_claim: Any
) -> None:
    claim = await new_claim()
    r = await client.get(f"/api/v1/claims/{claim['number']}/sla", headers=auth(Role.auditor))
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["acknowledgement"] in ("on_track", "due_soon")
    assert view["resolution"] in ("on_track", "due_soon")
    assert view["paused_seconds"] == 0 and view["resolution_due_at"] is not None
    assert view["ack_due_date"] == claim["deadlines"]["ack_due_date"]
    assert not view["overdue"]
    missing = await client.get("/api/v1/claims/CLM-1999-000001/sla", headers=auth(Role.auditor))
    assert missing.status_code == 404
    assert (await client.get(f"/api/v1/claims/{claim['number']}/sla")).status_code == 401


# ---- the outbound guard at subscription (issue 17: SSRF with a read-back) ----------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8080/x",
        "http://[::1]/x",
        "http://2130706433/x",  # 127.0.0.1 in decimal
        "http://0x7f000001/x",  # in hex
        "http://0x7f.1/x",
        "http://127.1/x",
        "http://user@127.0.0.1/x",
        "http://user:pw@127.0.0.1:9/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://[::ffff:7f00:1]/x",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://172.16.5.4/x",
        "http://100.64.0.1/x",
        "http://224.0.0.251/x",
        "http://0.0.0.0/x",
        "http://240.0.0.1/x",
        "http://[fe80::1]/x",
        "http://[fc00::1]/x",
        "http://no-such-host.example/x",  # does not resolve
    ],
)
async def test_internal_webhook_urls_are_refused(
    client: httpx.AsyncClient, auth: Any, url: str
) -> None:
    r = await client.post(WEBHOOKS, json=body(url=url), headers=auth(Role.admin))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "body.url"


async def test_a_patch_to_an_internal_url_is_refused(client: httpx.AsyncClient, auth: Any) -> None:
    admin = auth(Role.admin)
    sub = (await client.post(WEBHOOKS, json=body(), headers=admin)).json()
    r = await client.patch(
        f"{WEBHOOKS}/{sub['id']}", json={"url": "http://169.254.169.254/"}, headers=admin
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.url"
    kept = (await client.get(f"{WEBHOOKS}/{sub['id']}", headers=admin)).json()
    assert kept["url"] == "https://erp.example.lv/hooks/claims"
    await client.delete(f"{WEBHOOKS}/{sub['id']}", headers=admin)


@pytest.fixture(scope="module")
async def allowing_app(settings: Any) -> AsyncIterator[Any]:
    configured = settings.model_copy(
        update={"outbound_allow": ["10.20.0.0/16", "erp.corp.example", "*.plant.example"]}
    )
    application = create_app(configured)
    application.state.outbound = offline_policy(configured.outbound_allow)
    async with application.router.lifespan_context(application):
        yield application


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("http://10.20.3.4:8080/hooks", 201),
        ("http://10.21.0.1/hooks", 422),
        ("https://erp.corp.example/hooks", 201),  # allowed by name: not even resolved
        ("https://mes.plant.example/hooks", 201),
        ("https://plant.example.evil.lv/hooks", 422),
        ("http://127.0.0.1/hooks", 422),
    ],
)
async def test_the_allow_list_admits_company_systems(
    allowing_app: Any, auth: Any, url: str, status: int
) -> None:
    transport = httpx.ASGITransport(app=allowing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        r = await c.post(WEBHOOKS, json=body(url=url), headers=auth(Role.admin))
        assert r.status_code == status, r.text
        if status == 201:
            await c.delete(f"{WEBHOOKS}/{r.json()['id']}", headers=auth(Role.admin))
    assert "erp.corp.example" not in allowing_app.state.outbound.resolver.asked
