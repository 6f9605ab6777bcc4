"""What goes with a letter: files already stored on its claim and documents the service made.

A letter carries two sorts of enclosures: the claim's attachments (the customer's photos, a
scan) and generated documents, which are other issued letters of the same claim with a frozen
PDF (the inspection act). The choice is part of the draft: it is edited with the draft and,
because only a draft can be edited, it is frozen from submission on. Each chosen file is
recorded on the letter with its name, type, size, hash and storage key: attachments and
issued letters never change, so the record is what will be sent, and the letter's view needs
no further query.

Email has a size: the PDF and every enclosure together must fit CLAIMS_LETTER_EMAIL_MAX_BYTES.
The choice is refused (422) once the enclosures alone exceed it, and sending (409) once the
issued PDF tips it over; such a letter goes by post.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.enums import LetterKind
from app.errors import Conflict, InvalidInput
from app.letters import storage
from app.models.claims import Attachment
from app.models.letters import Letter, LetterAttachmentRead

ATTACHMENT = "attachment"
DOCUMENT = "document"


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": field, "message": message, "type": "value"}])


async def choose(
    session: AsyncSession,
    *,
    letter: Letter,
    attachment_ids: Iterable[int],
    document_ids: Iterable[int],
    settings: Settings,
    claim_ids: Collection[int] | None = None,
) -> list[dict[str, Any]]:
    """The enclosures a letter will carry, checked: each attachment belongs to the letter's
    claim (to one of `claim_ids`: a supplier claim's letter encloses its customer claims'
    files), each document is another issued letter of the same subject, and together they fit
    an email."""
    allowed = set(claim_ids) if claim_ids is not None else {letter.claim_id}
    chosen_attachments, chosen_documents = _unique(attachment_ids), _unique(document_ids)
    result: list[dict[str, Any]] = []
    if chosen_attachments:
        rows = {
            a.id: a
            for a in (
                await session.execute(
                    select(Attachment).where(col(Attachment.id).in_(chosen_attachments))
                )
            ).scalars()
        }
        foreign = [
            i for i in chosen_attachments if i not in rows or rows[i].claim_id not in allowed
        ]
        if foreign:
            raise _refuse(
                "attachment_ids",
                f"The letter's claim has no attachment {', '.join(map(str, foreign))}.",
            )
        result += [_of_attachment(rows[i]) for i in chosen_attachments]
    if chosen_documents:
        docs = {
            d.id: d
            for d in (
                await session.execute(select(Letter).where(col(Letter.id).in_(chosen_documents)))
            ).scalars()
        }
        unknown = [
            i
            for i in chosen_documents
            if i not in docs or not _same_subject(docs[i], letter) or i == letter.id
        ]
        if unknown:
            raise _refuse(
                "document_ids",
                f"The letter's claim has no other letter {', '.join(map(str, unknown))}.",
            )
        unissued = [i for i in chosen_documents if docs[i].pdf_path is None]
        if unissued:
            raise _refuse(
                "document_ids",
                f"Letter {', '.join(map(str, unissued))} is not issued yet: only a frozen "
                "document can be enclosed.",
            )
        result += [_of_document(docs[i]) for i in chosen_documents]
    result = with_sizes(result, Path(settings.storage_dir))
    total = total_size(result)
    if total > settings.letter_email_max_bytes:
        raise _refuse(
            "attachment_ids",
            f"The chosen files come to {total} bytes, more than an email may carry "
            f"({settings.letter_email_max_bytes}, CLAIMS_LETTER_EMAIL_MAX_BYTES).",
        )
    return result


def _same_subject(doc: Letter, letter: Letter) -> bool:
    return (doc.claim_id, doc.corrective_action_id, doc.supplier_claim_id) == (
        letter.claim_id,
        letter.corrective_action_id,
        letter.supplier_claim_id,
    )


async def evidence(
    session: AsyncSession, *, attachment_ids: Iterable[int], settings: Settings
) -> list[dict[str, Any]]:
    """A supplier claim's evidence (its customer claims' files, as recorded on it) as a new
    claim letter's enclosures: those still stored, as many as fit an email."""
    ids = _unique(attachment_ids)
    if not ids:
        return []
    rows = (
        await session.execute(
            select(Attachment).where(col(Attachment.id).in_(ids)).order_by(col(Attachment.id))
        )
    ).scalars()
    result: list[dict[str, Any]] = []
    room = settings.letter_email_max_bytes
    for row in rows:
        if row.size <= room:
            result.append(_of_attachment(row))
            room -= row.size
    return with_sizes(result, Path(settings.storage_dir))


