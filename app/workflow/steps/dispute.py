"""Disputes over who bears the cost, and their settlement."""

from sqlalchemy import select
from sqlmodel import col

from app.enums import Action
from app.errors import Conflict
from app.models.types import utcnow
from app.models.workflow.closure import DisputeOpened, DisputeSettlement
from app.models.workflow_records import (
    Dispute,
)
from app.workflow.steps.context import StepContext, step


@step(Action.open_dispute)
async def open_dispute(ctx: StepContext, body: DisputeOpened) -> int | None:
    assert ctx.claim.id is not None  # a loaded claim
    dispute = Dispute(
        claim_id=ctx.claim.id,
        customer_position=body.customer_position,
        contested_cost_bearer=body.contested_cost_bearer or ctx.claim.cost_bearer,
        legal_review_requested=body.legal_review_requested,
        opened_by=ctx.principal.name,
    )
    ctx.session.add(dispute)
    await ctx.session.flush()
    return dispute.id


@step(Action.settle_dispute)
async def settle_dispute(ctx: StepContext, body: DisputeSettlement) -> int | None:
    dispute = (
        await ctx.session.execute(
            select(Dispute)
            .where(col(Dispute.claim_id) == ctx.claim.id, col(Dispute.settled_at).is_(None))
            .order_by(col(Dispute.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if dispute is None:  # a disputed claim has an open dispute; never trust that blindly
        raise Conflict("No open dispute is recorded on this claim.")
    dispute.outcome, dispute.cost_bearer = body.outcome, body.cost_bearer
    dispute.legal_review = body.legal_review
    dispute.expertise = (
        body.independent_expertise.model_dump() if body.independent_expertise else None
    )
    dispute.settled_by, dispute.settled_at = ctx.principal.name, utcnow()
    ctx.claim.cost_bearer = body.cost_bearer
    return dispute.id
