"""Reminders are letters: what the SLA sweep sends while a claim waits for the customer.

A reminder is the `reminder` letter kind, with templates per language: `reminder.html.j2`
is the formal letter, `reminder.txt.j2` the email the sweep sends by itself. Both are built
from the same context as every letter (app/letters/building.py), so the reminder greets the
reader as the letters do, names the claim's executor (its owner) as the person who signs
and answers, and asks the customer to reply to the claim's own address (Reply-To
claims+<number>@, which threads the answer back to the claim).

An automatic email is not a registered letter: it has no outgoing number and no PDF. For a
key customer nothing leaves without sign-off, so there the sweep drafts the reminder letter
and submits it for approval (the director's); it is issued and sent like any other letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.api_keys import newest_live_key
from app.config import Settings
from app.enums import ClaimState, LetterKind, LetterState
from app.events.outbox import enqueue
from app.letters.building import LetterBundle, build_context
from app.letters.prefill import earlier_letter
from app.letters.render import render_reminder_email, resolve_language
from app.letters.service import audit, create_draft, load
from app.models.claims import Claim
from app.models.customers import Contact, Customer
from app.models.letters import Letter
from app.models.reference import ProductModel, Unit
from app.workdays import local_date

# What the customer owes us in each waiting state, as the reminder template words it.
AWAITING: dict[str, str] = {
    ClaimState.awaiting_customer_info: "information",
    ClaimState.awaiting_payment_guarantee: "payment_guarantee",
    ClaimState.awaiting_customer_confirmation: "confirmation",
    ClaimState.awaiting_withdrawal: "withdrawal",
}
# The letter that asked for it, which the reminder refers to.
_ASKED_BY: dict[str, tuple[LetterKind, ...]] = {
    "information": (LetterKind.information_request,),
    "payment_guarantee": (LetterKind.paid_repair_offer,),
    "confirmation": (LetterKind.explanation, LetterKind.recommendations),
    "withdrawal": (LetterKind.withdrawal_request,),
}


@dataclass(frozen=True, slots=True)
class ReminderEmail:
    language: str
    subject: str
    text: str
    executor: str | None


async def _reminder_fields(
    session: AsyncSession, claim: Claim, awaiting: str, lang: str
) -> dict[str, str]:
    assert claim.id is not None
    fields = {"awaiting": awaiting}
    reminder_of = await earlier_letter(session, claim.id, _ASKED_BY.get(awaiting, ()), lang)
    if reminder_of:
        fields["reminder_of"] = reminder_of
    return fields


def _language(claim: Claim, settings: Settings) -> str:
    return resolve_language(
        claim.language,
        default=settings.letter_default_language,
        fallbacks=settings.letter_language_fallbacks,
    )


async def reminder_email(
    session: AsyncSession, *, claim: Claim, settings: Settings, now: datetime
) -> ReminderEmail:
    """The automatic reminder for a claim in a waiting state, rendered in its language."""
    assert claim.id is not None
    lang = _language(claim, settings)
    customer = await session.get(Customer, claim.customer_id)
    assert customer is not None  # a claim always has its customer
    contact = await session.get(Contact, claim.contact_id) if claim.contact_id else None
    unit = await session.get(Unit, claim.unit_id) if claim.unit_id else None
    model = (
        await session.get(ProductModel, claim.product_model_id) if claim.product_model_id else None
    )
    fields = await _reminder_fields(session, claim, AWAITING.get(claim.state, ""), lang)
    # Never added to the session: the email is rendered as a letter, not registered as one.
    letter = Letter(
        claim_id=claim.id,
        kind=LetterKind.reminder,
        language=lang,
        fields=fields,
        created_by="system",
    )
    bundle = LetterBundle(letter, claim, customer, contact, unit, model)
    bundle.owner = await newest_live_key(session, claim.owner)
    context = build_context(bundle, settings, number=None, letter_date=local_date(now, settings))
    subject, text = render_reminder_email(
        lang, context, templates_dir=settings.letter_templates_dir
    )
    return ReminderEmail(lang, subject, text, context.executor.name if context.executor else None)


async def draft_for_sign_off(
    session: AsyncSession, *, claim: Claim, settings: Settings, actor: str, now: datetime
) -> Letter:
    """A reminder letter, drafted and submitted for approval in the caller's transaction.

    One awaiting sign-off is enough: while it has not been issued the next reminder is that
    same letter, not a second one on the approver's desk."""
    waiting = (
        await session.execute(
            select(Letter)
            .where(
                col(Letter.claim_id) == claim.id,
                col(Letter.kind) == LetterKind.reminder,
                col(Letter.issued_at).is_(None),
            )
            .order_by(col(Letter.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if waiting is not None:
        return waiting
    lang = _language(claim, settings)
    fields = await _reminder_fields(session, claim, AWAITING.get(claim.state, ""), lang)
    letter = await create_draft(
        session,
        claim=claim,
        kind=LetterKind.reminder,
        actor=actor,
        fields=fields,
        language=lang,
        settings=settings,
    )
    assert letter.id is not None
    b = await load(session, letter.id)
    letter.state, letter.submitted_by, letter.submitted_at = (
        LetterState.pending_approval,
        actor,
        now,
    )
    audit(session, b, actor=actor, action="submit", from_state=LetterState.draft)
    enqueue(
        session,
        event_type="letter.submitted",
        claim_id=claim.id,
        data={"letter_id": letter.id, "claim_number": claim.number, "kind": letter.kind.value},
    )
    return letter
