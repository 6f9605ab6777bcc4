"""Claim numbers: distinct and gap-free per year, also under concurrent registration."""

import asyncio

import httpx

from app.enums import Role
from tests.conftest import claim_payload


async def test_fifty_concurrent_registrations_get_fifty_gap_free_numbers(app, auth) -> None:
    # A separate client per request so the requests really run concurrently on the pool.
    transport = httpx.ASGITransport(app=app)
    year_payload = {"received_at": "2031-03-03T10:00:00+00:00"}  # a year no other test uses

    async def register() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.post(
                "/api/v1/claims", json=claim_payload(**year_payload), headers=auth(Role.intake)
            )

    responses = await asyncio.gather(*[register() for _ in range(50)])
    assert [r.status_code for r in responses] == [201] * 50
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == [f"CLM-2031-{i:06d}" for i in range(1, 51)]


async def test_a_failed_registration_leaves_no_gap(client, auth) -> None:
    payload = claim_payload(received_at="2032-01-10T10:00:00+00:00")
    first = await client.post("/api/v1/claims", json=payload, headers=auth(Role.intake))
    bad = dict(payload, defect_description="")  # refused before any number is taken
    assert (
        await client.post("/api/v1/claims", json=bad, headers=auth(Role.intake))
    ).status_code == 422
    second = await client.post(
        "/api/v1/claims",
        json=claim_payload(received_at="2032-02-10T10:00:00+00:00"),
        headers=auth(Role.intake),
    )
    assert first.json()["number"] == "CLM-2032-000001"
    assert second.json()["number"] == "CLM-2032-000002"
