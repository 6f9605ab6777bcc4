"""D2 follows the linked claims: a claim corrected after linking (its model, serial, customer)
refreshes the D2 of every open corrective action it is linked to, in the claim's transaction.

Claims and the workflow tell `app.claims.changes` which of the claim's columns changed; this
reaction is wired at start-up (`follow`, from `app.main.create_app`). A closed or cancelled
record keeps the D2 it was closed with, as it refuses every other change.
"""

from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims.changes import observe_claim_changes
from app.config import Settings
from app.corrective import records
from app.corrective.service import refresh_problem
from app.enums import CorrectiveState
from app.models.claims import Claim
from app.models.corrective import CorrectiveAction, CorrectiveActionClaim

# The claim columns D2 is built from (selection.claim_facts); the description cannot be
# corrected today (the customer's words), but would count.
D2_COLUMNS = frozenset({"customer_id", "product_model_id", "reported_serial", "defect_description"})
FROZEN = (CorrectiveState.closed, CorrectiveState.cancelled)


async def on_claim_changed(
    session: AsyncSession,
    *,
    claim: Claim,
    changed: frozenset[str],
    actor: str,
    settings: Settings,
) -> None:
    columns = changed & D2_COLUMNS
    if not columns:
        return
    linked = select(col(CorrectiveActionClaim.corrective_action_id)).where(
        col(CorrectiveActionClaim.claim_id) == claim.id
    )
    # Locked in id order, after the claim: no path locks a claim while it holds an action.
    actions = (
        await session.execute(
            select(CorrectiveAction)
            .where(col(CorrectiveAction.id).in_(linked), col(CorrectiveAction.state).not_in(FROZEN))
            .order_by(col(CorrectiveAction.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalars()
    for ca in list(actions):
        before_problem, before_model = dict(ca.problem or {}), ca.product_model_id
        await refresh_problem(session, ca, settings)  # its query flushes the claim's new values
        after = ca.problem or {}
        keys = sorted(
            k for k in before_problem.keys() | after.keys() if before_problem.get(k) != after.get(k)
        )
        if not keys and before_model == ca.product_model_id:
            continue
        records.touch(ca)
        payload: dict[str, Any] = {
            "claim": claim.number,
            "claim_fields": sorted(columns),
            "d2": keys,
        }
        records.audit(session, ca, actor=actor, action="d2_refreshed", payload=payload)
        fields = ["d2_problem"] + (["product_model"] if before_model != ca.product_model_id else [])
        records.updated(session, ca, fields=fields)


def follow() -> None:
    observe_claim_changes("corrective_d2", on_claim_changed)
