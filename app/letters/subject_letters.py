"""Drafting and listing the letters of a corrective action (the proposal to production) and
of a supplier claim (the claim to the supplier). Their sign-off, issue and sending are the
same as every letter's (service.py, issue.py, delivery.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.enums import LetterKind, Role
from app.errors import Forbidden, NotFound
from app.letters import enclosures, subjects
from app.letters.building import LetterBundle, letter_read
from app.letters.dates import format_date
from app.letters.service import _language, _normalize
from app.letters.subjects import Subject
from app.models.corrective import CorrectiveAction
from app.models.letters import (
    Letter,
    LetterRead,
    ProductionProposalCreate,
    SupplierClaimLetterCreate,
)
from app.models.suppliers import SupplierClaim
from app.workdays import today

# The language internal memos are written in when none is asked for: the company's own
# (there is no setting for it yet; the design memo follows the claim's language instead).
INTERNAL_LANGUAGE = "ru"
# A claim to a supplier asks for an answer within this many days unless a date is given.
SUPPLIER_REPLY_DAYS = 14
DRAFTERS = frozenset({Role.specialist, Role.head})


def _may_draft(principal: Principal) -> None:
    if not principal.has_any(DRAFTERS):
        raise Forbidden("These letters are drafted by a specialist or the head of department.")


async def corrective_subject(session: AsyncSession, number: str) -> Subject:
    corrective = (
        await session.execute(
            select(CorrectiveAction).where(col(CorrectiveAction.number) == number)
        )
    ).scalar_one_or_none()
    if corrective is None:
        raise NotFound(f"Corrective action {number} does not exist.")
    return await subjects.load_corrective(session, corrective)


async def supplier_claim_subject(session: AsyncSession, number: str) -> Subject:
    claim = (
        await session.execute(select(SupplierClaim).where(col(SupplierClaim.number) == number))
    ).scalar_one_or_none()
    if claim is None:
        raise NotFound(f"Supplier claim {number} does not exist.")
    return await subjects.load_supplier_claim(session, claim)


async def _drafted(
    session: AsyncSession,
    subject: Subject,
    letter: Letter,
    *,
    principal: Principal,
    typed: dict[str, Any],
) -> LetterRead:
    session.add(letter)
    await session.flush()
    subjects.record(
        session,
        subject,
        actor=principal.name,
        action="letter_drafted",
        payload={
            "letter_id": letter.id,
            "kind": letter.kind.value,
            "language": letter.language,
            "fields": sorted(typed),
        },
    )
    result = letter_read(
        LetterBundle(letter, None, None, None, None, subject.model, subject=subject), principal
    )
    await session.commit()
    return result


async def create_proposal(
    session: AsyncSession,
    *,
    number: str,
    data: ProductionProposalCreate,
    principal: Principal,
    settings: Settings,
) -> LetterRead:
    """Draft the proposal to production from the corrective action; the record's facts are
    read when the memo is rendered, the body's choices are its coded fields."""
    _may_draft(principal)
    subject = await corrective_subject(session, number)
    assert subject.corrective is not None
    kind = LetterKind.production_proposal
    typed = _normalize(kind, data.fields)
    chosen = {"proposal": data.proposal.value, "addressee": data.addressee.value}
    letter = Letter(
        corrective_action_id=subject.corrective.id,
        kind=kind,
        language=_language(data.language or INTERNAL_LANGUAGE, settings),
        fields=_normalize(kind, {**typed, **chosen}),
        created_by=principal.name,
        enclosures=[],
    )
    return await _drafted(session, subject, letter, principal=principal, typed=typed)


async def create_supplier_letter(
    session: AsyncSession,
    *,
    number: str,
    data: SupplierClaimLetterCreate,
    principal: Principal,
    settings: Settings,
) -> LetterRead:
    """Draft the claim letter to the supplier, in the supplier's language, enclosing the
    supplier claim's evidence unless other files are chosen."""
    _may_draft(principal)
    subject = await supplier_claim_subject(session, number)
    sc, supplier = subject.supplier_claim, subject.supplier
    assert sc is not None and supplier is not None
    kind = LetterKind.supplier_claim
    lang = _language(data.language or supplier.language or sc.language, settings)
    typed = _normalize(kind, data.fields)
    reply_by: date = data.reply_by or today(settings) + timedelta(days=SUPPLIER_REPLY_DAYS)
    known = {"request": data.request.value, "reply_by": format_date(reply_by, lang)}
    letter = Letter(
        supplier_claim_id=sc.id,
        kind=kind,
        language=lang,
        fields=_normalize(kind, {**known, **typed, "request": data.request.value}),
        created_by=principal.name,
    )
    if data.attachment_ids is None:
        letter.enclosures = await enclosures.evidence(
            session, attachment_ids=sc.evidence_attachment_ids or [], settings=settings
        )
    else:
        letter.enclosures = await enclosures.choose(
            session,
            letter=letter,
            attachment_ids=data.attachment_ids,
            document_ids=[],
            settings=settings,
            claim_ids=[c.id for c in subject.claims if c.id is not None],
        )
    return await _drafted(session, subject, letter, principal=principal, typed=typed)


async def _listed(
    session: AsyncSession, subject: Subject, principal: Principal
) -> list[LetterRead]:
    column = (
        col(Letter.corrective_action_id)
        if subject.corrective is not None
        else col(Letter.supplier_claim_id)
    )
    row = subject.corrective or subject.supplier_claim
    assert row is not None
    letters = (
        await session.execute(select(Letter).where(column == row.id).order_by(col(Letter.id)))
    ).scalars()
    return [
        letter_read(
            LetterBundle(letter, None, None, None, None, subject.model, subject=subject),
            principal,
        )
        for letter in letters
    ]


async def list_corrective_letters(
    session: AsyncSession, *, number: str, principal: Principal
) -> list[LetterRead]:
    return await _listed(session, await corrective_subject(session, number), principal)


async def list_supplier_letters(
    session: AsyncSession, *, number: str, principal: Principal
) -> list[LetterRead]:
    return await _listed(session, await supplier_claim_subject(session, number), principal)
