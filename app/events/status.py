"""How the ways out of the service stand: the email gateway and the webhooks, each
`configured`, `not_configured` or `failing` (its latest delivery attempt failed). Read by
`/readyz` and `claims check`; a failing channel does not make the service unready."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models.events import Delivery, DeliveryAttempt, WebhookSubscription

ChannelState = Literal["configured", "not_configured", "failing"]


@dataclass(frozen=True)
class Channel:
    state: ChannelState
    detail: str


async def _latest_attempt(session: AsyncSession, *, email: bool) -> DeliveryAttempt | None:
    target = col(Delivery.target) == "email" if email else col(Delivery.target) != "email"
    return (
        await session.execute(
            select(DeliveryAttempt)
            .join(Delivery, col(Delivery.id) == col(DeliveryAttempt.delivery_id))
            .where(target)
            .order_by(col(DeliveryAttempt.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def email_channel(session: AsyncSession, settings: Settings) -> Channel:
    if not settings.email_gateway_url:
        return Channel(
            "not_configured",
            "set CLAIMS_EMAIL_GATEWAY_URL to email letters and reminders (docs/events.md)",
        )
    last = await _latest_attempt(session, email=True)
    if last is not None and not last.ok:
        return Channel("failing", f"the last hand-over failed: {last.error or 'error'}")
    return Channel("configured", "outbound email goes to the gateway")


async def webhooks_channel(session: AsyncSession) -> Channel:
    active = (
        await session.execute(
            select(func.count())
            .select_from(WebhookSubscription)
            .where(col(WebhookSubscription.active) == True)  # noqa: E712
        )
    ).scalar_one()
    if not active:
        return Channel("not_configured", "no active subscription (POST /api/v1/admin/webhooks)")
    last = await _latest_attempt(session, email=False)
    if last is not None and not last.ok:
        return Channel("failing", f"the last delivery failed: {last.error or 'error'}")
    return Channel("configured", f"{active} active subscription(s)")
