"""The SLA clock on the database: the workflow hook, the worker's sweep, reminders.

`on_state_change` is what the workflow calls (in its own transaction, no commit)
when a claim changes state: the resolution clock pauses while the claim waits
for the customer and resumes when they answer. The sweep (run by the worker)
reconciles claims whose state changed without the hook, classifies every open
claim, records each missed deadline once (`sla_breaches` has a unique key),
emits `claim.overdue` and escalates to the head of department, and sends the
reminders for claims waiting for the customer (reminders.py), escalating when the customer
has not answered after the last of them; it also reminds the owners of corrective actions'
overdue tasks and due effectiveness checks (corrective.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app import workdays
from app.claims.audit import record_event
from app.config import Settings
from app.enums import ClaimState
from app.events.outbox import enqueue
from app.models.claims import Claim
from app.models.customers import Contact, Customer
from app.models.events import ClaimSla, SlaBreach, SlaRead
from app.sla import corrective, reminders
from app.sla.clock import ResolutionClock, SlaStatus, acknowledgement_status
from app.sla.reminders import REMINDER_STATES, SYSTEM_ACTOR

PAUSE_STATES = frozenset(
    {
        ClaimState.awaiting_customer_info,
        ClaimState.awaiting_payment_guarantee,
        ClaimState.awaiting_customer_confirmation,
    }
)
_SWEEP_LOCK = 7_406_001  # PostgreSQL advisory lock: one sweep at a time across workers


@dataclass(frozen=True)
class SlaParams:
    calendar: workdays.Calendar
    tz: ZoneInfo
    target: timedelta
    due_soon: timedelta
    reminder_after: timedelta
    reminder_max: int
    escalation_email: str | None
    email_from: str
    message_id_domain: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SlaParams:
        return cls(
            calendar=workdays.calendar(settings),
            tz=ZoneInfo(settings.timezone),
            target=timedelta(days=settings.resolution_target_working_days),
            due_soon=timedelta(days=settings.sla_due_soon_working_days),
            reminder_after=timedelta(days=settings.reminder_after_days),
            reminder_max=settings.reminder_max,
            escalation_email=settings.sla_escalation_email,
            email_from=settings.email_from,
            message_id_domain=settings.email_message_id_domain,
        )


@dataclass
class SweepResult:
    checked: int = 0
    breaches: int = 0
    reminders: int = 0
    escalations: int = 0
    # Corrective actions (app/sla/corrective.py): overdue tasks and due effectiveness checks.
    task_reminders: int = 0
    effectiveness_reminders: int = 0
    skipped: bool = False


# ---- the clock stored on a row -----------------------------------------------------------


def _clock(row: ClaimSla) -> ResolutionClock:
    remaining = row.resolution_remaining_seconds
    return ResolutionClock(
        started_at=row.resolution_started_at,
        due_at=row.resolution_due_at,
        paused_at=row.resolution_paused_at,
        remaining=timedelta(seconds=remaining) if remaining is not None else None,
        paused_total=timedelta(seconds=row.resolution_paused_seconds),
    )


def _store(row: ClaimSla, clock: ResolutionClock) -> None:
    row.resolution_due_at = clock.due_at
    row.resolution_paused_at = clock.paused_at
    row.resolution_remaining_seconds = (
        int(clock.remaining.total_seconds()) if clock.remaining is not None else None
    )
    row.resolution_paused_seconds = int(clock.paused_total.total_seconds())


def new_row(claim: Claim, params: SlaParams) -> ClaimSla:
    assert claim.id is not None
    clock = ResolutionClock.start(claim.received_at, params.target, params.calendar, tz=params.tz)
    row = ClaimSla(
        claim_id=claim.id,
        state=ClaimState.new,
        resolution_started_at=clock.started_at,
        resolution_due_at=clock.due_at,
        # As of the clock's start, not of the wall clock: a state change the row catches up
        # with later (`apply_state` at max(claim.updated_at, row.updated_at)) keeps its time.
        updated_at=clock.started_at,
    )
    return row


def apply_state(row: ClaimSla, state: str, now: datetime, params: SlaParams) -> None:
    """Move the clock for a claim that is now in ``state``."""
    if state == row.state:
        return
    clock = _clock(row)
    if state in PAUSE_STATES:
        clock = clock.pause(now, params.calendar, tz=params.tz)
    elif state != ClaimState.closed:
        clock = clock.resume(now, params.calendar, tz=params.tz)
    _store(row, clock)
    if state in REMINDER_STATES:
        row.waiting_since, row.reminders_sent, row.last_reminder_at = now, 0, None
    else:
        row.waiting_since = None
    row.state = state
    row.updated_at = now


async def on_state_change(
    session: AsyncSession,
    *,
    claim: Claim,
    to_state: str,
    settings: Settings,
    now: datetime,
) -> ClaimSla:
    """The workflow's hook: call it in the transaction that changes the claim's state."""
    assert claim.id is not None
    params = SlaParams.from_settings(settings)
    row = await session.get(ClaimSla, claim.id)
    if row is None:
        row = new_row(claim, params)
        session.add(row)
    apply_state(row, to_state, now, params)
    return row


async def read_sla(
    session: AsyncSession, *, claim: Claim, settings: Settings, now: datetime
) -> SlaRead:
    """The clock as of ``now`` (computed from the claim if the worker has not seen it yet)."""
    params = SlaParams.from_settings(settings)
    row = await session.get(ClaimSla, claim.id)
    if row is None:
        row = new_row(claim, params)
    if row.state != claim.state:
        apply_state(row, claim.state, max(claim.updated_at, row.updated_at), params)
    clock = _clock(row)
    closed = claim.state == ClaimState.closed
    ack = acknowledgement_status(
        today=now.astimezone(params.tz).date(),
        due_date=claim.ack_due_date,
        calendar=params.calendar,
        acknowledged=closed or claim.acknowledged_at is not None,
    )
    resolution = (
        SlaStatus.met
        if closed
        else clock.status(now, params.due_soon, params.calendar, tz=params.tz)
    )
    return SlaRead(
        acknowledgement=ack,
        ack_due_date=claim.ack_due_date,
        ack_deadline_date=claim.ack_deadline_date,
        resolution=resolution,
        resolution_started_at=clock.started_at,
        resolution_due_at=None if clock.is_paused else clock.due_at,
        paused_since=clock.paused_at,
        paused_seconds=int(clock.paused_so_far(now).total_seconds()),
        overdue=SlaStatus.overdue in (ack, resolution),
        reminders_sent=row.reminders_sent,
        last_reminder_at=row.last_reminder_at,
    )


# ---- the sweep ---------------------------------------------------------------------------


async def sweep(session: AsyncSession, *, settings: Settings, now: datetime) -> SweepResult:
    """Flag, escalate and remind; one transaction; a second concurrent sweep skips."""
    params = SlaParams.from_settings(settings)
    result = SweepResult()
    assert session.bind is not None  # the app's sessions are bound to its engine
    if session.bind.dialect.name == "postgresql":
        got = (
            await session.execute(text(f"SELECT pg_try_advisory_xact_lock({_SWEEP_LOCK})"))
        ).scalar()
        if not got:
            await session.rollback()
            return SweepResult(skipped=True)
    rows = (
        await session.execute(
            select(Claim, ClaimSla, Contact, col(Customer.is_key_customer))
            .join(Customer, col(Claim.customer_id) == col(Customer.id))
            .outerjoin(Contact, col(Claim.contact_id) == col(Contact.id))
            .outerjoin(ClaimSla, col(ClaimSla.claim_id) == col(Claim.id))
            .where((col(Claim.state) != ClaimState.closed) | (col(ClaimSla.overdue) == True))  # noqa: E712
        )
    ).all()
    today = now.astimezone(params.tz).date()
    for claim, row, contact, key_customer in rows:
        if row is None:
            row = new_row(claim, params)
            session.add(row)
        if row.state != claim.state:
            # The workflow did not call the hook: the claim's last update is the transition.
            apply_state(row, claim.state, max(claim.updated_at, row.updated_at), params)
        result.checked += 1
        result.breaches += await _classify(session, claim, row, today, now, params)
        if await reminders.remind_if_due(
            session,
            claim=claim,
            clock=row,
            contact=contact,
            key_customer=bool(key_customer),
            now=now,
            after=params.reminder_after,
            max_reminders=params.reminder_max,
            settings=settings,
        ):
            result.reminders += 1
        elif claim.state in REMINDER_STATES and reminders.escalation_due(
            row,
            now=now,
            after=params.reminder_after,
            max_reminders=params.reminder_max,
            silent=reminders.reminders_off(key_customer=bool(key_customer), settings=settings),
        ):
            assert row.waiting_since is not None
            # Once per wait: the wait's start is the "deadline" the marker is unique on.
            if await _breach_once(
                session, claim, "customer_reply", row.waiting_since.isoformat(), now, params,
                reminders=row.reminders_sent,
            ):  # fmt: skip
                result.escalations += 1
        row.checked_at = now
    corrective_reminders = await corrective.remind(session, today=today, now=now)
    result.task_reminders = corrective_reminders.tasks
    result.effectiveness_reminders = corrective_reminders.effectiveness
    await session.commit()
    return result


async def _classify(
    session: AsyncSession,
    claim: Claim,
    row: ClaimSla,
    today: date,
    now: datetime,
    params: SlaParams,
) -> int:
    closed = claim.state == ClaimState.closed
    ack = acknowledgement_status(
        today=today,
        due_date=claim.ack_due_date,
        calendar=params.calendar,
        acknowledged=closed or claim.acknowledged_at is not None,
    )
    resolution = (
        SlaStatus.met
        if closed
        else _clock(row).status(now, params.due_soon, params.calendar, tz=params.tz)
    )
    row.ack_status, row.resolution_status = ack, resolution
    row.overdue = SlaStatus.overdue in (ack, resolution)
    missed: list[tuple[str, str]] = []
    if ack == SlaStatus.overdue:
        missed.append(("acknowledgement", claim.ack_due_date.isoformat()))
        if claim.ack_deadline_date < today:
            missed.append(("acknowledgement_limit", claim.ack_deadline_date.isoformat()))
    if resolution == SlaStatus.overdue:
        missed.append(("resolution", row.resolution_due_at.isoformat()))
    count = 0
    for kind, deadline in missed:
        if await _breach_once(session, claim, kind, deadline, now, params):
            count += 1
    soon: list[tuple[str, str]] = []
    if ack == SlaStatus.due_soon:
        soon.append(("acknowledgement", claim.ack_due_date.isoformat()))
    if resolution == SlaStatus.due_soon:
        soon.append(("resolution", row.resolution_due_at.isoformat()))
    for kind, deadline in soon:
        if await _record_once(session, claim.id, f"{kind}.due_soon", deadline, now):
            enqueue(
                session,
                event_type="claim.due_soon",
                claim_id=claim.id,
                data={
                    "number": claim.number,
                    "state": claim.state,
                    "deadline_kind": kind,
                    "deadline": deadline,
                },
            )
    return count


async def _record_once(
    session: AsyncSession, claim_id: int | None, kind: str, deadline: str, now: datetime
) -> bool:
    """Insert the (claim, kind, deadline) marker; False if it was already there."""
    assert claim_id is not None
    known = (
        await session.execute(
            select(col(SlaBreach.id)).where(
                col(SlaBreach.claim_id) == claim_id,
                col(SlaBreach.kind) == kind,
                col(SlaBreach.deadline) == deadline,
            )
        )
    ).first()
    if known is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(SlaBreach(claim_id=claim_id, kind=kind, deadline=deadline, created_at=now))
    except IntegrityError:
        return False
    return True


async def _breach_once(
    session: AsyncSession,
    claim: Claim,
    kind: str,
    deadline: str,
    now: datetime,
    params: SlaParams,
    reminders: int | None = None,
) -> bool:
    """Escalate a missed deadline to the head, once; `reminders` for a customer who did not
    answer that many reminders (`customer_reply`, the deadline being the wait's start)."""
    if not await _record_once(session, claim.id, kind, deadline, now):
        return False
    data: dict[str, object] = {
        "number": claim.number,
        "state": claim.state,
        "deadline_kind": kind,
        "deadline": deadline,
        "escalated_to": "head",
    }
    if reminders is not None:
        data["reminders_sent"] = reminders
    enqueue(session, event_type="claim.overdue", claim_id=claim.id, data=data)
    record_event(
        session,
        claim=claim,
        actor=SYSTEM_ACTOR,
        action="sla_escalated",
        from_state=claim.state,
        to_state=claim.state,
        payload=data,
    )
    if params.escalation_email:
        enqueue(
            session,
            event_type="email.outbound",
            claim_id=claim.id,
            data={
                "to": [params.escalation_email],
                "from": params.email_from,
                "subject": f"Overdue: claim {claim.number} ({kind.replace('_', ' ')})",
                "text": (
                    f"Claim {claim.number} has waited for the customer since {deadline} "
                    f"({claim.state}); {reminders} reminder(s) brought no answer."
                    if reminders is not None
                    else f"Claim {claim.number} missed its {kind.replace('_', ' ')} deadline "
                    f"{deadline}. It is in state {claim.state}."
                ),
                "claim_number": claim.number,
                "purpose": "escalation",
            },
        )
    return True
