"""Who follows a claim's facts when they are corrected after registration.

A corrective action's D2 is built from its claims' model, serial, customer and description
(app/corrective/problem.py). The corrective package sits above claims and workflow, which must
not import it; so the paths that change those columns (`PATCH /claims/{number}`, the
check-warranty action) tell the observers here, in their own transaction, and the app wires
the corrective reaction at start-up (`app.main.create_app`), as the SLA clock follows the
workflow's states.
"""

from collections.abc import Awaitable
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models.claims import Claim

# The claim's columns another record is built from; an observer hears which of them changed.
FOLLOWED = ("customer_id", "product_model_id", "reported_serial", "defect_description")


class ClaimChangeObserver(Protocol):
    """Follows a claim's facts inside the transaction that changes them; never commits."""

    def __call__(
        self,
        session: AsyncSession,
        *,
        claim: Claim,
        changed: frozenset[str],
        actor: str,
        settings: Settings,
    ) -> Awaitable[object]: ...


_observers: dict[str, ClaimChangeObserver] = {}


def observe_claim_changes(name: str, observer: ClaimChangeObserver) -> None:
    """Subscribe `observer` to changes of the FOLLOWED columns (again under `name`: replaced)."""
    _observers[name] = observer


def followed(claim: Claim) -> dict[str, Any]:
    """The FOLLOWED columns now: take it before a change, give it to `notify_claim_changed`."""
    return {name: getattr(claim, name) for name in FOLLOWED}


async def notify_claim_changed(
    session: AsyncSession,
    *,
    claim: Claim,
    before: dict[str, Any],
    actor: str,
    settings: Settings,
) -> None:
    """Tell the observers which FOLLOWED columns differ from `before`; nothing when none do."""
    changed = frozenset(name for name, value in followed(claim).items() if before[name] != value)
    if not changed:
        return
    for observer in _observers.values():
        await observer(session, claim=claim, changed=changed, actor=actor, settings=settings)
