"""Small factories for the supplier tests: a supplier, a customer claim with an attachment, a
corrective action, a supplier claim driven to a state."""

import uuid
from typing import Any

import httpx

from app.enums import Role

SUPPLIERS = "/api/v1/suppliers"
SUPPLIER_CLAIMS = "/api/v1/supplier-claims"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


def tag() -> str:
    return uuid.uuid4().hex[:10]


def supplier_payload(t: str, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": f"Elektromotor AD {t}",
        "short_name": f"EM {t}",
        "registration_number": f"13{t[:7]}".upper(),
        "address": {
            "street": "бул. Витоша 10",
            "city": "София",
            "postcode": "1000",
            "country": "bg",
        },
        "language": "bg",
        "supplies": "motors",
        "contacts": [
            {
                "given_name": "Георги",
                "surname": "Иванов",
                "position": "Ръководител качество",
                "gender": "male",
                "email": f"Quality.{t}@Motors.example.bg",
                "phone": "+359 2 123 4567",
            }
        ],
    }
    payload.update(overrides)
    return payload


async def make_supplier(client: httpx.AsyncClient, auth: Any, **overrides: Any) -> dict[str, Any]:
    r = await client.post(
        SUPPLIERS, json=supplier_payload(tag(), **overrides), headers=auth(Role.specialist)
    )
    assert r.status_code == 201, r.text
    return r.json()


async def attach(client: httpx.AsyncClient, auth: Any, number: str) -> int:
    r = await client.post(
        f"/api/v1/claims/{number}/attachments",
        headers=auth(Role.intake),
        files={"file": ("photo.gif", GIF, "image/gif")},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def make_supplier_claim(
    client: httpx.AsyncClient, auth: Any, new_claim: Any, **overrides: Any
) -> dict[str, Any]:
    supplier = overrides.pop("supplier", None) or await make_supplier(client, auth)
    claim = await new_claim()
    evidence = await attach(client, auth, claim["number"])
    body: dict[str, Any] = {
        "supplier_id": supplier["id"],
        "contact_id": supplier["contacts"][0]["id"],
        "component": "Motor M-200",
        "supplier_reference": "Lot 2026-07",
        "defect_description": "The motor's bearing seizes after 200-300 hours of work.",
        "claim_numbers": [claim["number"]],
        "evidence_attachment_ids": [evidence],
        "amount_claimed": "1250.00",
    }
    body.update(overrides)
    r = await client.post(SUPPLIER_CLAIMS, json=body, headers=auth(Role.specialist))
    assert r.status_code == 201, r.text
    return r.json()


# What each action needs to succeed, and the path from draft to each state.
BODIES: dict[str, dict[str, Any]] = {
    "mark_sent": {"channel": "email"},
    "acknowledge": {"supplier_claim_reference": "RK-118"},
    "accept": {"amount_accepted": "1000.00"},
    "reject": {"supplier_response": "Damaged by overload."},
    "settle": {"amount_recovered": "400.00", "recovered_on": "2026-01-15"},
    "reopen": {"reason": "Laboratory report shows a material defect."},
}
PATHS: dict[str, list[str]] = {
    "draft": [],
    "sent": ["mark_sent"],
    "acknowledged": ["mark_sent", "acknowledge"],
    "accepted": ["mark_sent", "accept"],
    "rejected": ["mark_sent", "reject"],
    "settled": ["mark_sent", "accept", "settle"],
}


async def act(
    client: httpx.AsyncClient,
    auth: Any,
    sc: dict[str, Any],
    action: str,
    body: dict[str, Any] | None = None,
    role: Role = Role.head,
) -> httpx.Response:
    return await client.post(
        f"{SUPPLIER_CLAIMS}/{sc['number']}/actions/{action}",
        json=BODIES[action] if body is None else body,
        headers=auth(role, **{"If-Match": f'"{sc["version"]}"'}),
    )


async def drive(
    client: httpx.AsyncClient, auth: Any, sc: dict[str, Any], state: str
) -> dict[str, Any]:
    for action in PATHS[state]:
        r = await act(client, auth, sc, action)
        assert r.status_code == 200, r.text
        sc = r.json()
    assert sc["state"] == state
    return sc
