"""Authentication before lookup, on every route: without a key every protected operation
answers 401 whether the ids in its path exist or not, so nothing can be probed anonymously.

The walk covers every operation of the OpenAPI document, and every other route of the app
must be named below as public, so a new endpoint cannot slip past it.
"""

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from app.enums import Role
from app.models.claims import Attachment, Claim
from app.models.corrective import CorrectiveAction, CorrectiveFile
from app.models.email_intake import InboundEmail, InboundSource
from app.models.events import Delivery, WebhookSubscription
from app.models.system import OutboxEvent
from tests.conftest import claim_payload, unique

# Operations anyone may call, with the statuses they answer an anonymous caller.
PUBLIC_OPERATIONS = {
    ("GET", "/healthz"): {200},
    ("GET", "/readyz"): {200, 503},
}
# The email webhook authenticates the gateway with its own signature (or an intake key).
EMAIL_WEBHOOK = ("POST", "/api/v1/intake/email")
# Routes outside the OpenAPI document: pages for people and the documentation.
PUBLIC_PAGES = {
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
    "/claim-form",
    "/claim-status",
    "/dashboard/login",
    "/dashboard/logout",
}
# Pages outside the document that still need a key (the dashboard asks for it on a login page).
KEYED_PAGES = re.compile(r"^/dashboard(/.*)?$")

UNKNOWN = {
    "number": "CLM-2000-987654",
    "attachment_id": "987654321",
    "customer_id": "987654321",
    "contact_id": "987654321",
    "letter_id": "987654321",
    "message_id": "987654321",
    "inbound_id": "987654321",
    "serial": "NO-SUCH-SERIAL-987654",
    "code": "NO-SUCH-MODEL-987654",
    "key_id": "987654321",
    "subscription_id": "987654321",
    "delivery_id": "987654321",
    "event_id": "987654321",
    "supplier_id": "987654321",
    "supplier_contact_id": "987654321",
    "sc_number": "SC-2000-987654",
    "ca_number": "CA-2000-987654",
    "task_id": "987654321",
    "file_id": "987654321",
}


def operations(app: Any) -> list[tuple[str, str]]:
    schema = app.openapi()
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


@pytest.fixture(scope="module")
async def existing(client: httpx.AsyncClient, auth: Any, app: Any) -> dict[str, str]:
    """A real row behind every path parameter of the API."""
    headers = auth("all")
    tag = uuid.uuid4().hex[:8]
    model = await client.post(
        "/api/v1/product-models",
        json={"code": f"AUTH-{tag}", "name": "Auth walk pump", "warranty_months": 24},
        headers=headers,
    )
    assert model.status_code == 201, model.text
    unit = await client.post(
        "/api/v1/units",
        json={"serial_number": f"AUTH-SN-{tag}", "model_code": f"AUTH-{tag}"},
        headers=headers,
    )
    assert unit.status_code == 201, unit.text
    claim = await client.post("/api/v1/claims", json=claim_payload(), headers=headers)
    assert claim.status_code == 201, claim.text
    number = claim.json()["number"]
    full = (await client.get(f"/api/v1/claims/{number}", headers=headers)).json()
    letter = await client.post(
        f"/api/v1/claims/{number}/letters", json={"kind": "acknowledgement"}, headers=headers
    )
    assert letter.status_code == 201, letter.text
    message = await client.post(
        f"/api/v1/claims/{number}/messages",
        json={"channel": "phone", "body": "The customer called back."},
        headers=headers,
    )
    assert message.status_code == 201, message.text
    ca = await client.post(
        "/api/v1/corrective-actions", json={"claim_numbers": [number]}, headers=headers
    )
    assert ca.status_code == 201, ca.text
    ca_number = ca.json()["number"]
    task = await client.post(
        f"/api/v1/corrective-actions/{ca_number}/tasks",
        json={"kind": "containment", "description": "Walk"},
        headers=headers,
    )
    assert task.status_code == 201, task.text
    key = await client.post(
        "/api/v1/admin/api-keys",
        json={"name": unique("walk"), "roles": ["auditor"]},
        headers=headers,
    )
    assert key.status_code == 201, key.text
    supplier = await client.post(
        "/api/v1/suppliers",
        json={"name": f"Walk supplier {tag}", "contacts": [{"name": "Walk Contact"}]},
        headers=headers,
    )
    assert supplier.status_code == 201, supplier.text
    supplier_claim = await client.post(
        "/api/v1/supplier-claims",
        json={
            "supplier_id": supplier.json()["id"],
            "component": "Motor",
            "defect_description": "Seizes.",
            "claim_numbers": [number],
            "amount_claimed": "10",
        },
        headers=headers,
    )
    assert supplier_claim.status_code == 201, supplier_claim.text

    async with app.state.session_factory() as session:
        claim_id, outbox_id, event_uuid = (
            await session.execute(
                select(OutboxEvent.claim_id, OutboxEvent.id, OutboxEvent.event_id)
                .join(Claim, Claim.id == OutboxEvent.claim_id)
                .where(Claim.number == number)
                .limit(1)
            )
        ).one()
        attachment = Attachment(
            claim_id=claim_id,
            filename="walk.txt",
            content_type="text/plain",
            size=4,
            sha256="0" * 64,
            storage_key="walk/none",
            uploaded_by="test",
        )
        inbound = InboundEmail(
            source=InboundSource.rfc822,
            content_type="message/rfc822",
            raw=b"Subject: walk\r\n\r\nbody",
            headers={},
            size=22,
            received_by="hmac",
            dedup_key=f"walk-{tag}",
        )
        subscription = WebhookSubscription(
            name="walk", url="https://hooks.example.com/walk", event_types=["*"], secret="s" * 32
        )
        ca_id = (
            await session.execute(
                select(CorrectiveAction.id).where(CorrectiveAction.number == ca_number)
            )
        ).scalar_one()
        evidence = CorrectiveFile(
            corrective_action_id=ca_id,
            filename="walk.txt",
            content_type="text/plain",
            size=4,
            sha256="0" * 64,
            storage_key="walk/none",
            uploaded_by="test",
        )
        session.add_all([attachment, inbound, subscription, evidence])
        await session.flush()
        delivery = Delivery(
            outbox_id=outbox_id,
            event_id=str(event_uuid),
            event_type="claim.registered",
            target=f"webhook:{subscription.id}",
            subscription_id=subscription.id,
            url=subscription.url,
        )
        session.add(delivery)
        await session.commit()
        ids = {
            "attachment_id": attachment.id,
            "inbound_id": inbound.id,
            "subscription_id": subscription.id,
            "delivery_id": delivery.id,
            "event_id": outbox_id,
            "file_id": evidence.id,
        }
    return {
        "number": number,
        "customer_id": str(full["customer"]["id"]),
        "contact_id": str(full["contact"]["id"]),
        "letter_id": str(letter.json()["id"]),
        "message_id": str(message.json()["id"]),
        "serial": f"AUTH-SN-{tag}",
        "code": f"AUTH-{tag}",
        "key_id": str(key.json()["id"]),
        "supplier_id": str(supplier.json()["id"]),
        "supplier_contact_id": str(supplier.json()["contacts"][0]["id"]),
        "sc_number": supplier_claim.json()["number"],
        "ca_number": ca_number,
        "task_id": str(task.json()["id"]),
        **{name: str(value) for name, value in ids.items()},
    }