async def defaults(
    session: AsyncSession, *, claim_id: int, kind: LetterKind, settings: Settings
) -> list[dict[str, Any]]:
    """What a new draft of `kind` carries unless the caller chose: the design memo takes the
    customer's photos (the claim's images, oldest first, as many as fit an email)."""
    if kind is not LetterKind.design_memo:
        return []
    photos = (
        await session.execute(
            select(Attachment)
            .where(
                col(Attachment.claim_id) == claim_id,
                col(Attachment.content_type).startswith("image/"),
            )
            .order_by(col(Attachment.id))
        )
    ).scalars()
    result: list[dict[str, Any]] = []
    room = settings.letter_email_max_bytes
    for photo in photos:
        if photo.size <= room:
            result.append(_of_attachment(photo))
            room -= photo.size
    return result


def _of_attachment(row: Attachment) -> dict[str, Any]:
    return {
        "type": ATTACHMENT,
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "storage_key": row.storage_key,
    }


def _of_document(row: Letter) -> dict[str, Any]:
    assert row.pdf_path is not None and row.number is not None
    return {
        "type": DOCUMENT,
        "id": row.id,
        "filename": f"{storage.safe_name(row.number)}.pdf",
        "content_type": "application/pdf",
        # The stored copy's size is read when it is chosen: the letter row keeps only the hash.
        "size": None,
        "sha256": row.sha256,
        "storage_key": row.pdf_path,
        "kind": LetterKind(row.kind).value,
    }


def total_size(enclosures: Iterable[dict[str, Any]]) -> int:
    return sum(int(e.get("size") or 0) for e in enclosures)


def stored_size(storage_dir: Path, key: str) -> int:
    try:
        return (storage_dir / key).stat().st_size
    except OSError:
        return 0  # a missing file is the worker's to report, with the delivery


def with_sizes(enclosures: list[dict[str, Any]], storage_dir: Path) -> list[dict[str, Any]]:
    """Documents get the size of their frozen file (an issued letter's row has none)."""
    result = []
    for e in enclosures:
        if e.get("size") is None:
            e = {**e, "size": stored_size(storage_dir, e["storage_key"])}
        result.append(e)
    return result


def read(enclosures: list[dict[str, Any]] | None) -> list[LetterAttachmentRead]:
    return [
        LetterAttachmentRead(
            type=e["type"],
            id=e["id"],
            filename=e["filename"],
            content_type=e["content_type"],
            size=int(e.get("size") or 0),
        )
        for e in enclosures or []
    ]


def names(enclosures: list[dict[str, Any]] | None) -> tuple[str, ...]:
    """The enclosure list printed at the end of the letter."""
    return tuple(e["filename"] for e in enclosures or [])


def for_email(enclosures: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The gateway's attachment entries; the worker inlines the stored bytes (by storage_key)
    and checks them against the recorded hash."""
    return [
        {
            "filename": e["filename"],
            "content_type": e["content_type"],
            "storage_key": e["storage_key"],
            "sha256": e["sha256"],
        }
        for e in enclosures or []
    ]


def check_email_size(pdf_size: int, enclosures: list[dict[str, Any]] | None, limit: int) -> None:
    """409 when the issued letter with its enclosures is too big to email."""
    total = pdf_size + total_size(enclosures or [])
    if total > limit:
        raise Conflict(
            f"The letter's PDF and its enclosures come to {total} bytes, more than an email "
            f"may carry ({limit}, CLAIMS_LETTER_EMAIL_MAX_BYTES); send it by post.",
            total_bytes=total,
            limit_bytes=limit,
        )
