"""A supplier claim's letter going out moves a draft supplier claim to `sent`.

Letters announce it (app/letters/subjects.py, `notify_letter_sent`) once the letter has gone:
the email gateway took it, or a person marked it posted. The move is `claims.mark_sent`, the
same transition, audit row and outbox event as a person marking the claim sent, in the
letter's transaction. A supplier claim past `draft` is left alone: a later letter (a reminder)
does not move it again.
"""

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.letters.subjects import Subject, observe_letters_sent
from app.models.letters import Letter, SendChannel
from app.models.suppliers import SupplierClaimChannel, SupplierClaimState
from app.suppliers.claims import mark_sent


async def on_letter_sent(
    session: AsyncSession,
    *,
    subject: Subject,
    letter: Letter,
    at: datetime,
    channel: SendChannel,
    actor: str,
) -> None:
    sc = subject.supplier_claim
    if sc is None or SupplierClaimState(sc.state) is not SupplierClaimState.draft:
        return
    mark_sent(
        session, sc, actor=actor, at=at, channel=SupplierClaimChannel(channel.value), letter=letter
    )


def follow() -> None:
    """Wire the reaction: the server (`app.main.create_app`) and the worker
    (`app.runner.make_worker`, which records the gateway's answer) both call it."""
    observe_letters_sent("supplier_claims", on_letter_sent)
