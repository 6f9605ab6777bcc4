"""Claim numbers: distinct and gap-free per year, also under concurrent registration."""

import asyncio

import httpx

from app.enums import Role
from tests.conftest import claim_payload


def _seq(number: str) -> tuple[str, int]:
    prefix, year, seq = number.split("-")
    return f"{prefix}-{year}", int(seq)


async def test_fifty_concurrent_registrations_get_fifty_gap_free_numbers(app, auth) -> None:
    # A separate client per request so the requests really run concurrently on the pool.
    transport = httpx.ASGITransport(app=app)

    async def register() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.post("/api/v1/claims", json=claim_payload(), headers=auth(Role.intake))

    responses = await asyncio.gather(*[register() for _ in range(50)])
    assert [r.status_code for r in responses] == [201] * 50
    # The year is the registration's (this year), shared with the other tests; nothing else
    # registers meanwhile, so the fifty numbers follow one another.
    numbers = sorted(_seq(r.json()["number"]) for r in responses)
    (series,) = {s for s, _ in numbers}
    first = numbers[0][1]
    assert numbers == [(series, first + i) for i in range(50)]


async def test_a_failed_registration_leaves_no_gap(client, auth) -> None:
    first = await client.post("/api/v1/claims", json=claim_payload(), headers=auth(Role.intake))
    bad = claim_payload(defect_description="")  # refused before any number is taken
    too_early = claim_payload(received_at="1999-12-31T23:59:59+02:00")  # before 2000 in Riga
    for payload in (bad, too_early):
        response = await client.post("/api/v1/claims", json=payload, headers=auth(Role.intake))
        assert response.status_code == 422
    second = await client.post("/api/v1/claims", json=claim_payload(), headers=auth(Role.intake))
    series, one = _seq(first.json()["number"])
    assert _seq(second.json()["number"]) == (series, one + 1)
