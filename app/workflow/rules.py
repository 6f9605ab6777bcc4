"""The process of `domain.md` as a table of rules: (from state, action) -> to state, with the
roles allowed to take the action, the guards that must hold and the letter the action implies.
Several rules may share a (state, action) pair when their guards exclude each other (the design
department's answer leads to different states by cause); the first rule whose guards hold
applies (`machine.apply`)."""

from dataclasses import dataclass

from app.enums import (
    Action,
    ClaimState,
    LetterKind,
    Resolution,
    Role,
)
from app.workflow.facts import OPEN_STATES, G, Guard


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: tuple[ClaimState, ...]
    to: ClaimState | None
    """None: the claim stays in its state (the action records something)."""
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    letter: LetterKind | None = None
    resolution: Resolution | None = None
    """A fixed resolution for a rule that closes the claim."""

    def target(self, source: ClaimState) -> ClaimState:
        return source if self.to is None else self.to


QUALITY = frozenset({Role.specialist, Role.head})
HEAD = frozenset({Role.head})
DESIGN = frozenset({Role.design})
SERVICE = frozenset({Role.service})
SERVICE_OR_QUALITY = SERVICE | QUALITY
S = ClaimState
A = Action

_WITH_UNIT = (
    S.remedy,
    S.field_service,
    S.awaiting_return,
    S.inspection,
    S.repair,
    S.replacement,
    S.disputed,
)

# The table reads best one rule a line or two, so the formatter leaves it alone.
# fmt: off
RULES: tuple[Rule, ...] = (
    Rule(A.check_warranty, OPEN_STATES, None, QUALITY),
    Rule(A.request_info, (S.new, S.design_review), S.awaiting_customer_info, QUALITY,
         letter=LetterKind.information_request),
    Rule(A.customer_info_received, (S.awaiting_customer_info,), S.design_review,
         QUALITY | {Role.intake}, (G.referral_open,)),
    Rule(A.customer_info_received, (S.awaiting_customer_info,), S.new,
         QUALITY | {Role.intake}, (G.no_referral_open,)),
    Rule(A.offer_paid_repair, (S.new,), S.awaiting_payment_guarantee, QUALITY,
         (G.out_of_warranty, G.no_guarantee_yet), LetterKind.paid_repair_offer),
    Rule(A.accept_paid_repair, (S.awaiting_payment_guarantee,), S.new, QUALITY),
    Rule(A.decline_paid_repair, (S.awaiting_payment_guarantee,), S.closed, QUALITY,
         letter=LetterKind.closure, resolution=Resolution.declined_paid_repair),
    Rule(A.refer_to_design, (S.new,), S.design_review, QUALITY, (G.warranty_checked,),
         LetterKind.design_memo),
    Rule(A.answer_referral, (S.design_review,), S.awaiting_customer_confirmation, DESIGN,
         (G.cause_misuse,), LetterKind.explanation),
    Rule(A.answer_referral, (S.design_review,), S.awaiting_customer_info, DESIGN,
         (G.cause_needs_info,), LetterKind.information_request),
    Rule(A.answer_referral, (S.design_review,), S.awaiting_customer_confirmation, DESIGN,
         (G.cause_defect, G.with_recommendations), LetterKind.recommendations),
    Rule(A.answer_referral, (S.design_review,), S.remedy, DESIGN,
         (G.cause_defect, G.without_recommendations)),
    Rule(A.confirm_resolved, (S.awaiting_customer_confirmation,), S.awaiting_withdrawal, QUALITY,
         letter=LetterKind.withdrawal_request),
    Rule(A.report_not_helped, (S.awaiting_customer_confirmation,), S.remedy, QUALITY),
    Rule(A.choose_remedy, (S.remedy,), S.field_service, QUALITY, (G.remedy_field,),
         LetterKind.service_visit),
    Rule(A.choose_remedy, (S.remedy,), S.awaiting_return, QUALITY, (G.remedy_return,),
         LetterKind.return_instructions),
    Rule(A.schedule_field_visit, (S.field_service,), None, SERVICE_OR_QUALITY),
    Rule(A.field_visit_done, (S.field_service,), S.inspection, SERVICE,
         (G.visit_scheduled, G.outcome_inspected)),
    Rule(A.field_visit_done, (S.field_service,), S.awaiting_return, SERVICE,
         (G.visit_scheduled, G.outcome_needs_return), LetterKind.return_instructions),
    Rule(A.return_shipped, (S.awaiting_return,), None, SERVICE_OR_QUALITY),
    Rule(A.unit_received, (S.awaiting_return,), S.inspection, SERVICE),
    Rule(A.record_inspection_act, (S.inspection,), None, SERVICE_OR_QUALITY,
         (G.no_inspection_act,), LetterKind.inspection_act),
    Rule(A.plan_repair, (S.inspection,), S.repair, SERVICE_OR_QUALITY,
         (G.has_inspection_act, G.cost_bearer_agreed)),
    Rule(A.offer_replacement, (S.inspection,), S.replacement, QUALITY,
         (G.has_inspection_act, G.cost_bearer_agreed), LetterKind.replacement_offer),
    Rule(A.offer_replacement, (S.repair,), S.replacement, QUALITY, (G.repair_not_done,),
         LetterKind.replacement_offer),
    Rule(A.repair_done, (S.repair,), None, SERVICE, (G.repair_not_done,)),
    Rule(A.return_unit, (S.repair,), S.returned, SERVICE, (G.repair_is_done,),
         LetterKind.repair_completed),
    Rule(A.record_replacement, (S.replacement,), None, SERVICE, (G.replacement_not_recorded,)),
    Rule(A.ship_replacement, (S.replacement,), S.returned, SERVICE, (G.replacement_is_recorded,)),
    Rule(A.lend_substitute, _WITH_UNIT, None, SERVICE, (G.substitute_in,)),
    Rule(A.substitute_returned, (*_WITH_UNIT, S.returned, S.awaiting_withdrawal), None, SERVICE,
         (G.substitute_lent,)),
    Rule(A.open_dispute, (S.remedy, S.field_service, S.awaiting_return, S.inspection, S.repair),
         S.disputed, QUALITY),
    Rule(A.settle_dispute, (S.disputed,), S.inspection, HEAD, (G.has_inspection_act,)),
    Rule(A.settle_dispute, (S.disputed,), S.remedy, HEAD, (G.no_inspection_act,)),
    Rule(A.request_withdrawal, (S.returned,), S.awaiting_withdrawal, QUALITY,
         letter=LetterKind.withdrawal_request),
    Rule(A.remind_withdrawal, (S.awaiting_withdrawal,), None, QUALITY,
         letter=LetterKind.withdrawal_request),
    Rule(A.withdrawal_received, (S.awaiting_withdrawal,), S.closed, QUALITY,
         (G.substitute_back, G.resolution_fits), LetterKind.closure),
    Rule(A.close, OPEN_STATES, S.closed, QUALITY, (G.substitute_back, G.resolution_rejected),
         LetterKind.rejection),
    Rule(A.close, OPEN_STATES, S.closed, QUALITY,
         (G.substitute_back, G.resolution_given, G.resolution_fits), LetterKind.closure),
    Rule(A.reopen, (S.closed,), S.new, HEAD),
)
# fmt: on

