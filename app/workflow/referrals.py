"""The design department's inbox: referrals with their claims, oldest first."""

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.enums import Action, ClaimState, Urgency
from app.models.claims import Claim
from app.models.reference import ProductModel, Unit
from app.models.workflow.responses import ReferralPage, ReferralRead
from app.models.workflow_records import Referral, ReferralStatus
from app.workflow.info import action_path


async def list_referrals(
    session: AsyncSession,
    *,
    status: list[ReferralStatus],
    states: list[ClaimState] | None,
    urgency: list[Urgency] | None,
    limit: int,
    offset: int,
) -> ReferralPage:
    stmt = (
        select(Referral, Claim, Unit.serial_number, ProductModel.code)
        .join(Claim, Referral.claim_id == Claim.id)
        .outerjoin(Unit, Claim.unit_id == Unit.id)
        .outerjoin(ProductModel, Claim.product_model_id == ProductModel.id)
        .where(Referral.status.in_(status))  # type: ignore[attr-defined]
        .order_by(Referral.created_at, Referral.id)
        .offset(offset)
        .limit(limit + 1)
    )
    if states:
        stmt = stmt.where(Claim.state.in_(states))  # type: ignore[attr-defined]
    if urgency:
        stmt = stmt.where(Referral.urgency.in_(urgency))  # type: ignore[attr-defined]
    rows = (await session.execute(stmt)).all()
    answer = action_path(Action.answer_referral)
    items = [
        ReferralRead(
            id=ref.id,
            claim_number=claim.number,
            claim_state=claim.state,
            claim_version=claim.version,
            memo=ref.memo,
            urgency=ref.urgency,
            questions=ref.questions,
            status=ref.status,
            created_by=ref.created_by,
            created_at=ref.created_at,
            answered_at=ref.answered_at,
            model_code=code,
            serial_number=serial or claim.reported_serial,
            defect_description=claim.defect_description,
            answer_path=answer.replace("{number}", claim.number),
        )
        for ref, claim, serial, code in rows[:limit]
    ]
    return ReferralPage(items=items, next_offset=offset + limit if len(rows) > limit else None)
