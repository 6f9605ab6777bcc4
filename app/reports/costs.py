"""Costs of a claim, recorded by the service centre for accounting."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.audit import record_event
from app.config import Settings
from app.enums import ClaimState, CostBearer
from app.errors import InvalidInput
from app.models.claims import Claim
from app.models.reports import (
    ClaimCost,
    ClaimCostCreate,
    ClaimCostList,
    ClaimCostRead,
    CostKind,
    CurrencyTotal,
)
from app.models.types import money_text


def default_bearer(claim: Claim) -> CostBearer | None:
    """The claim's cost bearer (agreed in the inspection act, or settled by the head of
    department), in the one vocabulary acts and costs share."""
    return CostBearer(claim.cost_bearer) if claim.cost_bearer in set(CostBearer) else None


def _read(cost: ClaimCost, claim: Claim) -> ClaimCostRead:
    assert cost.id is not None
    return ClaimCostRead(
        id=cost.id,
        claim_number=claim.number,
        kind=CostKind(cost.kind),
        amount=cost.amount,
        currency=cost.currency,
        cost_bearer=CostBearer(cost.cost_bearer) if cost.cost_bearer else None,
        incurred_on=cost.incurred_on,
        note=cost.note,
        recorded_at=cost.recorded_at,
        recorded_by=cost.recorded_by,
    )


async def record_cost(
    session: AsyncSession,
    *,
    claim: Claim,
    data: ClaimCostCreate,
    principal: Principal,
    settings: Settings,
) -> ClaimCostRead:
    # While the claim is disputed a cost is booked with no bearer: accounting sees it as not
    # agreed yet, which is the truth, rather than as a bearer named "disputed".
    disputed = claim.state == ClaimState.disputed
    bearer = data.cost_bearer or (None if disputed else default_bearer(claim))
    if bearer is None and not disputed:
        raise InvalidInput(
            f"Claim {claim.number} has no cost bearer decided yet; send cost_bearer.",
            errors=[
                {
                    "field": "body.cost_bearer",
                    "message": "required for this claim",
                    "type": "missing",
                }
            ],
        )
    today = datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)).date()
    incurred_on = data.incurred_on or today
    if incurred_on > today:
        raise InvalidInput(
            "incurred_on must not be in the future.",
            errors=[
                {"field": "body.incurred_on", "message": "in the future", "type": "value_error"}
            ],
        )
    assert claim.id is not None
    cost = ClaimCost(
        claim_id=claim.id,
        kind=data.kind,
        amount=data.amount,
        currency=data.currency or settings.reports_currency,
        cost_bearer=bearer,
        incurred_on=incurred_on,
        note=data.note,
        recorded_by=principal.name,
    )
    session.add(cost)
    await session.flush()
    record_event(
        session,
        claim=claim,
        actor=principal.name,
        action="record_cost",
        from_state=claim.state,
        to_state=claim.state,
        payload={
            "cost_id": cost.id,
            "kind": cost.kind,
            "amount": money_text(cost.amount),
            "currency": cost.currency,
            "cost_bearer": cost.cost_bearer,
        },
    )
    await session.commit()
    return _read(cost, claim)


async def list_costs(session: AsyncSession, *, claim: Claim) -> ClaimCostList:
    rows = (
        (
            await session.execute(
                select(ClaimCost)
                .where(col(ClaimCost.claim_id) == claim.id)
                .order_by(col(ClaimCost.incurred_on), col(ClaimCost.id))
            )
        )
        .scalars()
        .all()
    )
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for row in rows:
        totals[row.currency] += Decimal(row.amount)
    return ClaimCostList(
        items=[_read(r, claim) for r in rows],
        totals=[CurrencyTotal(currency=c, amount=a) for c, a in sorted(totals.items())],
    )
