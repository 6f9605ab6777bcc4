"""The design department: the referral memo and the designers' answer (cause, recommendations)."""

from sqlalchemy import select
from sqlmodel import col

from app.enums import Action, DefectCause
from app.models.types import utcnow
from app.models.workflow.design import DesignFindingIn, ReferralMemo
from app.models.workflow_records import (
    DesignFinding,
    Referral,
    ReferralStatus,
)
from app.workflow.steps.context import StepContext, step


@step(Action.refer_to_design)
async def refer_to_design(ctx: StepContext, body: ReferralMemo) -> int | None:
    assert ctx.claim.id is not None  # a loaded claim
    referral = Referral(
        claim_id=ctx.claim.id,
        memo=body.memo,
        urgency=body.urgency,
        questions=body.questions,
        created_by=ctx.principal.name,
    )
    ctx.session.add(referral)
    await ctx.session.flush()
    return referral.id


@step(Action.answer_referral)
async def answer_referral(ctx: StepContext, body: DesignFindingIn) -> int | None:
    assert ctx.claim.id is not None  # a loaded claim
    referral = (
        await ctx.session.execute(
            select(Referral)
            .where(
                col(Referral.claim_id) == ctx.claim.id,
                col(Referral.status) == ReferralStatus.open,
            )
            .order_by(col(Referral.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    finding = DesignFinding(
        claim_id=ctx.claim.id,
        referral_id=referral.id if referral else None,
        cause=body.cause,
        analysis=body.analysis,
        recommendations=body.recommendations,
        suggested_remedy=body.suggested_remedy,
        information_needed=body.information_needed,
        author=ctx.principal.name,
    )
    ctx.session.add(finding)
    ctx.claim.defect_cause = body.cause
    if body.cause is not DefectCause.needs_info:
        ctx.progress.has_recommendations = bool(body.recommendations)
        if referral is not None:
            referral.status = ReferralStatus.answered
            referral.answered_at = utcnow()
    await ctx.session.flush()
    return finding.id
