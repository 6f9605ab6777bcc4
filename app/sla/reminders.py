"""Reminders for claims waiting for the customer's confirmation or written withdrawal.

Customers often forget to withdraw a settled claim (domain.md, step 5): after
CLAIMS_REMINDER_AFTER_DAYS the sweep sends a reminder in the claim's language,
records it as an outbound message with its Message-ID (so the reply threads
back) and as an audit event, at most CLAIMS_REMINDER_MAX times per wait.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app import msgids
from app.claims.audit import record_event
from app.enums import ClaimState
from app.events.outbox import enqueue
from app.models.claims import Claim, Message, MessageChannel, MessageDirection
from app.models.customers import Contact
from app.models.events import ClaimSla
from app.sla.clock import reminder_due

SYSTEM_ACTOR = "system:sla"
REMINDER_STATES = frozenset(
    {ClaimState.awaiting_customer_confirmation, ClaimState.awaiting_withdrawal}
)

REMINDER_TEXT = {
    "en": (
        "Reminder: claim {number}",
        "Dear customer, we are still waiting for your answer on claim {number}: please "
        "confirm that the problem is solved or send us your written withdrawal of the claim.",
    ),
    "ru": (
        "Напоминание: рекламация {number}",
        "Уважаемый клиент, мы ждём вашего ответа по рекламации {number}: подтвердите, "
        "пожалуйста, что проблема решена, или пришлите письменное снятие претензий.",
    ),
    "lv": (
        "Atgādinājums: reklamācija {number}",
        "Cienījamais klient, mēs joprojām gaidām jūsu atbildi par reklamāciju {number}: "
        "lūdzu, apstipriniet, ka problēma ir novērsta, vai atsūtiet rakstisku pretenziju "
        "atsaukumu.",
    ),
    "bg": (
        "Напомняне: рекламация {number}",
        "Уважаеми клиенти, все още очакваме отговора ви по рекламация {number}: моля, "
        "потвърдете, че проблемът е решен, или изпратете писмен отказ от претенциите.",
    ),
}


async def remind_if_due(
    session: AsyncSession,
    *,
    claim: Claim,
    clock: ClaimSla,
    contact: Contact | None,
    now: datetime,
    after: timedelta,
    max_reminders: int,
    email_from: str,
    message_id_domain: str,
) -> bool:
    """Queue the next reminder if one is due; no commit (the sweep's transaction)."""
    row = clock
    if claim.state not in REMINDER_STATES or row.waiting_since is None:
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
    subject, body = REMINDER_TEXT.get(claim.language, REMINDER_TEXT["en"])
    subject, body = subject.format(number=claim.number), body.format(number=claim.number)
    payload: dict[str, Any] = {
        "number": claim.number,
        "state": claim.state,
        "reminder": row.reminders_sent,
        "of": max_reminders,
    }
    if contact is not None and contact.email:
        # Stored without angle brackets, sent with them (app/msgids.py).
        message_id = msgids.parse(f"{uuid.uuid4()}@{message_id_domain}")
        session.add(
            Message(
                claim_id=claim.id,
                direction=MessageDirection.outbound,
                channel=MessageChannel.email,
                subject=subject,
                body=body,
                author=SYSTEM_ACTOR,
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
                "from": email_from,
                "subject": subject,
                "text": body,
                "message_id": f"<{message_id}>",
                "claim_number": claim.number,
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
