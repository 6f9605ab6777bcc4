"""Listing corrective actions: newest first, keyset (cursor) pages, one query per page (the
model's code joined, the overdue tasks counted in a subquery)."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.corrective.selection import invalid
from app.enums import CorrectiveState, CorrectiveTaskStatus
from app.models.corrective import (
    CorrectiveAction,
    CorrectiveActionPage,
    CorrectiveActionSummary,
    CorrectiveTask,
)
from app.models.reference import ProductModel
from app.workdays import FILTER_EARLIEST, FILTER_LATEST, local_date

FINISHED = [CorrectiveTaskStatus.done, CorrectiveTaskStatus.cancelled]


@dataclass(slots=True)
class Filter:
    state: CorrectiveState | None = None
    product_model: str | None = None
    owner: str | None = None
    overdue: bool | None = None
    opened_from: date | None = None
    opened_to: date | None = None


def encode_cursor(created_at: datetime, ca_id: int) -> str:
    raw = json.dumps([created_at.isoformat(), ca_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, ca_id = json.loads(base64.urlsafe_b64decode(padded))
        moment = datetime.fromisoformat(at)
        if type(ca_id) is not int or not 0 <= ca_id < 2**31 or moment.tzinfo is None:
            raise ValueError("not a corrective-action cursor")
        return moment, ca_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise invalid("query.cursor", "invalid cursor") from exc


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


async def list_actions(
    session: AsyncSession, *, filters: Filter, limit: int, cursor: str | None, settings: Settings
) -> CorrectiveActionPage:
    today = local_date(datetime.now(UTC), settings)
    zone = ZoneInfo(settings.timezone)
    late = and_(
        col(CorrectiveTask.corrective_action_id) == col(CorrectiveAction.id),
        col(CorrectiveTask.due_date) < today,
        col(CorrectiveTask.status).not_in(FINISHED),
    )
    overdue_tasks = select(func.count()).select_from(CorrectiveTask).where(late).scalar_subquery()
    stmt = select(
        CorrectiveAction, col(ProductModel.code).label("model"), overdue_tasks.label("overdue")
    ).outerjoin(ProductModel, col(ProductModel.id) == col(CorrectiveAction.product_model_id))
    if filters.state is not None:
        stmt = stmt.where(col(CorrectiveAction.state) == filters.state.value)
    if filters.product_model is not None:
        stmt = stmt.where(col(ProductModel.code) == filters.product_model)
    if filters.owner is not None:
        stmt = stmt.where(col(CorrectiveAction.owner) == filters.owner)
    if filters.overdue is not None:
        has_late = exists().where(late)
        stmt = stmt.where(has_late if filters.overdue else ~has_late)
    for name, day in (("opened_from", filters.opened_from), ("opened_to", filters.opened_to)):
        if day is not None and not FILTER_EARLIEST <= day <= FILTER_LATEST:
            raise invalid(f"query.{name}", f"must be between {FILTER_EARLIEST} and {FILTER_LATEST}")
    if filters.opened_from is not None:
        stmt = stmt.where(col(CorrectiveAction.created_at) >= _midnight(filters.opened_from, zone))
    if filters.opened_to is not None:
        end = _midnight(filters.opened_to + timedelta(days=1), zone)
        stmt = stmt.where(col(CorrectiveAction.created_at) < end)
    if cursor:
        at, after_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                col(CorrectiveAction.created_at) < at,
                and_(col(CorrectiveAction.created_at) == at, col(CorrectiveAction.id) < after_id),
            )
        )
    stmt = stmt.order_by(col(CorrectiveAction.created_at).desc(), col(CorrectiveAction.id).desc())
    rows = (await session.execute(stmt.limit(limit + 1))).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1][0]
        next_cursor = encode_cursor(last.created_at, last.id)
    items = [
        CorrectiveActionSummary(
            number=ca.number,
            state=ca.state,
            title=ca.title,
            owner=ca.owner,
            product_model=model,
            batch=ca.batch,
            overdue_tasks=overdue,
            effectiveness_due_on=ca.effectiveness_due_on,
            created_at=ca.created_at,
            updated_at=ca.updated_at,
            version=ca.version,
        )
        for ca, model, overdue in rows
    ]
    return CorrectiveActionPage(items=items, next_cursor=next_cursor)
