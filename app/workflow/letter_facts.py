"""What an action's body carries into the letter it drafts (pure).

Some facts live only in the action's body and its audit event (the questions of a request for
information, the estimated cost of a paid repair, the reason for a replacement or a rejection),
so the prefill that reads the claim's records cannot find them: the action hands them to the
draft. Values stay typed (dates, `Money`); the letters package writes them in the letter's
language.
"""

from typing import Any

from app.enums import Action, Resolution
from app.letters.prefill import Money
from app.models.workflow.base import ActionBody
from app.models.workflow.closure import Closure, WithdrawalReceived
from app.models.workflow.remedy import ReplacementOffer
from app.models.workflow.triage import InformationRequest, PaidRepairOffer


def action_facts(action: Action, body: ActionBody) -> dict[str, Any]:
    """Letter fields (typed values) that `body` of `action` carries; None where it says nothing."""
    if action is Action.request_info and isinstance(body, InformationRequest):
        return {"requested_items": body.questions, "response_due": body.response_due}
    if action is Action.offer_paid_repair and isinstance(body, PaidRepairOffer):
        cost = body.estimated_cost
        return {
            "repair_cost": Money(cost, body.currency) if cost is not None else None,
            "repair_duration": body.repair_duration,
            "guarantee_due": body.guarantee_due,
        }
    if action is Action.offer_replacement and isinstance(body, ReplacementOffer):
        return {
            "replacement_reason": body.reason,
            "replacement_product": body.replacement_product,
        }
    if (
        action is Action.close
        and isinstance(body, Closure)
        and body.resolution is Resolution.rejected
    ):
        return {"rejection_reasons": body.reason}
    if action is Action.withdrawal_received and isinstance(body, WithdrawalReceived):
        # The closure letter answers the customer's own letter: it names it by date and reference.
        return {
            "withdrawal_received_on": body.received_on,
            "withdrawal_reference": body.document_reference,
        }
    return {}


# Actions that record a fact a letter drafted earlier waits for: the still-editable drafts of
# these kinds pick it up (`app.letters.refresh.refresh_drafts`).
REFRESHES: dict[Action, tuple[str, ...]] = {
    Action.schedule_field_visit: ("service_visit",),
    Action.record_replacement: ("replacement_offer",),
    Action.settle_dispute: ("repair_completed",),
}