DESCRIPTIONS: dict[Action, str] = {
    A.check_warranty: "Re-check the unit's warranty and store the result on the claim.",
    A.request_info: "Ask the customer for clarification or photos.",
    A.customer_info_received: "The customer answered; resume the claim.",
    A.offer_paid_repair: "Out of warranty: offer paid repair and ask for a payment guarantee.",
    A.accept_paid_repair: "The customer sent a payment guarantee for the paid repair.",
    A.decline_paid_repair: "The customer declined paid repair; the claim is closed.",
    A.refer_to_design: "Send a referral memo to the design department.",
    A.answer_referral: "The design department's finding: cause and recommendations.",
    A.confirm_resolved: "The customer confirms the product works.",
    A.report_not_helped: "The customer reports that the recommendations did not help.",
    A.choose_remedy: "Decide on field service or a return to the plant.",
    A.schedule_field_visit: "Schedule the service centre's visit to the site.",
    A.field_visit_done: "The field visit took place; record its outcome.",
    A.return_shipped: "The unit was shipped to the plant.",
    A.unit_received: "The unit arrived at the plant for inspection.",
    A.record_inspection_act: "Record the inspection act: participants, findings, cost bearer.",
    A.plan_repair: "Record the repair plan and start the repair.",
    A.offer_replacement: "Repair is impossible or too costly: offer a new unit.",
    A.repair_done: "The repair is finished.",
    A.return_unit: "The repaired unit is back with the customer.",
    A.record_replacement: "Record the faulty and the replacement unit; the warranty moves.",
    A.ship_replacement: "The replacement unit was shipped to the customer.",
    A.lend_substitute: "Lend the customer a substitute unit during repair.",
    A.substitute_returned: "The substitute unit came back.",
    A.open_dispute: "The customer contests who bears the cost.",
    A.settle_dispute: "The dispute is settled (legal review, independent expertise).",
    A.request_withdrawal: "Ask the customer for the written withdrawal of all claims.",
    A.remind_withdrawal: "Remind the customer to withdraw the claim in writing.",
    A.withdrawal_received: "The customer's written withdrawal arrived; the claim is closed.",
    A.close: "Close the claim with a resolution.",
    A.reopen: "Reopen a closed claim (head of department).",
}

TABLE: dict[tuple[ClaimState, Action], tuple[Rule, ...]] = {}
for _rule in RULES:
    for _source in _rule.sources:
        TABLE[(_source, _rule.action)] = (*TABLE.get((_source, _rule.action), ()), _rule)

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    action: frozenset().union(*(r.roles for r in RULES if r.action is action)) for action in Action
}
