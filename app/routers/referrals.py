"""The design department's inbox."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import AnyPrincipal, SessionDep
from app.enums import ClaimState, Urgency
from app.errors import problem_responses
from app.models.workflow.responses import ReferralPage
from app.models.workflow_records import ReferralStatus
from app.workflow import referrals

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"])


@router.get(
    "",
    response_model=ReferralPage,
    summary="Referrals to the design department",
    responses=problem_responses(401, 403, 422),
)
async def list_referrals(
    principal: AnyPrincipal,
    session: SessionDep,
    status: Annotated[
        list[ReferralStatus] | None, Query(description="Referral status; open ones by default")
    ] = None,
    state: Annotated[
        list[ClaimState] | None,
        Query(
            description="The claim's state, e.g. design_review (waiting for design) or "
            "awaiting_customer_info (waiting for the customer)"
        ),
    ] = None,
    urgency: Annotated[list[Urgency] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ReferralPage:
    """Oldest first. Answer one with POST /api/v1/claims/{number}/answer-referral (role design)."""
    return await referrals.list_referrals(
        session,
        status=status or [ReferralStatus.open],
        states=state,
        urgency=urgency,
        limit=limit,
        offset=offset,
    )
