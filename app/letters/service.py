"""Letters: drafts prefilled from the claim, edits, and sign-off (submit, approve, reject).

Issue and previews live in issue.py, sending in delivery.py.
Every change goes on the claim's audit trail and, where other systems care, the outbox.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.api_keys import newest_live_key
from app.auth.principal import Principal
from app.claims.audit import record_event
from app.claims.reading import get_claim
from app.config import Settings, get_settings
from app.db import version_of
from app.enums import LetterKind, LetterState, Role
from app.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from app.events.outbox import enqueue
from app.letters import enclosures, lifecycle, subjects
from app.letters.building import LetterBundle, letter_read
from app.letters.kinds import CLAIM_KINDS, CORRECTIVE_KINDS, missing_fields, normalize_fields
from app.letters.lifecycle import LetterAction
from app.letters.prefill import format_facts, prefill
from app.letters.render import UnknownLanguage, resolve_language
from app.models.claims import Claim
from app.models.customers import Contact, Customer
from app.models.letters import Letter, LetterCreate, LetterRead, LetterUpdate
from app.models.reference import ProductModel, Unit
from app.models.types import utcnow
from app.models.workflow_records import InspectionAct

_SUBJECT = re.compile(r'<h1 class="subject">(.*?)</h1>', re.S)


_EVENT = {
    LetterAction.submit: "letter.submitted",
    LetterAction.approve: "letter.approved",
    LetterAction.reject: "letter.rejected",
}


# ---- loading and checks ----------------------------------------------------------------------


async def load(session: AsyncSession, letter_id: int, *, for_update: bool = False) -> LetterBundle:
    stmt = (
        select(Letter, Claim, Customer, Contact, Unit, ProductModel)
        .join(Claim, col(Letter.claim_id) == col(Claim.id))
        .join(Customer, col(Claim.customer_id) == col(Customer.id))
        .outerjoin(Contact, col(Claim.contact_id) == col(Contact.id))
        .outerjoin(Unit, col(Claim.unit_id) == col(Unit.id))
        .outerjoin(ProductModel, col(Claim.product_model_id) == col(ProductModel.id))
        .where(col(Letter.id) == letter_id)
    )
    if for_update:
        # populate_existing: a row another request changed must not be read from the
        # identity map's stale copy.
        stmt = stmt.with_for_update(of=[Letter, Claim]).execution_options(populate_existing=True)
    row = (await session.execute(stmt)).first()
    if row is None:
        return await _load_other(session, letter_id, for_update=for_update)
    bundle = LetterBundle(*row)
    assert bundle.claim is not None
    bundle.owner = await newest_live_key(session, bundle.claim.owner)
    if bundle.letter.approved_by:
        bundle.approver = await newest_live_key(session, bundle.letter.approved_by)
    if bundle.letter.kind is LetterKind.inspection_act:
        bundle.act = (
            await session.execute(
                select(InspectionAct)
                .where(col(InspectionAct.claim_id) == bundle.claim.id)
                .order_by(col(InspectionAct.id).desc())
                .limit(1)
            )
        ).scalar_one_or_none()
    return bundle


async def _load_other(session: AsyncSession, letter_id: int, *, for_update: bool) -> LetterBundle:
    """A letter of a corrective action or a supplier claim (or none: 404)."""
    stmt = select(Letter).where(col(Letter.id) == letter_id, col(Letter.claim_id).is_(None))
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    letter = (await session.execute(stmt)).scalar_one_or_none()
    if letter is None:
        raise NotFound(f"Letter {letter_id} does not exist.")
    subject = await subjects.load_for(session, letter, for_update=for_update)
    bundle = LetterBundle(letter, None, None, None, None, subject.model, subject=subject)
    bundle.owner = await newest_live_key(session, subject.owner)
    if letter.approved_by:
        bundle.approver = await newest_live_key(session, letter.approved_by)
    return bundle


async def check_fresh(session: AsyncSession, letter_id: int, expected: int | None) -> None:
    """The If-Match of a change to a letter, checked before its body is read (404 when the
    letter is unknown). The column alone: a later locked read must not meet a stale copy."""
    version = await version_of(session, col(Letter.version), col(Letter.id) == letter_id)
    if version is None:
        raise NotFound(f"Letter {letter_id} does not exist.")
    if expected is not None and expected != version:
        raise PreconditionFailed(
            f"The letter is at version {version}, not {expected}; reload it.",
            current_version=version,
        )


def check_version(letter: Letter, expected: int | None) -> None:
    if expected is not None and expected != letter.version:
        raise PreconditionFailed(
            f"The letter is at version {letter.version}, not {expected}; reload it.",
            current_version=letter.version,
        )


def check(
    b: LetterBundle, action: LetterAction, principal: Principal, comment: str | None = None
) -> LetterState:
    """Ask the lifecycle; its refusals become problem details (409, 403, 422)."""
    try:
        return lifecycle.apply(
            b.letter.state,
            action,
            principal.roles,
            key_customer=b.key_customer,
            internal=b.internal,
            comment=comment,
            acting_for=principal.acting_for,
            director=b.director,
        )
    except lifecycle.LetterStateConflict as exc:
        raise Conflict(exc.reason, letter_state=b.letter.state.value) from None
    except lifecycle.LetterRoleForbidden as exc:
        raise Forbidden(exc.reason) from None
    except lifecycle.LetterCommentRequired as exc:
        raise InvalidInput(exc.reason) from None


def approving_as(b: LetterBundle, principal: Principal) -> tuple[Role, bool]:
    """The role an approval is given in, and whether by a deputy acting for it: a role of
    one's own comes first, so a head who is also someone's deputy approves as the head."""
    permitted = b.approvers()
    own = principal.roles & permitted
    if own:
        return (Role.director if Role.director in own else Role.head), False
    assert principal.acting_for is not None  # check() let the approval through
    return principal.acting_for, True


def audit(
    session: AsyncSession,
    b: LetterBundle,
    *,
    actor: str,
    action: str,
    from_state: LetterState | None,
    **extra: Any,
) -> None:
    """A letter's change goes on its claim's audit trail (a corrective action's or supplier
    claim's, for theirs); the subject's own state is unchanged."""
    letter = b.letter
    payload = {
        "letter_id": letter.id,
        "kind": letter.kind.value,
        "from": from_state.value if from_state else None,
        "to": letter.state.value,
        "number": letter.number if letter.issued_at else None,
        **extra,
    }
    if b.claim is None:
        assert b.subject is not None
        subjects.record(session, b.subject, actor=actor, action=f"letter_{action}", payload=payload)
        return
    record_event(
        session,
        claim=b.claim,
        actor=actor,
        action=f"letter_{action}",
        from_state=b.claim.state,
        to_state=b.claim.state,
        payload=payload,
    )


def outbox_about(b: LetterBundle) -> tuple[int | None, dict[str, Any]]:
    """The claim id an outbox event of the letter carries, and what names its subject."""
    if b.claim is not None:
        return b.claim.id, {"claim_number": b.claim.number}
    assert b.subject is not None
    return None, b.subject.outbox_data()


def enclosable_claims(b: LetterBundle) -> list[int] | None:
    """Whose files a letter may enclose: its claim's (None), a supplier claim's customer
    claims', nobody's for a corrective action's memo."""
    if b.subject is None:
        return None
    return [c.id for c in b.subject.claims if c.id is not None]


def touch(letter: Letter) -> None:
    letter.version += 1
    letter.updated_at = utcnow()


def _language(requested: str | None, settings: Settings) -> str:
    try:
        return resolve_language(
            requested,
            default=settings.letter_default_language,
            fallbacks=settings.letter_language_fallbacks,
        )
    except UnknownLanguage as exc:
        raise InvalidInput(str(exc)) from None


def _normalize(kind: LetterKind, fields: dict[str, Any] | None) -> dict[str, str]:
    try:
        normalized = normalize_fields(kind, fields)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return {name: value for name, value in normalized.items() if value is not None}


# ---- drafts ----------------------------------------------------------------------------------


async def create_draft(
    session: AsyncSession,
    *,
    claim: Claim,
    kind: LetterKind | str,
    actor: str,
    fields: dict[str, Any] | None = None,
    facts: dict[str, Any] | None = None,
    language: str | None = None,
    settings: Settings | None = None,
    attachment_ids: list[int] | None = None,
    document_ids: list[int] | None = None,
) -> Letter:
    """Add a draft letter of `kind` for `claim`, prefilled from it; flushes, never commits.

    Workflow actions that imply a letter call this inside their own transaction, with the
    `facts` their body carried (typed values, written here in the letter's language);
    `fields` are a person's own text and win over both. Without a choice of enclosures the
    kind's default applies (the design memo takes the photos).
    """
    settings = settings or get_settings()
    try:
        kind = LetterKind(kind)
    except ValueError:
        raise InvalidInput(f"Unknown letter kind {kind!r}.") from None
    lang = _language(language or claim.language, settings)
    known = await prefill(session, claim=claim, kind=kind, lang=lang)
    known.update(format_facts(facts, lang))
    assert claim.id is not None  # a loaded claim
    typed = _normalize(kind, fields)
    letter = Letter(
        claim_id=claim.id,
        kind=kind,
        language=lang,
        fields=_normalize(kind, {**known, **typed}),
        created_by=actor,
    )
    if attachment_ids is None and document_ids is None:
        letter.enclosures = await enclosures.defaults(
            session, claim_id=claim.id, kind=kind, settings=settings
        )
    else:
        letter.enclosures = await enclosures.choose(
            session,
            letter=letter,
            attachment_ids=attachment_ids or [],
            document_ids=document_ids or [],
            settings=settings,
        )
    session.add(letter)
    await session.flush()
    record_event(
        session,
        claim=claim,
        actor=actor,
        action="letter_drafted",
        from_state=claim.state,
        to_state=claim.state,
        # `fields`: what a person wrote, which a later refresh from the record leaves alone.
        payload={
            "letter_id": letter.id,
            "kind": kind.value,
            "language": letter.language,
            "fields": sorted(typed),
        },
    )
    return letter


async def create_letter(
    session: AsyncSession,
    *,
    claim_number: str,
    data: LetterCreate,
    principal: Principal,
    settings: Settings,
) -> LetterRead:
    if not principal.has_any({Role.specialist}):
        raise Forbidden("Letters are drafted by a specialist.")
    if data.kind not in CLAIM_KINDS:
        raise InvalidInput(
            f"A {data.kind.value} letter is drafted from its "
            + ("corrective action." if data.kind in CORRECTIVE_KINDS else "supplier claim."),
            errors=[{"field": "body.kind", "message": "not a claim's letter", "type": "value"}],
        )
    claim = await get_claim(session, claim_number)
    letter = await create_draft(
        session,
        claim=claim,
        kind=data.kind,
        actor=principal.name,
        fields=data.fields,
        language=data.language,
        settings=settings,
        attachment_ids=data.attachment_ids,
        document_ids=data.document_ids,
    )
    assert letter.id is not None  # create_draft flushed it
    bundle = await load(session, letter.id)
    result = letter_read(bundle, principal)
    await session.commit()
    return result


async def list_letters(
    session: AsyncSession, *, claim_number: str, principal: Principal
) -> list[LetterRead]:
    claim = await get_claim(session, claim_number)
    rows = (
        await session.execute(
            select(Letter, Claim, Customer, Contact, Unit, ProductModel)
            .join(Claim, col(Letter.claim_id) == col(Claim.id))
            .join(Customer, col(Claim.customer_id) == col(Customer.id))
            .outerjoin(Contact, col(Claim.contact_id) == col(Contact.id))
            .outerjoin(Unit, col(Claim.unit_id) == col(Unit.id))
            .outerjoin(ProductModel, col(Claim.product_model_id) == col(ProductModel.id))
            .where(col(Letter.claim_id) == claim.id)
            .order_by(col(Letter.id))
        )
    ).all()
    return [letter_read(LetterBundle(*row), principal) for row in rows]


async def get_letter(session: AsyncSession, *, letter_id: int, principal: Principal) -> LetterRead:
    return letter_read(await load(session, letter_id), principal)


async def update_letter(
    session: AsyncSession,
    *,
    letter_id: int,
    data: LetterUpdate,
    principal: Principal,
    settings: Settings,
    expected_version: int | None = None,
) -> LetterRead:
    b = await load(session, letter_id, for_update=True)
    check(b, LetterAction.edit, principal)
    check_version(b.letter, expected_version)
    letter = b.letter
    if data.fields:
        letter.fields = _normalize(letter.kind, {**(letter.fields or {}), **data.fields})
    if data.language:
        letter.language = _language(data.language, settings)
    changed_enclosures = data.attachment_ids is not None or data.document_ids is not None
    if changed_enclosures:
        kept = letter.enclosures or []
        letter.enclosures = await enclosures.choose(
            session,
            letter=letter,
            attachment_ids=(
                data.attachment_ids
                if data.attachment_ids is not None
                else [e["id"] for e in kept if e["type"] == enclosures.ATTACHMENT]
            ),
            document_ids=(
                data.document_ids
                if data.document_ids is not None
                else [e["id"] for e in kept if e["type"] == enclosures.DOCUMENT]
            ),
            settings=settings,
            claim_ids=enclosable_claims(b),
        )
    touch(letter)
    audit(
        session,
        b,
        actor=principal.name,
        action="edited",
        from_state=letter.state,
        fields=sorted((data.fields or {}).keys()),
        **(
            {"attachments": [e["filename"] for e in letter.enclosures or []]}
            if changed_enclosures
            else {}
        ),
    )
    result = letter_read(b, principal)
    await session.commit()
    return result


# ---- sign-off --------------------------------------------------------------------------------


async def transition(
    session: AsyncSession,
    *,
    letter_id: int,
    action: LetterAction,
    principal: Principal,
    comment: str | None = None,
    expected_version: int | None = None,
) -> LetterRead:
    """Submit, approve or reject."""
    b = await load(session, letter_id, for_update=True)
    target = check(b, action, principal, comment)
    check_version(b.letter, expected_version)
    letter, now, source = b.letter, utcnow(), b.letter.state
    if action is LetterAction.submit:
        missing = missing_fields(letter.kind, letter.fields or {})
        if missing:
            raise InvalidInput(
                f"Fill in {', '.join(missing)} before submitting.", missing_fields=missing
            )
        letter.submitted_by, letter.submitted_at = principal.name, now
        letter.rejection_comment = letter.rejected_by = None
    elif action is LetterAction.approve:
        letter.approver_role, letter.approver_acting = approving_as(b, principal)
        letter.approved_by, letter.approved_at = principal.name, now
    elif action is LetterAction.reject:
        letter.rejected_by, letter.rejection_comment = principal.name, (comment or "").strip()
        letter.submitted_at = letter.submitted_by = None
    letter.state = target
    touch(letter)
    audit(
        session,
        b,
        actor=principal.name,
        action=action.value,
        from_state=source,
        comment=comment if action is LetterAction.reject else None,
    )
    claim_id, about = outbox_about(b)
    enqueue(
        session,
        event_type=_EVENT[action],
        claim_id=claim_id,
        data={"letter_id": letter.id, **about, "kind": letter.kind.value},
    )
    result = letter_read(b, principal)
    await session.commit()
    return result
