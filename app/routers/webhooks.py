"""Administration of events out: webhook subscriptions, deliveries, dead outbox events."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from app.deps import Admin, OutboundDep, SessionDep
from app.errors import problem_responses
from app.events import webhooks
from app.models.events import (
    DeliveryRead,
    OutboxEventRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(prefix="/api/v1/admin", tags=["events"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Limit = Annotated[int, Query(ge=1, le=500)]
DeliveryStatus = Literal["pending", "delivered", "dead"]


@router.post(
    "/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    summary="Subscribe a company system to events",
    responses=problem_responses(401, 403, 422),
)
async def create_webhook(
    principal: Admin, data: WebhookCreate, session: SessionDep, outbound: OutboundDep
) -> WebhookCreated:
    """The secret is in the response once; events are POSTed signed with it (docs/events.md).
    A URL on a loopback, link-local, private, multicast or reserved address (or a name that
    resolves to one) is refused unless CLAIMS_OUTBOUND_ALLOW lists it."""
    return await webhooks.create_subscription(session, data=data, outbound=outbound)


@router.get(
    "/webhooks",
    response_model=list[WebhookRead],
    summary="List webhook subscriptions",
    responses=problem_responses(401, 403),
)
async def list_webhooks(principal: Admin, session: SessionDep) -> list[WebhookRead]:
    """All subscriptions, active or not; never their secrets."""
    return await webhooks.list_subscriptions(session)


@router.get(
    "/webhooks/{subscription_id}",
    response_model=WebhookRead,
    summary="Read a webhook subscription",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_webhook(subscription_id: Id, principal: Admin, session: SessionDep) -> WebhookRead:
    """One subscription."""
    return await webhooks.get_subscription(session, subscription_id=subscription_id)


@router.patch(
    "/webhooks/{subscription_id}",
    response_model=WebhookRead,
    summary="Change a webhook subscription",
    responses=problem_responses(401, 403, 404, 422),
)
async def update_webhook(
    subscription_id: Id,
    data: WebhookUpdate,
    principal: Admin,
    session: SessionDep,
    outbound: OutboundDep,
) -> WebhookRead:
    """URL, event types, secret (rotation) or `active`; omitted fields stay as they are. A new
    URL is checked as at subscription."""
    return await webhooks.update_subscription(
        session, subscription_id=subscription_id, data=data, outbound=outbound
    )


@router.delete(
    "/webhooks/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a webhook subscription",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_webhook(subscription_id: Id, principal: Admin, session: SessionDep) -> None:
    """Pending deliveries to it stop; past deliveries stay listed."""
    await webhooks.delete_subscription(session, subscription_id=subscription_id)


@router.get(
    "/webhooks/{subscription_id}/deliveries",
    response_model=list[DeliveryRead],
    summary="Deliveries to one subscription",
    responses=problem_responses(401, 403, 404, 422),
)
async def webhook_deliveries(
    subscription_id: Id,
    principal: Admin,
    session: SessionDep,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Limit = 100,
) -> list[DeliveryRead]:
    """Newest first, each with its attempts (status code, error, duration)."""
    await webhooks.get_subscription(session, subscription_id=subscription_id)
    return await webhooks.list_deliveries(
        session, subscription_id=subscription_id, status=status_, event_id=None, limit=limit
    )


@router.get(
    "/deliveries",
    response_model=list[DeliveryRead],
    summary="List deliveries",
    responses=problem_responses(401, 403, 422),
)
async def list_deliveries(
    principal: Admin,
    session: SessionDep,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    event_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Limit = 100,
) -> list[DeliveryRead]:
    """Webhook calls and emails handed to the gateway, newest first, with their attempts."""
    return await webhooks.list_deliveries(
        session, subscription_id=None, status=status_, event_id=event_id, limit=limit
    )


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryRead,
    summary="Deliver one delivery again",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def redeliver_delivery(
    delivery_id: Id, principal: Admin, session: SessionDep
) -> DeliveryRead:
    """A dead (or delivered) delivery is queued again; it is sent with the same event id."""
    return await webhooks.redeliver_delivery(session, delivery_id=delivery_id)


@router.get(
    "/outbox",
    response_model=list[OutboxEventRead],
    summary="List outbox events",
    responses=problem_responses(401, 403, 422),
)
async def list_outbox(
    principal: Admin,
    session: SessionDep,
    status_: Annotated[DeliveryStatus, Query(alias="status")] = "dead",
    limit: Limit = 100,
) -> list[OutboxEventRead]:
    """By default the dead ones: events that ran out of attempts."""
    return await webhooks.list_outbox(session, status=status_, limit=limit)


@router.post(
    "/outbox/{event_id}/redeliver",
    status_code=202,
    response_model=OutboxEventRead,
    summary="Deliver an outbox event again",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def redeliver_event(
    event_id: Annotated[str, Path(max_length=36)], principal: Admin, session: SessionDep
) -> OutboxEventRead:
    """A dead event gets a fresh set of attempts for its failed deliveries."""
    return await webhooks.redeliver_event(session, event_id=event_id)
