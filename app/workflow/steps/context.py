"""What a step gets (`StepContext`), the table of steps by action, and the actions whose audit
event is the whole record."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.enums import Action
from app.errors import InvalidInput
from app.models.claims import Claim
from app.models.reference import ProductModel, Unit
from app.models.workflow.base import ActionBody
from app.models.workflow_records import (
    ClaimProgress,
)
from app.workflow.machine import Transition


@dataclass
class StepContext:
    """What an action's step may read and change; the step never commits."""

    session: AsyncSession
    claim: Claim
    unit: Unit | None
    model: ProductModel | None
    progress: ClaimProgress
    principal: Principal
    transition: Transition
    today: date
    received_on: date


def not_in_future(ctx: StepContext, value: date, field: str) -> None:
    """A record of what happened (a visit done, an act drawn up) cannot be dated after today
    on the plant's calendar: 422 naming `field`."""
    if value > ctx.today:
        raise InvalidInput(
            f"{field} is {value.isoformat()}, after today ({ctx.today.isoformat()}): "
            "record what happened once it has happened.",
            errors=[
                {
                    "field": f"body.{field}",
                    "message": "may not lie in the future",
                    "type": "value_error",
                }
            ],
        )


Step = Callable[[StepContext, Any], Awaitable[int | None]]
STEPS: dict[Action, Step] = {}


def step(*actions: Action) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        for action in actions:
            STEPS[action] = fn
        return fn

    return register


async def _nothing(ctx: StepContext, body: ActionBody) -> int | None:
    """The audit event (with the body) is the whole record."""
    return None


for _action in (
    Action.customer_info_received,
    Action.decline_paid_repair,
    Action.confirm_resolved,
    Action.report_not_helped,
    Action.offer_replacement,
    Action.request_withdrawal,
    Action.remind_withdrawal,
    Action.withdrawal_received,
    Action.close,
    Action.reopen,
):
    STEPS[_action] = _nothing
