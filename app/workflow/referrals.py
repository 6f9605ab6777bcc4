"""The design department's inbox: referrals with their claims, oldest first."""

from sqlalchemy import select
from sqlmodel import col
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
        select(Referral, Claim, col(Unit.serial_number), col(ProductModel.code))
        .join(Claim, col(Referral.claim_id) == col(Claim.id))
        .outerjoin(Unit, col(Claim.unit_id) == col(Unit.id))
        .outerjoin(ProductModel, col(Claim.product_model_id) == col(ProductModel.id))
        .where(col(Referral.status).in_(status))
        .order_by(col(Referral.created_at), col(Referral.id))
        .offset(offset)
        .limit(limit + 1)
    )
    if states:
        stmt = stmt.where(col(Claim.state).in_(states))
    if urgency:
        stmt = stmt.where(col(Referral.urgency).in_(urgency))
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
            # The department's edited statement once there is one: it is what the designers
            # are asked about.
            defect_description=claim.defect_statement or claim.defect_description,
            answer_path=answer.replace("{number}", claim.number),
        )
        for ref, claim, serial, code in rows[:limit]
    ]
    return ReferralPage(items=items, next_offset=offset + limit if len(rows) > limit else None)
