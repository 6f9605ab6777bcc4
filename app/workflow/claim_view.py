"""The claim as a caller sees it: its record, timeline, messages and files, with the workflow
actions that caller may take now. Composed here, above `claims`, because the allowed actions
are the workflow's answer."""

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims import satisfaction
from app.claims.reading import build_claim_read, load_bundle
from app.config import Settings
from app.enums import LetterState
from app.models.claims import Attachment, ClaimEvent, ClaimRead, Message
from app.models.corrective import CorrectiveAction, CorrectiveActionClaim
from app.models.letters import Letter
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
                select(ClaimEvent)
                .where(col(ClaimEvent.claim_id) == claim_id)
                .order_by(col(ClaimEvent.id))
            )
        )
        .scalars()
        .all()
    )
    messages = (
        (
            await session.execute(
                select(Message)
                .where(col(Message.claim_id) == claim_id)
                .order_by(col(Message.at), col(Message.id))
            )
        )
        .scalars()
        .all()
    )
    attachments = (
        (
            await session.execute(
                select(Attachment)
                .where(col(Attachment.claim_id) == claim_id)
                .order_by(col(Attachment.id))
            )
        )
        .scalars()
        .all()
    )
    unsent = (
        (
            await session.execute(
                select(Letter)
                .where(
                    col(Letter.claim_id) == claim_id,
                    col(Letter.state).in_([LetterState.sending, LetterState.send_failed]),
                )
                .order_by(col(Letter.id))
            )
        )
        .scalars()
        .all()
    )
    assert claim_id is not None
    rated = satisfaction.read(await satisfaction.rating_of(session, claim_id))
    corrective = (
        await session.execute(
            select(col(CorrectiveAction.number))
            .join(
                CorrectiveActionClaim,
                col(CorrectiveActionClaim.corrective_action_id) == col(CorrectiveAction.id),
            )
            .where(col(CorrectiveActionClaim.claim_id) == claim_id)
            .order_by(col(CorrectiveAction.id))
        )
    ).scalars()
    view = build_claim_read(
        bundle,
        events=events,
        messages=messages,
        attachments=attachments,
        allowed=await allowed_for(session, bundle.claim, principal),
        today_=today(settings),
        timezone=settings.timezone,
        unsent_letters=unsent,
        corrective_actions=list(corrective),
    )
    view.satisfaction = rated
    return view
