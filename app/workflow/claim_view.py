"""The claim as a caller sees it: its record, timeline, messages and files, with the workflow
actions that caller may take now. Composed here, above `claims`, because the allowed actions
are the workflow's answer."""

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.reading import build_claim_read, load_bundle
from app.config import Settings
from app.models.claims import Attachment, Claim, ClaimEvent, ClaimRead, Message
from app.workdays import today
from app.workflow.service import allowed_for


async def read_claim(
    session: AsyncSession, *, number: str, principal: Principal, settings: Settings
) -> ClaimRead:
    bundle = await load_bundle(session, number)
    claim_id = bundle.claim.id
    events = (
        (
            await session.execute(
                select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.id)
            )
        )
        .scalars()
        .all()
    )
    messages = (
        (
            await session.execute(
                select(Message).where(Message.claim_id == claim_id).order_by(Message.at, Message.id)
            )
        )
        .scalars()
        .all()
    )
    attachments = (
        (
            await session.execute(
                select(Attachment).where(Attachment.claim_id == claim_id).order_by(Attachment.id)
            )
        )
        .scalars()
        .all()
    )
    return build_claim_read(
        bundle,
        events=events,
        messages=messages,
        attachments=attachments,
        allowed=await allowed_actions_for(session, bundle.claim, principal),
        today_=today(settings),
        timezone=settings.timezone,
    )


async def allowed_actions_for(
    session: AsyncSession, claim: Claim, principal: Principal
) -> list[str]:
    """The workflow actions the caller may take now."""
    return await allowed_for(session, claim, principal)
