"""Attachments: files stored by content hash under CLAIMS_STORAGE_DIR, rows in the database."""

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.audit import record_event
from app.config import Settings
from app.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from app.models.claims import Attachment, AttachmentRead, Claim

CHUNK = 1024 * 1024

# Leading bytes of the formats whose declared type we can check cheaply.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
}


@dataclass(slots=True)
class StoredFile:
    storage_key: str
    sha256: str
    size: int


def check_content_type(content_type: str, head: bytes, settings: Settings) -> str:
    base = content_type.split(";")[0].strip().lower()
    if base not in settings.attachment_content_types:
        raise UnsupportedMediaType(
            f"Files of type {base or 'unknown'} are not accepted.",
            allowed=settings.attachment_content_types,
        )
    signatures = MAGIC.get(base)
    if signatures and not head.startswith(signatures):
        raise UnsupportedMediaType(f"The file's content is not {base}.")
    return base


def _store_stream(source: BinaryIO, settings: Settings, limit: int) -> StoredFile:
    """Copy to a temporary file while hashing; move into place under the hash. Runs in a thread."""
    root = Path(settings.storage_dir)
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"The file is larger than {limit} bytes.")
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        key = f"attachments/{sha[:2]}/{sha}"
        final = root / key
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, final)
        return StoredFile(key, sha, size)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


async def store_stream(source: BinaryIO, settings: Settings) -> StoredFile:
    return await anyio.to_thread.run_sync(
        _store_stream, source, settings, settings.max_attachment_bytes
    )


async def store_bytes(data: bytes, settings: Settings) -> StoredFile:
    return await store_stream(io.BytesIO(data), settings)


def add_attachment_row(
    session: AsyncSession,
    *,
    claim: Claim,
    stored: StoredFile,
    filename: str,
    content_type: str,
    actor: str,
    message_id: int | None = None,
    event: bool = True,
) -> Attachment:
    """The attachment row and its audit event; `event=False` when the caller recorded the
    event already (`record_attachment_added`), e.g. to flush it with other events."""
    assert claim.id is not None
    attachment = Attachment(
        claim_id=claim.id,
        message_id=message_id,
        filename=stored_filename(filename),
        content_type=content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        uploaded_by=actor,
    )
    session.add(attachment)
    if event:
        record_attachment_added(
            session, claim=claim, filename=attachment.filename, size=stored.size, actor=actor
        )
    return attachment


def stored_filename(filename: str) -> str:
    return filename.replace("\x00", "")[:255] or "file"


def record_attachment_added(
    session: AsyncSession, *, claim: Claim, filename: str, size: int, actor: str
) -> None:
    record_event(
        session,
        claim=claim,
        actor=actor,
        action="attachment_added",
        from_state=claim.state,
        to_state=claim.state,
        payload={"filename": stored_filename(filename), "size": size},
    )


async def attach_upload(
    session: AsyncSession,
    *,
    claim: Claim,
    source: BinaryIO,
    filename: str,
    content_type: str,
    principal: Principal,
    settings: Settings,
) -> AttachmentRead:
    head = source.read(16)
    source.seek(0)
    base_type = check_content_type(content_type, head, settings)
    stored = await store_stream(source, settings)
    attachment = add_attachment_row(
        session,
        claim=claim,
        stored=stored,
        filename=filename,
        content_type=base_type,
        actor=principal.name,
    )
    await session.commit()
    return AttachmentRead.model_validate(attachment, from_attributes=True)


async def get_attachment(session: AsyncSession, *, claim: Claim, attachment_id: int) -> Attachment:
    found = await session.get(Attachment, attachment_id)
    if found is None or found.claim_id != claim.id:
        raise NotFound(f"Claim {claim.number} has no attachment {attachment_id}.")
    return found


def open_stored(settings: Settings, storage_key: str) -> Path:
    return Path(settings.storage_dir) / storage_key
