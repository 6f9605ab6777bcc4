"""Merging a duplicate customer into the record that stays.

The duplicate's claims and contacts move over; the surviving record takes the duplicate's values
where its own are blank and keeps the key-customer flag if either had it; the duplicate stays,
marked `merged_into_id`, so old links still resolve. Both records get an audit event, each moved
claim a `customer_merged` event in its timeline, and a `customer.merged` outbox row tells the
world. The claims keep their versions: their own fields do not change.
"""

from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.customers import records, rules
from app.customers.deadlines import follow_key_flag
from app.customers.service import audit, customer_read, refuse, touch
from app.errors import Conflict, NotFound, PreconditionFailed
from app.events import outbox
from app.models.claims import Claim, ClaimEvent
from app.models.customers import Contact, Customer, CustomerRead
from app.models.types import utcnow

MERGED = "customer.merged"


async def _lock_both(
    session: AsyncSession, target_id: int, duplicate_id: int
) -> tuple[Customer, Customer]:
    # Both rows in one statement, in id order: two merges of the same pair cannot deadlock.
    rows = (
        await session.execute(
            select(Customer)
            .where(col(Customer.id).in_([target_id, duplicate_id]))
            .order_by(col(Customer.id))
            .with_for_update()
        )
    ).scalars()
    found = {c.id: c for c in rows}
    for customer_id in (target_id, duplicate_id):
        if customer_id not in found:
            raise NotFound(f"Customer {customer_id} does not exist.")
    return found[target_id], found[duplicate_id]


def _check(target: Customer, duplicate: Customer, expected_version: int) -> None:
    for customer, role in ((target, "The customer"), (duplicate, "The duplicate")):
        if customer.merged_into_id is not None:
            raise Conflict(
                f"{role} {customer.id} was already merged into customer {customer.merged_into_id}.",
                merged_into_id=customer.merged_into_id,
            )
    if target.version != expected_version:
        raise PreconditionFailed(
            f"Customer {target.id} is at version {target.version}, not {expected_version}; "
            "read it again and retry if the merge still makes sense.",
            current_version=target.version,
        )


async def merge(
    session: AsyncSession,
    *,
    target_id: int,
    duplicate_id: int,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> CustomerRead:
    if target_id == duplicate_id:
        raise Conflict(f"Customer {target_id} cannot be merged into itself.")
    target, duplicate = await _lock_both(session, target_id, duplicate_id)
    _check(target, duplicate, expected_version)
    taken = records.merge_values(target, duplicate)
    refuse(rules.merge_refusal(principal.roles, sets_key_flag="is_key_customer" in taken))

    moved_claims = (
        await session.execute(
            select(col(Claim.id), col(Claim.number))
            .where(col(Claim.customer_id) == duplicate_id)
            .order_by(col(Claim.id))
        )
    ).all()
    moved_contacts = list(
        (
            await session.execute(
                select(col(Contact.id))
                .where(col(Contact.customer_id) == duplicate_id)
                .order_by(col(Contact.id))
            )
        ).scalars()
    )
    now = utcnow()
    await session.execute(
        update(Claim).where(col(Claim.customer_id) == duplicate_id).values(customer_id=target_id)
    )
    await session.execute(
        update(Contact)
        .where(col(Contact.customer_id) == duplicate_id)
        .values(customer_id=target_id, updated_at=now)
    )
    if moved_claims:
        await session.execute(
            insert(ClaimEvent),
            [
                {
                    "claim_id": claim_id,
                    "at": now,
                    "actor": principal.name,
                    "action": "customer_merged",
                    "payload": {"from_customer_id": duplicate_id, "to_customer_id": target_id},
                }
                for claim_id, _ in moved_claims
            ],
        )

    changes = records.assign(target, taken, records.CUSTOMER_COLUMNS)
    duplicate.merged_into_id = target_id
    touch(target)
    touch(duplicate)
    numbers = [number for _, number in moved_claims]
    moved: dict[str, Any] = {"claims": numbers, "contacts": moved_contacts}
    # The duplicate's claims now belong to the target: their due dates follow its flag.
    due_dates = await follow_key_flag(session, target, actor=principal.name, settings=settings)
    audit(
        session,
        target,
        actor=principal.name,
        action="merge",
        payload={
            "duplicate_id": duplicate_id,
            "changes": changes,
            **moved,
            **({"claims_ack_due_date": due_dates} if due_dates else {}),
        },
    )
    audit(
        session,
        duplicate,
        actor=principal.name,
        action="merged_into",
        payload={
            "target_id": target_id,
            "changes": {"merged_into_id": {"before": None, "after": target_id}},
            **moved,
        },
    )
    outbox.enqueue(
        session,
        event_type=MERGED,
        data={
            "id": target_id,
            "duplicate_id": duplicate_id,
            "version": target.version,
            **moved,
        },
    )
    await session.commit()
    return await customer_read(session, target)
