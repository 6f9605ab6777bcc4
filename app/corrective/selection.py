"""Which claims a corrective action answers for: named ones, or a recurring-defect group
selected the way GET /api/v1/reports/recurring-defects forms it (the same window, model, cause
and batch rule), and the facts D2 is built from."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims.batches import in_batch
from app.config import Settings
from app.corrective.problem import ClaimFacts
from app.errors import InvalidInput
from app.models.claims import Claim
from app.models.corrective import (
    CorrectiveActionClaim,
    RecurringBatchGroup,
    RecurringGroupRef,
    RecurringModelGroup,
    RecurringSimilarGroup,
)
from app.models.customers import Customer
from app.models.reference import ProductModel
from app.workdays import FILTER_EARLIEST, FILTER_LATEST, local_date


def invalid(field_path: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"{field_path}: {message}.",
        errors=[{"field": field_path, "message": message, "type": "value_error"}],
    )


@dataclass(slots=True)
class Selection:
    claim_ids: list[int]
    source: dict[str, Any]
    product_model_id: int | None = None
    batch: str | None = None
    cause: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def claims_by_numbers(
    session: AsyncSession, numbers: list[str], *, path: str = "body.claim_numbers"
) -> list[int]:
    """The ids of `numbers` (duplicates once), 422 naming the first unknown one."""
    wanted = list(dict.fromkeys(numbers))
    found = dict(
        (
            await session.execute(
                select(col(Claim.number), col(Claim.id)).where(col(Claim.number).in_(wanted))
            )
        ).all()
    )
    for i, number in enumerate(numbers):
        if number not in found:
            raise invalid(f"{path}.{i}", f"no claim {number}")
    return [found[n] for n in wanted]


def window(
    group: RecurringModelGroup, settings: Settings, today: date
) -> tuple[date, date, datetime, datetime]:
    """The report's window: the given days, by default CLAIMS_REPORTS_RECURRING_WINDOW_DAYS up
    to today; as UTC instants [start, end)."""
    for name in ("received_from", "received_to"):
        day = getattr(group, name)
        if day is not None and not FILTER_EARLIEST <= day <= FILTER_LATEST:
            raise invalid(
                f"body.group.{name}", f"must be between {FILTER_EARLIEST} and {FILTER_LATEST}"
            )
    to = group.received_to or today
    start_day = group.received_from or max(
        FILTER_EARLIEST, to - timedelta(days=settings.reports_recurring_window_days - 1)
    )
    if start_day > to:
        raise invalid("body.group.received_from", "must not be after received_to")
    zone = ZoneInfo(settings.timezone)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)

    return start_day, to, midnight(start_day), midnight(to + timedelta(days=1))


async def select_group(
    session: AsyncSession, group: RecurringGroupRef, *, settings: Settings
) -> Selection:
    if isinstance(group, RecurringSimilarGroup):
        ids = await claims_by_numbers(session, group.claim_numbers, path="body.group.claim_numbers")
        return Selection(ids, {"kind": "similar", "claim_numbers": group.claim_numbers})
    today = local_date(datetime.now(UTC), settings)
    first, last, start, end = window(group, settings, today)
    model_id = (
        await session.execute(
            select(col(ProductModel.id)).where(col(ProductModel.code) == group.product_model)
        )
    ).scalar_one_or_none()
    if model_id is None:
        raise invalid("body.group.product_model", f"no product model {group.product_model}")
    stmt = select(col(Claim.id)).where(
        col(Claim.product_model_id) == model_id,
        col(Claim.defect_cause) == group.defect_cause.value,
        col(Claim.received_at) >= start,
        col(Claim.received_at) < end,
    )
    source: dict[str, Any] = {
        "kind": group.kind,
        "product_model": group.product_model,
        "defect_cause": group.defect_cause.value,
        "received_from": first.isoformat(),
        "received_to": last.isoformat(),
    }
    batch = None
    if isinstance(group, RecurringBatchGroup):
        batch = group.batch
        source["batch"] = batch
        stmt = stmt.where(
            in_batch(col(Claim.reported_serial), batch, settings.reports_batch_serial_suffix)
        )
    ids = list((await session.execute(stmt.order_by(col(Claim.id)))).scalars())
    if not ids:
        raise invalid("body.group", "the group matches no claim")
    return Selection(ids, source, model_id, batch, group.defect_cause.value)


async def linked_claim_ids(session: AsyncSession, ca_id: int) -> set[int]:
    rows = await session.execute(
        select(col(CorrectiveActionClaim.claim_id)).where(
            col(CorrectiveActionClaim.corrective_action_id) == ca_id
        )
    )
    return set(rows.scalars())


async def claim_facts(session: AsyncSession, ca_id: int) -> tuple[list[ClaimFacts], dict[str, int]]:
    """The linked claims' facts for D2 and their models' ids by code (one query)."""
    rows = (
        await session.execute(
            select(
                col(Claim.number),
                col(Claim.received_at),
                col(Claim.defect_description),
                col(Claim.reported_serial),
                col(ProductModel.id).label("model_id"),
                col(ProductModel.code),
                col(ProductModel.name).label("model_name"),
                col(Customer.name).label("customer"),
                col(Customer.country),
            )
            .select_from(CorrectiveActionClaim)
            .join(Claim, col(Claim.id) == col(CorrectiveActionClaim.claim_id))
            .join(Customer, col(Customer.id) == col(Claim.customer_id))
            .outerjoin(ProductModel, col(ProductModel.id) == col(Claim.product_model_id))
            .where(col(CorrectiveActionClaim.corrective_action_id) == ca_id)
        )
    ).all()
    facts = [
        ClaimFacts(
            number=r.number,
            received_at=r.received_at,
            defect_description=r.defect_description or "",
            product_model=r.code,
            product_model_name=r.model_name,
            serial=r.reported_serial,
            customer=r.customer,
            country=r.country,
        )
        for r in rows
    ]
    return facts, {r.code: r.model_id for r in rows if r.code}
