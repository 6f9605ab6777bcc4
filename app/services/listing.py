"""Listing claims: one SELECT with filters and keyset (cursor) pagination."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table, and_, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import InvalidInput
from app.models.claims import Channel, Claim, ClaimPage
from app.models.reference import Customer, ProductModel
from app.services.sla import overdue_clause as sla_overdue
from app.workflow import ClaimState


@dataclass(slots=True)
class ClaimFilter:
    status: list[ClaimState] | None = None
    channel: list[Channel] | None = None
    customer: str | None = None
    model: str | None = None
    serial: str | None = None
    overdue: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None


def encode_cursor(received_at: datetime, claim_id: int) -> str:
    raw = json.dumps([received_at.isoformat(), claim_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, claim_id = json.loads(base64.urlsafe_b64decode(padded))
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive cursor time")
        return moment, int(claim_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[{"field": "query.cursor", "message": "invalid cursor", "type": "value_error"}],
        ) from exc


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


claims: Table = Claim.__table__  # type: ignore[attr-defined]
customers: Table = Customer.__table__  # type: ignore[attr-defined]
models: Table = ProductModel.__table__  # type: ignore[attr-defined]

# Built once: Core columns, labelled as ClaimSummary's fields so that the rows validate into the
# page in one pydantic pass. A Core select (Table columns, not ORM attributes) executes without
# the ORM's compile state and row loading; building the columns and joins per request cost more
# than the rest of the statement (bench/RESULTS.md §2).
_PAGE = (
    select(
        claims.c.id,
        claims.c.number,
        claims.c.channel,
        claims.c.state,
        customers.c.name.label("customer_name"),
        customers.c.organisation,
        models.c.code.label("model_code"),
        claims.c.reported_serial.label("serial_number"),
        claims.c.title,
        claims.c.received_at,
        claims.c.ack_due_date,
        claims.c.acknowledged_at,
        claims.c.version,
    )
    .select_from(
        claims.join(customers, claims.c.customer_id == customers.c.id).outerjoin(
            models, claims.c.product_model_id == models.c.id
        )
    )
    .order_by(claims.c.received_at.desc(), claims.c.id.desc())
)


async def list_claims(
    session: AsyncSession, *, filters: ClaimFilter, limit: int, cursor: str | None, today: date
) -> ClaimPage:
    c = claims.c
    stmt = _PAGE
    f = filters
    if f.status:
        stmt = stmt.where(c.state.in_([s.value for s in f.status]))
    if f.channel:
        stmt = stmt.where(c.channel.in_([ch.value for ch in f.channel]))
    if f.customer:
        pattern = _like(f.customer)
        stmt = stmt.where(
            or_(
                customers.c.name.ilike(pattern, escape="\\"),
                customers.c.organisation.ilike(pattern, escape="\\"),
                customers.c.email == f.customer.lower(),
            )
        )
    if f.model:
        stmt = stmt.where(models.c.code == f.model)
    if f.serial:
        stmt = stmt.where(c.reported_serial == f.serial)
    if f.overdue is not None:
        overdue = or_(
            and_(
                c.acknowledged_at.is_(None),
                c.state != ClaimState.closed.value,
                c.ack_due_date < today,
            ),
            sla_overdue(),  # the resolution clock, flagged by the worker's SLA sweep
        )
        stmt = stmt.where(overdue if f.overdue else ~overdue)
    if f.created_from:
        stmt = stmt.where(c.received_at >= f.created_from)
    if f.created_to:
        stmt = stmt.where(c.received_at < f.created_to)
    if f.q:
        pattern = _like(f.q)
        stmt = stmt.where(
            or_(
                c.number.ilike(pattern, escape="\\"),
                c.title.ilike(pattern, escape="\\"),
                c.defect_description.ilike(pattern, escape="\\"),
                c.reported_serial.ilike(pattern, escape="\\"),
                customers.c.name.ilike(pattern, escape="\\"),
            )
        )
    if cursor:
        at, last_id = decode_cursor(cursor)
        stmt = stmt.where(or_(c.received_at < at, and_(c.received_at == at, c.id < last_id)))
    result = await session.execute(stmt.limit(limit + 1))
    keys = list(result.keys())
    rows = result.all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.received_at, last.id)
    # One validation pass over plain dicts (the extra `id` is ignored).
    return ClaimPage.model_validate(
        {
            "items": [dict(zip(keys, row, strict=True)) for row in rows[:limit]],
            "next_cursor": next_cursor,
        }
    )