async def test_every_operation_needs_a_key_before_it_looks_anything_up(
    client: httpx.AsyncClient, app: Any, existing: dict[str, str]
) -> None:
    assert set(existing) == set(UNKNOWN)
    wrong: list[str] = []
    checked = 0
    for method, path in operations(app):
        if (method, path) in PUBLIC_OPERATIONS or (method, path) == EMAIL_WEBHOOK:
            continue
        for values in (existing, UNKNOWN) if "{" in path else (existing,):
            url = fill(path, values)
            for headers in ({}, {"X-API-Key": "clm_unknown_key"}):
                response = await client.request(method, url, headers=headers)
                checked += 1
                if (
                    response.status_code != 401
                    or response.headers["content-type"] != "application/problem+json"
                    or "WWW-Authenticate" not in response.headers
                ):
                    wrong.append(f"{method} {url} {headers}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert checked > 150


async def test_a_key_of_the_wrong_role_is_refused_before_the_lookup(
    client: httpx.AsyncClient, auth: Any, existing: dict[str, str]
) -> None:
    # An authenticated caller without the role learns nothing either: 403 for both.
    for values in (existing, UNKNOWN):
        message = await client.post(
            f"/api/v1/claims/{values['number']}/messages", headers=auth(Role.auditor)
        )
        costs = await client.get(
            f"/api/v1/claims/{values['number']}/costs", headers=auth(Role.intake)
        )
        assert (message.status_code, costs.status_code) == (403, 403), values


async def test_public_operations_answer_without_a_key(client: httpx.AsyncClient) -> None:
    for (method, path), statuses in PUBLIC_OPERATIONS.items():
        response = await client.request(method, path)
        assert response.status_code in statuses, (path, response.text)


async def test_the_email_webhook_refuses_an_unsigned_delivery(client: httpx.AsyncClient) -> None:
    method, path = EMAIL_WEBHOOK
    response = await client.request(
        method,
        path,
        content=b"From: a@example.com\r\nSubject: hi\r\n\r\nhello",
        headers={"Content-Type": "message/rfc822"},
    )
    assert response.status_code in {401, 403}, response.text
    assert response.headers["content-type"] == "application/problem+json"
    forged = await client.request(
        method,
        path,
        content=b"From: a@example.com\r\nSubject: hi\r\n\r\nhello",
        headers={
            "Content-Type": "message/rfc822",
            "X-Claims-Timestamp": "1700000000",
            "X-Claims-Signature": "0" * 64,
        },
    )
    assert forged.status_code in {401, 403}, forged.text


async def test_every_route_outside_the_document_is_known(app: Any) -> None:
    documented = {path for _, path in operations(app)}
    unknown = [
        route.path
        for route in app.routes
        if getattr(route, "path", None)
        and route.path not in documented
        and route.path not in PUBLIC_PAGES
        and not KEYED_PAGES.match(route.path)
        and (not isinstance(route, APIRoute) or not route.include_in_schema)
        and not route.path.startswith("/static")
    ]
    assert not unknown, f"name these routes as public or keyed: {unknown}"


async def test_dashboard_pages_need_a_key(client: httpx.AsyncClient, app: Any) -> None:
    for route in app.routes:
        path = getattr(route, "path", "")
        if not KEYED_PAGES.match(path) or path in PUBLIC_PAGES or "{" in path:
            continue
        for method in sorted(getattr(route, "methods", set()) - {"HEAD"}):
            response = await client.request(method, path)
            assert response.status_code == 401, (method, path, response.status_code)
