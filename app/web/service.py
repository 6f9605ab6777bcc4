"""Use cases of the public web pages: register a claim from the form, count hits per client,
and look a claim up for its customer.

The form registers through the same `register_claim` as `POST /api/v1/claims`, as the
pseudo-principal `web-form` with the `intake` role, so a web claim is indistinguishable from
one an intake system registers: same numbering, audit event, outbox event and deadlines.
"""

import importlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.catalog import service as catalog
from app.claims import attachments, reading, registration, satisfaction
from app.config import Settings
from app.enums import Role
from app.errors import DomainError
from app.models.claims import Claim, ClaimCreate
from app.models.customers import Contact
from app.models.satisfaction import RatingChannel, SatisfactionRead
from app.models.webform import WebCsrfUse, WebRateLimit
from app.web.ratelimit import retry_after_seconds, window_start

# key_id 0 belongs to no API key: the form is not an API client and never uses idempotency.
WEB_PRINCIPAL = Principal(key_id=0, name="web-form", roles=frozenset({Role.intake}))


class RateLimited(DomainError):
    status, type_slug, title = 429, "rate-limited", "Too many requests"


class FormAlreadyUsed(DomainError):
    """The form's CSRF token has registered a claim already."""

    status, type_slug, title = 403, "form-already-used", "Form already sent"


@dataclass(frozen=True, slots=True)
class Photo:
    """A checked upload: its sniffed content type and a readable, seekable file."""

    filename: str
    content_type: str
    file: BinaryIO


@dataclass(frozen=True, slots=True)
class LetterLine:
    number: str
    kind: str
    issued_on: date | None


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    number: str
    state: str
    received_at: datetime
    letters: list[LetterLine]
    claim_id: int = 0
    rating: SatisfactionRead | None = None


async def model_choices(session: AsyncSession, lang: str) -> list[dict[str, str]]:
    """The catalogue's models as the page's language names them."""
    return [
        {"code": m.code, "name": (m.names or {}).get(lang) or m.name}
        for m in await catalog.list_models(session)
    ]


async def count_hit(
    session: AsyncSession,
    *,
    client_key: str,
    limit: int,
    window_seconds: int,
    now: datetime | None = None,
) -> int:
    """Counts one hit of `client_key` in the current window; raises RateLimited past `limit`.

    One atomic upsert on both databases, so concurrent hits from several replicas never lose
    a count. The hit is committed even when it is refused: a client that keeps trying stays
    limited until the window ends.
    """
    now = now or datetime.now(UTC)
    start = window_start(now, window_seconds)
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = WebRateLimit.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(client_key=client_key, window_start=start, hits=1)
        .on_conflict_do_update(
            index_elements=[table.c.client_key, table.c.window_start],
            set_={"hits": table.c.hits + 1},
        )
        .returning(table.c.hits)
    )
    hits = (await session.execute(statement)).scalar_one()
    # Windows before the previous one can go: nothing reads them.
    await session.execute(
        delete(table).where(table.c.window_start < start - timedelta(seconds=window_seconds))
    )
    await session.commit()
    if hits > limit:
        raise RateLimited(
            "Too many submissions from this address.",
            retry_after=retry_after_seconds(now, window_seconds),
        )
    return int(hits)


async def csrf_token_used(session: AsyncSession, *, nonce: str) -> bool:
    row = await session.execute(select(col(WebCsrfUse.nonce)).where(col(WebCsrfUse.nonce) == nonce))
    return row.first() is not None


