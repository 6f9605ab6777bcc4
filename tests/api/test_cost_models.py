"""The claim's model copied on its cost rows (migration `cost_models`): the costs report groups
by the claim's current model, whoever wrote the cost row and however the model changed."""

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text, update

from app.enums import Role
from app.models.claims import Claim
from app.models.reports import ClaimCost
from tests.reports_data import make_claim, make_customer, make_model, open_session


@pytest.fixture
async def session(app):
    async for s in open_session(app):
        yield s


async def book(client: Any, auth: Any, number: str, amount: str, day: str) -> None:
    response = await client.post(
        f"/api/v1/claims/{number}/costs",
        headers=auth(Role.service),
        json={
            "kind": "repair",
            "amount": amount,
            "cost_bearer": "manufacturer",
            "incurred_on": day,
        },
    )
    assert response.status_code == 201, response.text


async def by_model(client: Any, auth: Any, year: int) -> list[tuple[str | None, str]]:
    response = await client.get(f"/api/v1/reports/costs?year={year}", headers=auth(Role.auditor))
    assert response.status_code == 200, response.text
    return [(r["key"], r["total"]) for r in response.json()["by_product_model"]]


async def copies(db: Any, claim_id: int) -> list[int | None]:
    rows = await db(
        select(ClaimCost.product_model_id)
        .where(ClaimCost.claim_id == claim_id)
        .order_by(ClaimCost.id)
    )
    return [r[0] for r in rows]


async def test_costs_follow_the_claims_model_after_a_correction(client, auth, session, db) -> None:
    cust = await make_customer(session)
    a, b = await make_model(session), await make_model(session)
    claim = await make_claim(
        session, customer=cust, model=a, received_at=datetime(2007, 3, 1, 9, tzinfo=UTC)
    )
    await session.commit()
    assert claim.id is not None
    await book(client, auth, claim.number, "100.00", "2007-03-05")
    await book(client, auth, claim.number, "20.50", "2007-04-05")
    assert await copies(db, claim.id) == [a.id, a.id]
    assert await by_model(client, auth, 2007) == [(a.code, "120.50")]

    # The claim's model corrected through the API after its costs were booked.
    current = await client.get(f"/api/v1/claims/{claim.number}", headers=auth(Role.specialist))
    patched = await client.patch(
        f"/api/v1/claims/{claim.number}",
        json={"product": {"model_code": b.code}},
        headers=auth(Role.specialist, **{"If-Match": current.headers["ETag"]}),
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["model_code"] == b.code
    assert await copies(db, claim.id) == [b.id, b.id]
    assert await by_model(client, auth, 2007) == [(b.code, "120.50")]

    # A cost booked now takes the new model.
    await book(client, auth, claim.number, "1.00", "2007-05-05")
    assert await copies(db, claim.id) == [b.id, b.id, b.id]
    assert await by_model(client, auth, 2007) == [(b.code, "121.50")]


async def test_every_writer_keeps_the_copy_equal(client, auth, session, db) -> None:
    cust = await make_customer(session)
    a, b = await make_model(session), await make_model(session)
    claim = await make_claim(
        session, customer=cust, model=a, received_at=datetime(2008, 3, 1, 9, tzinfo=UTC)
    )
    await session.commit()
    claim_id = claim.id
    assert claim_id is not None
    await book(client, auth, claim.number, "10.00", "2008-03-05")

    # Raw SQL naming another model, or none, on the cost row: the claim's model wins.
    await session.execute(
        text(
            "INSERT INTO claim_costs (claim_id, product_model_id, kind, amount, currency, "
            "cost_bearer, incurred_on, recorded_at, recorded_by) VALUES (:claim, :other, "
            "'transport', 5, 'EUR', 'manufacturer', '2008-03-06', '2008-03-06 10:00:00', 'sql')"
        ),
        {"claim": claim_id, "other": b.id},
    )
    await session.commit()
    assert await copies(db, claim_id) == [a.id, a.id]
    await session.execute(
        update(ClaimCost).where(ClaimCost.claim_id == claim_id).values(product_model_id=b.id)
    )
    await session.commit()
    assert await copies(db, claim_id) == [a.id, a.id]

    # The claim's model changed by any statement: to another model, then to none.
    await session.execute(update(Claim).where(Claim.id == claim_id).values(product_model_id=b.id))
    await session.commit()
    assert await copies(db, claim_id) == [b.id, b.id]
    assert await by_model(client, auth, 2008) == [(b.code, "15.00")]
    await session.execute(update(Claim).where(Claim.id == claim_id).values(product_model_id=None))
    await session.commit()
    assert await copies(db, claim_id) == [None, None]
    assert await by_model(client, auth, 2008) == [(None, "15.00")]
