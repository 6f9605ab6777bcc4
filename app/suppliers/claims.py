"""Claims against suppliers: create, read, list, edit a draft, and move them through the
machine in app/suppliers/machine.py.

Each change writes a SupplierClaimEvent and a `supplier_claim.*` outbox row in its transaction:
`supplier_claim.created`, `supplier_claim.updated` and `supplier_claim.state_changed`.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.numbering import format_number, next_value
from app.config import Settings
from app.db import version_of
from app.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from app.events import outbox
from app.models.claims import Attachment, AttachmentRead, Claim
from app.models.corrective import CorrectiveAction
from app.models.customers import ContactRead
from app.models.letters import Letter
from app.models.suppliers import (
    Supplier,
    SupplierClaim,
    SupplierClaimAccept,
    SupplierClaimAcknowledge,
    SupplierClaimAction,
    SupplierClaimChannel,
    SupplierClaimCreate,
    SupplierClaimEvent,
    SupplierClaimEventRead,
    SupplierClaimLink,
    SupplierClaimLinkedClaim,
    SupplierClaimListItem,
    SupplierClaimPage,
    SupplierClaimRead,
    SupplierClaimReject,
    SupplierClaimReopen,
    SupplierClaimSent,
    SupplierClaimSettle,
    SupplierClaimState,
    SupplierClaimUpdate,
    SupplierContact,
    SupplierRef,
)
from app.models.types import money_text, utcnow
from app.suppliers import machine

CREATED = "supplier_claim.created"
UPDATED = "supplier_claim.updated"
STATE_CHANGED = "supplier_claim.state_changed"
PREFIX = "SC"
COUNTER = "supplier_claim"
AWAITING_ANSWER = (SupplierClaimState.sent, SupplierClaimState.acknowledged)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        message, errors=[{"field": field, "message": message, "type": "value_error"}]
    )


def today(settings: Settings) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)).date()


def is_overdue(sc: SupplierClaim, *, now: datetime, answer_days: int) -> bool:
    return (
        sc.state in AWAITING_ANSWER
        and sc.sent_at is not None
        and sc.sent_at < now - timedelta(days=answer_days)
    )


# ---- loading -----------------------------------------------------------------------------------


async def get(session: AsyncSession, number: str, *, lock: bool = False) -> SupplierClaim:
    stmt = select(SupplierClaim).where(col(SupplierClaim.number) == number)
    if lock:  # a fresh copy under the lock, not one this session loaded before
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    sc = (await session.execute(stmt)).scalar_one_or_none()
    if sc is None:
        raise NotFound(f"Supplier claim {number} not found.")
    return sc


def _check_version(sc: SupplierClaim, expected: int) -> None:
    _stale(sc.number, sc.version, expected)


def _stale(number: str, version: int, expected: int) -> None:
    if version != expected:
        raise PreconditionFailed(
            f'If-Match "{expected}" is stale: supplier claim {number} is at version '
            f"{version}; reload it.",
            current_version=version,
        )


async def check_fresh(session: AsyncSession, number: str, expected: int) -> None:
    """If-Match before the body is read (404 unknown, 412 stale); checked again under the lock."""
    version = await version_of(
        session, col(SupplierClaim.version), col(SupplierClaim.number) == number
    )
    if version is None:
        raise NotFound(f"Supplier claim {number} not found.")
    _stale(number, version, expected)


# ---- resolving what a request names ------------------------------------------------------------


async def _supplier(session: AsyncSession, supplier_id: int) -> Supplier:
    supplier = await session.get(Supplier, supplier_id)
    if supplier is None:
        raise _invalid("body.supplier_id", f"Supplier {supplier_id} does not exist.")
    return supplier


async def _check_contact(session: AsyncSession, contact_id: int | None, supplier_id: int) -> None:
    if contact_id is None:
        return
    contact = await session.get(SupplierContact, contact_id)
    if contact is None or contact.supplier_id != supplier_id:
        raise _invalid("body.contact_id", f"Supplier {supplier_id} has no contact {contact_id}.")


async def _corrective_action_id(session: AsyncSession, number: str | None) -> int | None:
    if number is None:
        return None
    found = (
        await session.execute(
            select(col(CorrectiveAction.id)).where(col(CorrectiveAction.number) == number.strip())
        )
    ).scalar_one_or_none()
    if found is None:
        raise _invalid("body.corrective_action", f"Corrective action {number} does not exist.")
    return found


async def _claim_ids(session: AsyncSession, numbers: list[str]) -> list[int]:
    rows = await session.execute(
        select(col(Claim.number), col(Claim.id)).where(col(Claim.number).in_(set(numbers)))
    )
    ids: dict[str, int] = {number: claim_id for number, claim_id in rows}
    for i, number in enumerate(numbers):
        if number not in ids:
            raise _invalid(f"body.claim_numbers.{i}", f"Claim {number} does not exist.")
    return list(dict.fromkeys(ids[n] for n in numbers))


async def _check_evidence(session: AsyncSession, ids: list[int], claim_ids: list[int]) -> None:
    if not ids:
        return
    rows = await session.execute(
        select(col(Attachment.id), col(Attachment.claim_id)).where(col(Attachment.id).in_(set(ids)))
    )
    owner: dict[int, int] = {attachment: claim for attachment, claim in rows}
    for i, attachment_id in enumerate(ids):
        if owner.get(attachment_id) not in claim_ids:
            raise _invalid(
                f"body.evidence_attachment_ids.{i}",
                f"Attachment {attachment_id} is not an attachment of the linked customer claims.",
            )


async def _linked_ids(session: AsyncSession, sc_id: int) -> list[int]:
    rows = await session.execute(
        select(col(SupplierClaimLink.claim_id)).where(
            col(SupplierClaimLink.supplier_claim_id) == sc_id
        )
    )
    return list(rows.scalars())


# ---- audit -------------------------------------------------------------------------------------


def _event(
    session: AsyncSession,
    sc: SupplierClaim,
    *,
    actor: str,
    action: str,
    from_state: str | None,
    payload: dict[str, Any] | None = None,
) -> None:
    assert sc.id is not None
    session.add(
        SupplierClaimEvent(
            supplier_claim_id=sc.id,
            actor=actor,
            action=action,
            from_state=from_state,
            to_state=sc.state,
            payload=payload,
            at=utcnow(),
        )
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---- create, read, list ------------------------------------------------------------------------


async def create_claim(
    session: AsyncSession, *, data: SupplierClaimCreate, principal: Principal, settings: Settings
) -> SupplierClaimRead:
    supplier = await _supplier(session, data.supplier_id)
    await _check_contact(session, data.contact_id, data.supplier_id)
    corrective_id = await _corrective_action_id(session, data.corrective_action)
    claim_ids = await _claim_ids(session, data.claim_numbers)
    await _check_evidence(session, data.evidence_attachment_ids, claim_ids)
    year = today(settings).year
    seq = await next_value(session, name=COUNTER, year=year)
    sc = SupplierClaim(
        number=format_number(PREFIX, year, seq),
        year=year,
        seq=seq,
        supplier_id=data.supplier_id,
        contact_id=data.contact_id,
        corrective_action_id=corrective_id,
        component=data.component,
        supplier_reference=data.supplier_reference,
        defect_description=data.defect_description,
        evidence_attachment_ids=list(dict.fromkeys(data.evidence_attachment_ids)),
        currency=data.currency or settings.reports_currency,
        amount_claimed=data.amount_claimed,
        language=(data.language.value if data.language else supplier.language),
        owner=data.owner or principal.name,
        created_by=principal.name,
    )
    session.add(sc)
    await session.flush()
    assert sc.id is not None
    session.add_all(SupplierClaimLink(supplier_claim_id=sc.id, claim_id=c) for c in claim_ids)
    _event(
        session,
        sc,
        actor=principal.name,
        action="created",
        from_state=None,
        payload={
            "supplier_id": sc.supplier_id,
            "claim_numbers": list(dict.fromkeys(data.claim_numbers)),
            "amount_claimed": money_text(sc.amount_claimed),
            "currency": sc.currency,
        },
    )
    outbox.enqueue(
        session,
        event_type=CREATED,
        data={
            "number": sc.number,
            "supplier_id": sc.supplier_id,
            "state": sc.state,
            "amount_claimed": money_text(sc.amount_claimed),
            "currency": sc.currency,
            "version": sc.version,
        },
    )
    await session.commit()
    return await claim_read(session, sc, principal=principal, settings=settings)


async def read_claim(
    session: AsyncSession, number: str, *, principal: Principal, settings: Settings
) -> SupplierClaimRead:
    return await claim_read(
        session, await get(session, number), principal=principal, settings=settings
    )


async def claim_read(
    session: AsyncSession, sc: SupplierClaim, *, principal: Principal, settings: Settings
) -> SupplierClaimRead:
    assert sc.id is not None
    supplier = await session.get(Supplier, sc.supplier_id)
    assert supplier is not None and supplier.id is not None
    contact = await session.get(SupplierContact, sc.contact_id) if sc.contact_id else None
    corrective = (
        await session.get(CorrectiveAction, sc.corrective_action_id)
        if sc.corrective_action_id
        else None
    )
    linked = await session.execute(
        select(col(Claim.number), col(Claim.state), col(Claim.title))
        .join(SupplierClaimLink, col(SupplierClaimLink.claim_id) == col(Claim.id))
        .where(col(SupplierClaimLink.supplier_claim_id) == sc.id)
        .order_by(col(Claim.number))
    )
    evidence = (
        (
            await session.execute(
                select(Attachment)
                .where(col(Attachment.id).in_(sc.evidence_attachment_ids))
                .order_by(col(Attachment.id))
            )
        )
        .scalars()
        .all()
        if sc.evidence_attachment_ids
        else []
    )
    return SupplierClaimRead.model_validate(
        {
            **_item_fields(sc, supplier, corrective.number if corrective else None, settings),
            "contact": ContactRead.model_validate(contact, from_attributes=True)
            if contact
            else None,
            "supplier_reference": sc.supplier_reference,
            "defect_description": sc.defect_description,
            "claims": [SupplierClaimLinkedClaim.model_validate(row._mapping) for row in linked],
            "evidence": [AttachmentRead.model_validate(a, from_attributes=True) for a in evidence],
            "language": sc.language,
            "sent_channel": sc.sent_channel,
            "supplier_claim_reference": sc.supplier_claim_reference,
            "acknowledged_on": sc.acknowledged_on,
            "supplier_response": sc.supplier_response,
            "recovered_on": sc.recovered_on,
            "settled_at": sc.settled_at,
            "created_by": sc.created_by,
            "updated_at": sc.updated_at,
            "allowed_actions": machine.allowed_actions(sc.state, principal.roles),
            "events": await events(session, sc),
        }
    )


def _item_fields(
    sc: SupplierClaim, supplier: Supplier, corrective: str | None, settings: Settings
) -> dict[str, Any]:
    assert supplier.id is not None
    return {
        "number": sc.number,
        "state": sc.state,
        "supplier": SupplierRef(id=supplier.id, name=supplier.name),
        "component": sc.component,
        "corrective_action": corrective,
        "currency": sc.currency,
        "amount_claimed": sc.amount_claimed,
        "amount_accepted": sc.amount_accepted,
        "amount_recovered": sc.amount_recovered,
        "owner": sc.owner,
        "sent_at": sc.sent_at,
        "overdue": is_overdue(sc, now=utcnow(), answer_days=settings.supplier_claim_answer_days),
        "created_at": sc.created_at,
        "version": sc.version,
    }


async def events(session: AsyncSession, sc: SupplierClaim) -> list[SupplierClaimEventRead]:
    rows = await session.execute(
        select(SupplierClaimEvent)
        .where(col(SupplierClaimEvent.supplier_claim_id) == sc.id)
        .order_by(col(SupplierClaimEvent.id))
    )
    return [SupplierClaimEventRead.model_validate(e, from_attributes=True) for e in rows.scalars()]


@dataclass(slots=True)
class ClaimFilter:
    state: SupplierClaimState | None = None
    supplier_id: int | None = None
    corrective_action: str | None = None
    overdue: bool | None = None
    owner: str | None = None


def _decode(cursor: str) -> int:
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not (value.isascii() and value.isdigit() and len(value) <= 10):
            raise ValueError("not a supplier claim cursor")
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[{"field": "query.cursor", "message": "invalid cursor", "type": "value_error"}],
        ) from exc


async def list_claims(
    session: AsyncSession,
    *,
    filters: ClaimFilter,
    limit: int,
    cursor: str | None,
    settings: Settings,
) -> SupplierClaimPage:
    """Newest first; the supplier and the corrective action come in the same query."""
    stmt = (
        select(SupplierClaim, Supplier, col(CorrectiveAction.number))
        .join(Supplier, col(Supplier.id) == col(SupplierClaim.supplier_id))
        .outerjoin(
            CorrectiveAction, col(CorrectiveAction.id) == col(SupplierClaim.corrective_action_id)
        )
    )
    if filters.state is not None:
        stmt = stmt.where(col(SupplierClaim.state) == filters.state.value)
    if filters.supplier_id is not None:
        stmt = stmt.where(col(SupplierClaim.supplier_id) == filters.supplier_id)
    if filters.corrective_action is not None:
        stmt = stmt.where(col(CorrectiveAction.number) == filters.corrective_action)
    if filters.owner is not None:
        stmt = stmt.where(col(SupplierClaim.owner) == filters.owner)
    if filters.overdue is not None:
        late = and_(
            col(SupplierClaim.state).in_([s.value for s in AWAITING_ANSWER]),
            col(SupplierClaim.sent_at)
            < utcnow() - timedelta(days=settings.supplier_claim_answer_days),
        )
        stmt = stmt.where(
            late if filters.overdue else or_(~late, col(SupplierClaim.sent_at).is_(None))
        )
    if cursor:
        stmt = stmt.where(col(SupplierClaim.id) < _decode(cursor))
    rows = (
        await session.execute(stmt.order_by(col(SupplierClaim.id).desc()).limit(limit + 1))
    ).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = base64.urlsafe_b64encode(str(rows[-1][0].id).encode()).decode().rstrip("=")
    return SupplierClaimPage(
        items=[
            SupplierClaimListItem.model_validate(_item_fields(sc, supplier, ca, settings))
            for sc, supplier, ca in rows
        ],
        next_cursor=next_cursor,
    )


# ---- changing ----------------------------------------------------------------------------------


async def update_claim(
    session: AsyncSession,
    *,
    number: str,
    data: SupplierClaimUpdate,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> SupplierClaimRead:
    sc = await get(session, number, lock=True)
    _check_version(sc, expected_version)
    fields = data.model_fields_set
    frozen = machine.frozen_fields(sc.state, fields)
    if frozen:
        raise Conflict(
            f"Supplier claim {sc.number} is {sc.state}; {', '.join(frozen)} can no longer change.",
            fields=frozen,
        )
    assert sc.id is not None
    changes: dict[str, dict[str, Any]] = {}

    def change(field: str, after: Any) -> None:
        before = getattr(sc, field)
        if before != after:
            changes[field] = {"before": _plain(before), "after": _plain(after)}
            setattr(sc, field, after)

    if "contact_id" in fields:
        await _check_contact(session, data.contact_id, sc.supplier_id)
        change("contact_id", data.contact_id)
    if "corrective_action" in fields:
        change("corrective_action_id", await _corrective_action_id(session, data.corrective_action))
    claim_ids = await _linked_ids(session, sc.id)
    if "claim_numbers" in fields:
        if data.claim_numbers is None:
            raise _invalid("body.claim_numbers", "A supplier claim needs at least one claim.")
        new_ids = await _claim_ids(session, data.claim_numbers)
        if set(new_ids) != set(claim_ids):
            changes["claim_numbers"] = {"after": list(dict.fromkeys(data.claim_numbers))}
            await _relink(session, sc.id, old=claim_ids, new=new_ids)
            claim_ids = new_ids
    if "evidence_attachment_ids" in fields or "claim_numbers" in fields:
        evidence = (
            data.evidence_attachment_ids
            if "evidence_attachment_ids" in fields
            else sc.evidence_attachment_ids
        )
        await _check_evidence(session, list(evidence or []), claim_ids)
        change("evidence_attachment_ids", list(dict.fromkeys(evidence or [])))
    for field in ("component", "defect_description", "amount_claimed", "currency", "language"):
        if field in fields:
            value = getattr(data, field)
            if value is None:
                raise _invalid(f"body.{field}", f"{field} cannot be cleared.")
            change(field, getattr(value, "value", value))
    for field in ("supplier_reference", "owner"):
        if field in fields:
            change(field, getattr(data, field))
    if changes:
        sc.version += 1
        sc.updated_at = utcnow()
        _event(
            session,
            sc,
            actor=principal.name,
            action="updated",
            from_state=sc.state,
            payload={"changes": changes},
        )
        outbox.enqueue(
            session,
            event_type=UPDATED,
            data={"number": sc.number, "version": sc.version, "fields": sorted(changes)},
        )
        await session.commit()
    return await claim_read(session, sc, principal=principal, settings=settings)


async def _relink(session: AsyncSession, sc_id: int, *, old: list[int], new: list[int]) -> None:
    gone = set(old) - set(new)
    if gone:
        rows = await session.execute(
            select(SupplierClaimLink).where(
                col(SupplierClaimLink.supplier_claim_id) == sc_id,
                col(SupplierClaimLink.claim_id).in_(gone),
            )
        )
        for link in rows.scalars():
            await session.delete(link)
    session.add_all(
        SupplierClaimLink(supplier_claim_id=sc_id, claim_id=c) for c in new if c not in set(old)
    )


def _next(sc: SupplierClaim, action: SupplierClaimAction) -> SupplierClaimState:
    try:
        return machine.next_state(sc.state, action)
    except machine.TransitionNotAllowed as exc:
        raise Conflict(
            f"Supplier claim {sc.number} is {sc.state}; {action} is not allowed in that state.",
            state=sc.state,
            action=action,
        ) from exc


def _transition(
    session: AsyncSession,
    sc: SupplierClaim,
    action: SupplierClaimAction,
    *,
    actor: str,
    payload: dict[str, Any],
) -> None:
    """Moves the claim (409 from a state the action is not taken in), audits it, tells the
    outbox."""
    target = _next(sc, action)
    before = sc.state
    sc.state = target
    sc.version += 1
    sc.updated_at = utcnow()
    _event(session, sc, actor=actor, action=action, from_state=before, payload=payload)
    outbox.enqueue(
        session,
        event_type=STATE_CHANGED,
        data={
            "number": sc.number,
            "action": action.value,
            "from_state": before,
            "to_state": sc.state,
            "version": sc.version,
            "actor": actor,
            **payload,
        },
    )


def mark_sent(
    session: AsyncSession,
    sc: SupplierClaim,
    *,
    actor: str,
    at: datetime,
    channel: SupplierClaimChannel,
    letter: Letter | None = None,
) -> None:
    """The claim went out at `at` by `channel`: draft → sent, audited, with its outbox row.
    Does not commit: the caller's transaction (a person's action, or the formal letter going
    out: app/suppliers/letters.py) carries it; the letter, when there is one, is named in both.
    409 (Conflict) unless the claim is a draft."""
    sent = SupplierClaimChannel(channel)
    _next(sc, SupplierClaimAction.mark_sent)
    sc.sent_at = at
    sc.sent_channel = sent.value
    payload: dict[str, Any] = {"channel": sent.value, "sent_at": at.isoformat()}
    if letter is not None:
        payload |= {"letter_id": letter.id, "letter_number": letter.number}
    _transition(session, sc, SupplierClaimAction.mark_sent, actor=actor, payload=payload)


def _apply(
    session: AsyncSession,
    sc: SupplierClaim,
    action: SupplierClaimAction,
    body: Any,
    *,
    actor: str,
    settings: Settings,
) -> None:
    if action is SupplierClaimAction.mark_sent:
        assert isinstance(body, SupplierClaimSent)
        on = body.sent_on or today(settings)
        if on > today(settings):
            raise _invalid("body.sent_on", "sent_on must not be in the future.")
        now = utcnow()
        at = now if on == today(settings) else datetime.combine(on, datetime.min.time(), UTC)
        mark_sent(session, sc, actor=actor, at=at, channel=body.channel)
        return
    # Wrong state first (409), then the amounts (422): the state is what the caller can see.
    _next(sc, action)
    payload: dict[str, Any] = {}
    if isinstance(body, SupplierClaimAcknowledge):
        on = body.acknowledged_on or today(settings)
        if on > today(settings):
            raise _invalid("body.acknowledged_on", "acknowledged_on must not be in the future.")
        sc.acknowledged_on = on
        sc.supplier_claim_reference = body.supplier_claim_reference
        payload = {"acknowledged_on": on.isoformat(), "reference": body.supplier_claim_reference}
    elif isinstance(body, SupplierClaimAccept):
        try:
            machine.check_accepted(body.amount_accepted, amount_claimed=sc.amount_claimed)
        except machine.AmountRefused as exc:
            raise _invalid(exc.field, str(exc)) from exc
        sc.amount_accepted = body.amount_accepted
        if body.supplier_response:
            sc.supplier_response = body.supplier_response
        payload = {"amount_accepted": money_text(body.amount_accepted)}
    elif isinstance(body, SupplierClaimReject):
        sc.supplier_response = body.supplier_response
        payload = {"supplier_response": body.supplier_response}
    elif isinstance(body, SupplierClaimSettle):
        try:
            machine.check_recovered(body.amount_recovered, amount_accepted=sc.amount_accepted)
        except machine.AmountRefused as exc:
            raise _invalid(exc.field, str(exc)) from exc
        if body.recovered_on > today(settings):
            raise _invalid("body.recovered_on", "recovered_on must not be in the future.")
        sc.amount_recovered = body.amount_recovered
        sc.recovered_on = body.recovered_on
        sc.settled_at = utcnow()
        payload = {
            "amount_recovered": money_text(body.amount_recovered),
            "recovered_on": body.recovered_on.isoformat(),
            "currency": sc.currency,
        }
    elif isinstance(body, SupplierClaimReopen):
        # Disputed: the supplier answers again, so the earlier answer's figures are cleared.
        sc.amount_accepted = None
        payload = {"reason": body.reason}
    _transition(session, sc, action, actor=actor, payload=payload)


async def take_action(
    session: AsyncSession,
    *,
    number: str,
    action: SupplierClaimAction,
    body: Any,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> SupplierClaimRead:
    sc = await get(session, number, lock=True)
    _check_version(sc, expected_version)
    _apply(session, sc, action, body, actor=principal.name, settings=settings)
    await session.commit()
    return await claim_read(session, sc, principal=principal, settings=settings)
