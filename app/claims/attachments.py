"""Attachments: files stored by content hash under CLAIMS_STORAGE_DIR, rows in the database."""

import hashlib
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import anyio
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims import sniffing
from app.claims.audit import record_event
from app.config import Settings
from app.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from app.models.claims import Attachment, AttachmentRead, Claim

CHUNK = 1024 * 1024
# What check_content_type wants of a file's beginning.
HEAD_BYTES = sniffing.HEAD_BYTES
MAX_FILENAME = 255


@dataclass(slots=True)
class StoredFile:
    storage_key: str
    sha256: str
    size: int


def check_content_type(content_type: str, head: bytes, settings: Settings) -> str:
    """The declared type without parameters, once the file's first bytes (`HEAD_BYTES`) show
    it is that type; 415 for a type not accepted, or content that is something else (an SVG
    with a script sent as image/webp)."""
    base = content_type.split(";")[0].strip().lower()
    if base not in settings.attachment_content_types:
        raise UnsupportedMediaType(
            f"Files of type {base or 'unknown'} are not accepted.",
            allowed=settings.attachment_content_types,
        )
    if not sniffing.checkable(base):
        # Listed in CLAIMS_ATTACHMENT_CONTENT_TYPES, but nothing here can check it.
        raise UnsupportedMediaType(f"Files of type {base} cannot be checked, so are not accepted.")
    if not sniffing.content_matches(base, head):
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
    """A safe base name: no folders (either slash), no control or format characters (CR, LF,
    NUL, right-to-left overrides), no leading dots, at most 255 characters with the extension
    kept. What a client sends as `../../../../tmp/pwn.txt` is stored as `pwn.txt`."""
    name = unicodedata.normalize("NFC", filename)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).strip(". ")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        keep = f"{dot}{ext}" if dot and 0 < len(ext) <= 16 else ""
        name = (stem if keep else name)[: MAX_FILENAME - len(keep)].rstrip(". ") + keep
    return name or "file"


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """RFC 6266: an ASCII `filename` for old clients, the exact name in `filename*`."""
    name = stored_filename(filename)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = re.sub(r"[^A-Za-z0-9._ ()+-]", "_", ascii_name).strip() or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


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
    head = source.read(HEAD_BYTES)
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
