"""Reminders while a claim waits for the customer: information, a payment guarantee, their
confirmation that the fault is gone, or their written withdrawal.

After CLAIMS_REMINDER_AFTER_DAYS of waiting the sweep reminds the customer, and again each
interval after, at most CLAIMS_REMINDER_MAX times per wait. A reminder is a letter
(app/letters/reminders.py): rendered from the `reminder` templates in the customer's
language, signed by the claim's executor, Reply-To the claim's address, recorded as an
outbound message with its Message-ID (so the reply threads back) and as an audit event. A key
customer's reminder is drafted and submitted for sign-off instead of emailed, or not made at
all (CLAIMS_REMINDER_KEY_CUSTOMERS). When the customer has not answered one more interval
after the last reminder, the sweep escalates to the head of department (service.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app import msgids
from app.claims.audit import record_event
from app.config import Settings
from app.enums import ClaimState
from app.events.outbox import enqueue
from app.letters import reminders as reminder_letters
from app.letters.delivery import reply_to_address
from app.models.claims import Claim, Message, MessageChannel, MessageDirection
from app.models.customers import Contact
from app.models.events import ClaimSla
from app.sla.clock import reminder_due

SYSTEM_ACTOR = "system:sla"
REMINDER_STATES = frozenset(
    {
        ClaimState.awaiting_customer_info,
        ClaimState.awaiting_payment_guarantee,
        ClaimState.awaiting_customer_confirmation,
        ClaimState.awaiting_withdrawal,
    }
)


def reminders_off(*, key_customer: bool, settings: Settings) -> bool:
    return key_customer and settings.reminder_key_customers == "off"


def escalation_due(
    clock: ClaimSla, *, now: datetime, after: timedelta, max_reminders: int, silent: bool
) -> bool:
    """Whether the wait has outlasted the reminders: one interval after the last of them, or,
    where no reminders are made (`silent`), as long as the reminders would have taken."""
    if clock.waiting_since is None:
        return False
    if silent:
        return now - clock.waiting_since >= after * (max_reminders + 1)
    if clock.reminders_sent < max_reminders:
        return False
    since = max(clock.last_reminder_at or clock.waiting_since, clock.waiting_since)
    return now - since >= after


async def remind_if_due(
    session: AsyncSession,
    *,
    claim: Claim,
    clock: ClaimSla,
    contact: Contact | None,
    key_customer: bool,
    now: datetime,
    after: timedelta,
    max_reminders: int,
    settings: Settings,
) -> bool:
    """Queue the next reminder if one is due; no commit (the sweep's transaction)."""
    row = clock
    if claim.state not in REMINDER_STATES or row.waiting_since is None:
        return False
    if reminders_off(key_customer=key_customer, settings=settings):
        return False
    if not reminder_due(
        now=now,
        waiting_since=row.waiting_since,
        last_reminder_at=row.last_reminder_at,
        reminders_sent=row.reminders_sent,
        after=after,
        max_reminders=max_reminders,
    ):
        return False
    assert claim.id is not None
    row.reminders_sent += 1
    row.last_reminder_at = now
    payload: dict[str, Any] = {
        "number": claim.number,
        "state": claim.state,
        "reminder": row.reminders_sent,
        "of": max_reminders,
    }
    if key_customer:
        letter = await reminder_letters.draft_for_sign_off(
            session, claim=claim, settings=settings, actor=SYSTEM_ACTOR, now=now
        )
        payload.update(channel="letter", letter_id=letter.id, letter_state=str(letter.state))
    elif contact is not None and contact.email:
        email = await reminder_letters.reminder_email(
            session, claim=claim, settings=settings, now=now
        )
        # Stored without angle brackets, sent with them (app/msgids.py).
        message_id = msgids.parse(f"{uuid.uuid4()}@{settings.email_message_id_domain}")
        session.add(
            Message(
                claim_id=claim.id,
                direction=MessageDirection.outbound,
                channel=MessageChannel.email,
                subject=email.subject[:500],
                body=email.text,
                author=email.executor or SYSTEM_ACTOR,
                at=now,
                external_message_id=message_id,
            )
        )
        enqueue(
            session,
            event_type="email.outbound",
            claim_id=claim.id,
            data={
                "to": [contact.email],
                "from": settings.letter_from_address,
                "reply_to": reply_to_address(claim.number, settings),
                "subject": email.subject,  # names the claim: the intake files the reply by it
                "text": email.text,
                "message_id": f"<{message_id}>",
                "claim_number": claim.number,
                "language": email.language,
                "purpose": "reminder",
            },
        )
        payload["message_id"] = f"<{message_id}>"
    else:
        payload["channel"] = "phone"  # no email address: the specialist must call
    record_event(
        session,
        claim=claim,
        actor=SYSTEM_ACTOR,
        action="reminder_sent",
        from_state=claim.state,
        to_state=claim.state,
        payload=payload,
    )
    enqueue(session, event_type="claim.reminder_sent", claim_id=claim.id, data=payload)
    return True
