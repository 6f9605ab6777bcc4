"""Previews and issue: the letter's number, and its HTML and PDF frozen under storage.

Issue runs in three steps so that no transaction stays open while WeasyPrint works (on
SQLite every transaction holds the database's write lock): (1) lock the letter, take the
next number once, render the HTML, commit; (2) render the PDF in the process pool and
store both files; (3) lock again and freeze: paths, hashes, state. A failure between (1)
and (3) leaves an approved letter that already owns its number, and a retry reuses it, so
numbers stay gap-free.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import date

from jinja2 import TemplateError
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.numbering import next_value
from app.config import Settings
from app.enums import LetterKind, LetterState
from app.errors import Conflict, DomainError
from app.events.outbox import enqueue
from app.letters import storage
from app.letters.building import LetterBundle, build_context, letter_read, signatory
from app.letters.lifecycle import LetterAction
from app.letters.pdf import Archive, render_pdf
from app.letters.registers import Register, format_number, number_format, register_of
from app.letters.render import render_html
from app.letters.seal import Seal
from app.letters.service import audit, check, check_version, load, outbox_about, touch
from app.letters.signed_pdf import issue_pdf
from app.letters.signing import signing_key
from app.models.letters import Letter, LetterRead
from app.models.types import utcnow
from app.workdays import today

_SUBJECT = re.compile(r'<h1 class="subject">(.*?)</h1>', re.S)


class StoredLetterMissing(DomainError):
    status, type_slug, title = 500, "stored-letter-missing", "Stored letter file is missing"


class LetterTemplateBroken(DomainError):
    status, type_slug, title = 500, "letter-template-error", "Letter template error"


def _render(
    b: LetterBundle, settings: Settings, *, number: str | None, on: date, signed: bool = False
) -> str:
    context = build_context(b, settings, number=number, letter_date=on, signed=signed)
    try:
        return render_html(
            b.letter.kind,
            b.letter.language,
            context,
            default_language=settings.letter_default_language,
            fallbacks=settings.letter_language_fallbacks,
            templates_dir=settings.letter_templates_dir,
        )
    except TemplateError as exc:  # a broken template is the operator's fault, not the caller's
        raise LetterTemplateBroken(f"The {b.letter.kind.value} template failed: {exc}") from exc


async def _take_number(
    session: AsyncSession, b: LetterBundle, settings: Settings, year: int
) -> tuple[str, str]:
    """The letter's register and its number there; sets `seq` when the register's series
    gives the number. An act recorded with a number of its own keeps that number."""
    letter = b.letter
    register = register_of(letter.kind)
    recorded = b.act.act_number if register is Register.act and b.act is not None else None
    if recorded:
        number = recorded
    else:
        letter.seq = await next_value(session, name=register.value, year=year)
        number = format_number(number_format(register, settings), year=year, seq=letter.seq)
    taken = (
        await session.execute(
            select(col(Letter.id)).where(col(Letter.number) == number, col(Letter.id) != letter.id)
        )
    ).first()
    if taken is not None:
        # Rolled back with the counter, so the series keeps no gap.
        raise Conflict(
            f"Number {number} is already on letter {taken[0]}: "
            + (
                "record the corrected act with a number of its own, or with none to take one "
                "from the acts register."
                if recorded
                else "the registers' formats (CLAIMS_REGISTER_*_FORMAT) must not overlap."
            ),
        )
    return register.value, number


async def preview_html(session: AsyncSession, *, letter_id: int, settings: Settings) -> str:
    """The letter as it would be issued today, marked as a draft and without a number."""
    b = await load(session, letter_id)
    if b.letter.issued_at is not None:
        raise Conflict("The letter is issued; its frozen copy is at /html and /pdf.")
    html = _render(b, settings, number=None, on=today(settings))
    await session.rollback()  # end the read transaction before any slow work
    return html


async def preview_pdf(session: AsyncSession, *, letter_id: int, settings: Settings) -> bytes:
    return await render_pdf(await preview_html(session, letter_id=letter_id, settings=settings))


def subject_of(html: str) -> str:
    match = _SUBJECT.search(html)
    text = re.sub(r"<[^>]+>", "", match.group(1)) if match else ""
    return " ".join(html_lib.unescape(text).split())[:500]


async def issue_letter(
    session: AsyncSession,
    *,
    letter_id: int,
    principal: Principal,
    settings: Settings,
    expected_version: int | None = None,
) -> LetterRead:
    # (1) Number and HTML, in a short transaction.
    b = await load(session, letter_id, for_update=True)
    check(b, LetterAction.issue, principal)
    check_version(b.letter, expected_version)
    letter = b.letter
    on: date | None  # today's date for a new number; below, the letter's date
    if letter.number is None:
        on = today(settings)
        letter.year, letter.letter_date = on.year, on
        letter.series, letter.number = await _take_number(session, b, settings, on.year)
    number, year, on = letter.number, letter.year, letter.letter_date
    assert number is not None and year is not None and on is not None
    key = signing_key(settings)
    html = _render(b, settings, number=number, on=on, signed=key is not None)
    signer = signatory(b, settings)
    archive = Archive(letter_number=number, claim_number=b.reference, language=letter.language)
    seal = Seal(signer.name, signer.title, internal=b.internal, timezone=settings.timezone)
    await session.commit()

    # (2) PDF/A, signed when a certificate is configured, and files, with no transaction open.
    root = settings.storage_dir
    rendered = await issue_pdf(html, archive, key, seal)
    pdf = rendered.data
    html_file = await storage.freeze(
        root, number=number, year=year, suffix="html", data=html.encode("utf-8")
    )
    pdf_file = await storage.freeze(root, number=number, year=year, suffix="pdf", data=pdf)

    # (3) Freeze, in a second short transaction.
    b = await load(session, letter_id, for_update=True)
    letter = b.letter
    try:
        check(b, LetterAction.issue, principal)
    except DomainError:
        # A concurrent request issued it first; keep whatever it committed.
        keep = {letter.html_path, letter.pdf_path}
        await session.rollback()
        await storage.discard(
            root, [f.storage_key for f in (html_file, pdf_file) if f.storage_key not in keep]
        )
        raise
    now = utcnow()
    letter.html_path, letter.html_sha256 = html_file.storage_key, html_file.sha256
    letter.pdf_path, letter.sha256 = pdf_file.storage_key, pdf_file.sha256
    letter.subject = subject_of(html)
    letter.signatory_name, letter.signatory_title = signer.name, signer.title
    letter.signer, letter.signed_at = rendered.signer, rendered.signed_at
    letter.issued_by, letter.issued_at = principal.name, now
    letter.state = LetterState.issued
    touch(letter)
    claim = b.claim
    if (
        claim is not None
        and letter.kind is LetterKind.acknowledgement
        and claim.acknowledged_at is None
    ):
        # Issuing the written acknowledgement stops the claim's acknowledgement clock.
        claim.acknowledged_at = now
        claim.updated_at = now
        claim.version += 1
    audit(
        session,
        b,
        actor=principal.name,
        action="issued",
        from_state=LetterState.approved,
        sha256=letter.sha256,
    )
    claim_id, about = outbox_about(b)
    enqueue(
        session,
        event_type="letter.issued",
        claim_id=claim_id,
        data={
            "letter_id": letter.id,
            "number": number,
            **about,
            "kind": letter.kind.value,
            "sha256": letter.sha256,
            "signed": rendered.signer is not None,
        },
    )
    result = letter_read(b, principal)
    await session.commit()
    return result


async def frozen_copy(
    session: AsyncSession, *, letter_id: int, suffix: str, settings: Settings
) -> tuple[bytes, Letter]:
    """The issued letter's stored HTML or PDF, byte for byte."""
    letter = (await load(session, letter_id)).letter
    key = letter.pdf_path if suffix == "pdf" else letter.html_path
    issued, state = letter.issued_at is not None, letter.state.value
    session.expunge(letter)  # keep its loaded attributes past the end of the transaction
    await session.rollback()
    if not issued or key is None:
        raise Conflict(
            "The letter is not issued yet; see /preview.html or /preview.pdf.",
            letter_state=state,
        )
    try:
        data = await storage.read(settings.storage_dir, key)
    except FileNotFoundError:
        raise StoredLetterMissing(f"The stored {suffix} of {letter.number} is missing.") from None
    return data, letter
