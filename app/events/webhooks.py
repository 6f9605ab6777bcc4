"""Webhook subscriptions, deliveries and dead events: the admin's view of events out."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, InvalidInput, NotFound
from app.events import signing
from app.events.outbound import OutboundPolicy, Refused
from app.models.events import (
    AttemptRead,
    Delivery,
    DeliveryAttempt,
    DeliveryRead,
    OutboxEventRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookSubscription,
    WebhookUpdate,
)
from app.models.system import OutboxEvent
from app.models.types import utcnow


def _read(row: WebhookSubscription) -> WebhookRead:
    return WebhookRead.model_validate(row, from_attributes=True)


async def _check_url(url: str, outbound: OutboundPolicy) -> str:
    """422 naming the field for a URL the worker would refuse to call (it checks again, and
    resolves the name again, before every delivery)."""
    try:
        await outbound.check(url)
    except Refused as exc:
        raise InvalidInput(
            f"The webhook URL cannot be called: {exc.reason}.",
            errors=[{"field": "body.url", "message": exc.reason, "type": "value_error"}],
        ) from None
    return url


async def create_subscription(
    session: AsyncSession, *, data: WebhookCreate, outbound: OutboundPolicy
) -> WebhookCreated:
    url = await _check_url(str(data.url), outbound)  # before the transaction: DNS may be slow
    secret = data.secret or signing.new_secret()
    row = WebhookSubscription(
        name=data.name,
        url=url,
        event_types=data.event_types,
        secret=secret,
        active=data.active,
    )
    session.add(row)
    await session.commit()
    return WebhookCreated(**_read(row).model_dump(), secret=secret)


async def list_subscriptions(session: AsyncSession) -> list[WebhookRead]:
    rows = (
        await session.execute(select(WebhookSubscription).order_by(col(WebhookSubscription.id)))
    ).scalars()
    return [_read(r) for r in rows]


async def _get(session: AsyncSession, subscription_id: int) -> WebhookSubscription:
    row = await session.get(WebhookSubscription, subscription_id)
    if row is None:
        raise NotFound(f"Webhook subscription {subscription_id} does not exist.")
    return row


async def get_subscription(session: AsyncSession, *, subscription_id: int) -> WebhookRead:
    return _read(await _get(session, subscription_id))


async def update_subscription(
    session: AsyncSession, *, subscription_id: int, data: WebhookUpdate, outbound: OutboundPolicy
) -> WebhookRead:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        changes["url"] = await _check_url(str(data.url), outbound)
    row = await _get(session, subscription_id)
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    await session.commit()
    return _read(row)


async def delete_subscription(session: AsyncSession, *, subscription_id: int) -> None:
    """Deliveries stay as history (their subscription link is cleared)."""
    row = await _get(session, subscription_id)
    await session.execute(
        update(Delivery)
        .where(col(Delivery.subscription_id) == subscription_id)
        .values(subscription_id=None)
    )
    await session.delete(row)
    await session.commit()


async def list_deliveries(
    session: AsyncSession,
    *,
    subscription_id: int | None,
    status: str | None,
    event_id: str | None,
    limit: int,
) -> list[DeliveryRead]:
    """Newest first, each with its attempts."""
    stmt = select(Delivery).order_by(col(Delivery.id).desc()).limit(limit)
    if subscription_id is not None:
        stmt = stmt.where(col(Delivery.subscription_id) == subscription_id)
    if status is not None:
        stmt = stmt.where(col(Delivery.status) == status)
    if event_id is not None:
        stmt = stmt.where(col(Delivery.event_id) == event_id)
    deliveries = list((await session.execute(stmt)).scalars())
    attempts: dict[int, list[AttemptRead]] = defaultdict(list)
    if deliveries:
        rows = (
            await session.execute(
                select(DeliveryAttempt)
                .where(col(DeliveryAttempt.delivery_id).in_([d.id for d in deliveries]))
                .order_by(col(DeliveryAttempt.delivery_id), col(DeliveryAttempt.number))
            )
        ).scalars()
        for a in rows:
            attempts[a.delivery_id].append(AttemptRead.model_validate(a, from_attributes=True))
    return [
        DeliveryRead(
            **DeliveryRead.model_validate(d, from_attributes=True).model_dump(
                exclude={"attempt_log"}
            ),
            attempt_log=attempts[d.id or 0],
        )
        for d in deliveries
    ]


def _event_read(row: OutboxEvent) -> OutboxEventRead:
    return OutboxEventRead.model_validate(row, from_attributes=True)


async def list_outbox(session: AsyncSession, *, status: str, limit: int) -> list[OutboxEventRead]:
    rows = (
        await session.execute(
            select(OutboxEvent)
            .where(col(OutboxEvent.status) == status)
            .order_by(col(OutboxEvent.id).desc())
            .limit(limit)
        )
    ).scalars()
    return [_event_read(r) for r in rows]


async def redeliver_event(session: AsyncSession, *, event_id: str) -> OutboxEventRead:
    """Queue a dead (or delivered) event again: its failed deliveries are retried from attempt 1."""
    row = (
        await session.execute(
            select(OutboxEvent).where(col(OutboxEvent.event_id) == event_id).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Outbox event {event_id} does not exist.")
    if row.status == "pending":
        raise Conflict(f"Event {event_id} is still being delivered; wait for it to finish.")
    if row.status == "dead":
        await session.execute(
            update(Delivery)
            .where(col(Delivery.outbox_id) == row.id, col(Delivery.status) == "dead")
            .values(status="pending")
        )
    else:
        # Delivered: replay it to every target (receivers deduplicate on the event id).
        await session.execute(
            update(Delivery).where(col(Delivery.outbox_id) == row.id).values(status="pending")
        )
    _requeue(row)
    await session.commit()
    return _event_read(row)


async def redeliver_delivery(session: AsyncSession, *, delivery_id: int) -> DeliveryRead:
    """Queue one delivery again (a dead one, or a delivered one to replay it)."""
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(f"Delivery {delivery_id} does not exist.")
    if delivery.status == "pending":
        raise Conflict(f"Delivery {delivery_id} is still pending.")
    if delivery.target != "email" and delivery.subscription_id is None:
        raise Conflict(f"Delivery {delivery_id}'s subscription was deleted.")
    outbox = (
        await session.execute(
            select(OutboxEvent).where(col(OutboxEvent.id) == delivery.outbox_id).with_for_update()
        )
    ).scalar_one()
    delivery.status = "pending"
    delivery.delivered_at = None
    if outbox.status != "pending":
        _requeue(outbox)
    await session.commit()
    return DeliveryRead.model_validate(delivery, from_attributes=True)


def _requeue(row: OutboxEvent) -> None:
    row.status = "pending"
    row.attempts = 0
    row.available_at = utcnow()
    row.delivered_at = None
    row.last_error = None
