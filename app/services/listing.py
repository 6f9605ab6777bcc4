"""Listing claims: one SELECT with filters and keyset (cursor) pagination."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import InvalidInput
from app.models.claims import Channel, Claim, ClaimPage, ClaimSummary
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


async def list_claims(
    session: AsyncSession, *, filters: ClaimFilter, limit: int, cursor: str | None, today: date
) -> ClaimPage:
    stmt = (
        select(
            Claim.id,
            Claim.number,
            Claim.channel,
            Claim.state,
            Claim.title,
            Claim.received_at,
            Claim.ack_due_date,
            Claim.acknowledged_at,
            Claim.version,
            Claim.reported_serial,
            Customer.name,
            Customer.organisation,
            ProductModel.code,
        )
        .join(Customer, Claim.customer_id == Customer.id)
        .outerjoin(ProductModel, Claim.product_model_id == ProductModel.id)
    )
    f = filters
    if f.status:
        stmt = stmt.where(Claim.state.in_([s.value for s in f.status]))  # type: ignore[attr-defined]
    if f.channel:
        stmt = stmt.where(Claim.channel.in_([c.value for c in f.channel]))  # type: ignore[attr-defined]
    if f.customer:
        pattern = _like(f.customer)
        stmt = stmt.where(
            or_(
                Customer.name.ilike(pattern, escape="\\"),  # type: ignore[attr-defined]
                Customer.organisation.ilike(pattern, escape="\\"),  # type: ignore[union-attr]
                Customer.email == f.customer.lower(),
            )
        )
    if f.model:
        stmt = stmt.where(ProductModel.code == f.model)
    if f.serial:
        stmt = stmt.where(Claim.reported_serial == f.serial)
    if f.overdue is not None:
        overdue = or_(
            and_(
                Claim.acknowledged_at.is_(None),  # type: ignore[union-attr]
                Claim.state != ClaimState.closed.value,
                Claim.ack_due_date < today,
            ),
            sla_overdue(),  # the resolution clock, flagged by the worker's SLA sweep
        )
        stmt = stmt.where(overdue if f.overdue else ~overdue)
    if f.created_from:
        stmt = stmt.where(Claim.received_at >= f.created_from)
    if f.created_to:
        stmt = stmt.where(Claim.received_at < f.created_to)
    if f.q:
        pattern = _like(f.q)
        stmt = stmt.where(
            or_(
                Claim.number.ilike(pattern, escape="\\"),  # type: ignore[attr-defined]
                Claim.title.ilike(pattern, escape="\\"),  # type: ignore[union-attr]
                Claim.defect_description.ilike(pattern, escape="\\"),  # type: ignore[attr-defined]
                Claim.reported_serial.ilike(pattern, escape="\\"),  # type: ignore[union-attr]
                Customer.name.ilike(pattern, escape="\\"),  # type: ignore[attr-defined]
            )
        )
    if cursor:
        at, last_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(Claim.received_at < at, and_(Claim.received_at == at, Claim.id < last_id))
        )
    stmt = stmt.order_by(Claim.received_at.desc(), Claim.id.desc()).limit(limit + 1)  # type: ignore[attr-defined]
    rows = (await session.execute(stmt)).all()
    items = [
        ClaimSummary(
            number=r.number,
            channel=r.channel,
            state=r.state,
            customer_name=r.name,
            organisation=r.organisation,
            model_code=r.code,
            serial_number=r.reported_serial,
            title=r.title,
            received_at=r.received_at,
            ack_due_date=r.ack_due_date,
            acknowledged_at=r.acknowledged_at,
            version=r.version,
        )
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.received_at, last.id)
    return ClaimPage(items=items, next_cursor=next_cursor)