async def _use_csrf_token(
    session: AsyncSession, *, nonce: str, expires_at: datetime, now: datetime
) -> bool:
    """Records the token as used, in the caller's transaction; False if it was already.

    A unique key rather than a read first: of two submissions racing with one token, on any
    replicas, the second waits for the first's commit and then finds the nonce taken.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = WebCsrfUse.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(nonce=nonce, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=[table.c.nonce])
        .returning(table.c.nonce)
    )
    recorded = (await session.execute(statement)).first() is not None
    # Tokens past their expiry need no row: the signature check refuses them anyway.
    await session.execute(delete(table).where(table.c.expires_at < now))
    return recorded


async def register_web_claim(
    session: AsyncSession,
    *,
    data: ClaimCreate,
    photos: list[Photo],
    settings: Settings,
    csrf_nonce: str,
    csrf_expires_at: datetime,
) -> str:
    """Registers the claim, then stores its photos; returns the claim number.

    The form's CSRF token is used up in the registration's own transaction, so that it
    registers one claim whatever is replayed, and stays usable if the registration fails.
    Raises FormAlreadyUsed when it has registered a claim before.

    The files are written to storage before the claim exists (content-addressed, so a file
    left behind by a failure is harmless) and their rows are added in a second transaction:
    `register_claim` commits on its own, as the API's registration does.
    """
    stored = [await attachments.store_stream(photo.file, settings) for photo in photos]
    if not await _use_csrf_token(
        session, nonce=csrf_nonce, expires_at=csrf_expires_at, now=datetime.now(UTC)
    ):
        await session.rollback()
        raise FormAlreadyUsed("This form has registered a claim already.")
    registered = await registration.register_claim(
        session, data=data, principal=WEB_PRINCIPAL, settings=settings
    )
    number = str(registered.body["number"])
    if stored:
        claim = await reading.get_claim(session, number)
        for photo, file in zip(photos, stored, strict=True):
            attachments.add_attachment_row(
                session,
                claim=claim,
                stored=file,
                filename=photo.filename,
                content_type=photo.content_type,
                actor=WEB_PRINCIPAL.name,
            )
        await session.commit()
    return number


async def find_claim_status(
    session: AsyncSession, *, number: str, email: str
) -> ClaimStatus | None:
    """The claim's state and issued letters, only when the number and the email match.

    One query whatever is wrong, so that a wrong number and a wrong email look the same.
    """
    row = (
        await session.execute(
            select(col(Claim.id), col(Claim.number), col(Claim.state), col(Claim.received_at))
            .join(Contact, col(Claim.contact_id) == col(Contact.id))
            .where(col(Claim.number) == number.strip().upper())
            .where(col(Contact.email) == email.strip().lower())
        )
    ).first()
    if row is None:
        return None
    claim_id, claim_number, state, received_at = row
    return ClaimStatus(
        number=claim_number,
        state=str(state),
        received_at=received_at,
        letters=await issued_letters(session, claim_id=claim_id),
        claim_id=claim_id,
        rating=satisfaction.read(await satisfaction.rating_of(session, claim_id)),
    )


async def rate_claim(
    session: AsyncSession, *, claim_id: int, rating: int, comment: str | None
) -> SatisfactionRead:
    """Records the customer's own rating from the status page (ClaimNotClosed unless closed)."""
    return await satisfaction.rate_closed_claim(
        session,
        claim_id=claim_id,
        rating=rating,
        comment=comment,
        channel=RatingChannel.web,
        actor=WEB_PRINCIPAL.name,
    )


async def issued_letters(session: AsyncSession, *, claim_id: int) -> list[LetterLine]:
    """Letters issued to the customer (numbered), oldest first; internal memos excluded.

    The seam to the letters module: where `app.models.letters` is not part of the build, a
    claim simply has no letters to show.
    """
    try:
        letter = importlib.import_module("app.models.letters").Letter
    except (ImportError, AttributeError):
        return []
    # The letter's own date (the local date it was numbered on), not the UTC moment's date,
    # which is a day early for a letter issued before 02:00 in Riga.
    rows = await session.execute(
        select(letter.number, letter.kind, letter.letter_date)
        .where(letter.claim_id == claim_id)
        .where(letter.number.is_not(None))
        .where(letter.kind != "design_memo")
        .order_by(letter.issued_at, letter.id)
    )
    return [LetterLine(number=n, kind=str(k), issued_on=on) for n, k, on in rows.all()]
