"""The words every layer shares: the states, actions, roles and kinds of the claims domain.

The tables and the request and response schemas in `app/models` name these values, and they sit
below every business package, so the vocabulary sits at the bottom with them. What the words
mean in motion lives with their owners: the state machine's rules in `app/workflow/machine.py`,
a letter's sign-off in `app/letters/lifecycle.py`, the warranty rules in
`app/catalog/warranty.py`, what each role may do in the routers' `require(...)`.
"""

from enum import StrEnum


class Role(StrEnum):
    intake = "intake"
    specialist = "specialist"
    head = "head"
    director = "director"
    design = "design"
    service = "service"
    auditor = "auditor"
    admin = "admin"


class ClaimState(StrEnum):
    new = "new"
    awaiting_customer_info = "awaiting_customer_info"
    awaiting_payment_guarantee = "awaiting_payment_guarantee"
    design_review = "design_review"
    awaiting_customer_confirmation = "awaiting_customer_confirmation"
    remedy = "remedy"
    field_service = "field_service"
    awaiting_return = "awaiting_return"
    inspection = "inspection"
    repair = "repair"
    replacement = "replacement"
    returned = "returned"
    disputed = "disputed"
    awaiting_withdrawal = "awaiting_withdrawal"
    closed = "closed"


class Resolution(StrEnum):
    explained = "explained"
    fixed_by_recommendations = "fixed_by_recommendations"
    repaired = "repaired"
    replaced = "replaced"
    rejected = "rejected"
    declined_paid_repair = "declined_paid_repair"
    withdrawn = "withdrawn"
    duplicate = "duplicate"


class DefectCause(StrEnum):
    misuse = "misuse"
    manufacturing_defect = "manufacturing_defect"
    design_defect = "design_defect"
    wear = "wear"
    undetermined = "undetermined"
    needs_info = "needs_info"


class CostBearer(StrEnum):
    manufacturer = "manufacturer"
    customer = "customer"
    shared = "shared"
    supplier = "supplier"
    carrier = "carrier"


class RemedyKind(StrEnum):
    field_service = "field_service"
    return_to_plant = "return_to_plant"


class FieldVisitOutcome(StrEnum):
    inspected = "inspected"
    """Technicians examined the unit on site; the inspection act follows."""
    needs_return = "needs_return"
    """The unit cannot be dealt with on site and goes to the plant."""


class Urgency(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    critical = "critical"


class LetterKind(StrEnum):
    """The formal letters of `domain.md`; an action may imply one, which the letters module
    drafts."""

    acknowledgement = "acknowledgement"
    information_request = "information_request"
    paid_repair_offer = "paid_repair_offer"
    explanation = "explanation"
    recommendations = "recommendations"
    service_visit = "service_visit"
    return_instructions = "return_instructions"
    inspection_act = "inspection_act"
    replacement_offer = "replacement_offer"
    repair_completed = "repair_completed"
    rejection = "rejection"
    withdrawal_request = "withdrawal_request"
    closure = "closure"
    design_memo = "design_memo"
    reminder = "reminder"
    """The SLA sweep's reminder while the claim waits for the customer (app/letters/reminders.py)."""
    production_proposal = "production_proposal"
    """Internal memo from a corrective action to the production or technical director."""
    supplier_claim = "supplier_claim"
    """The formal claim to a supplier, from a supplier claim."""


class Action(StrEnum):
    check_warranty = "check_warranty"
    request_info = "request_info"
    customer_info_received = "customer_info_received"
    offer_paid_repair = "offer_paid_repair"
    accept_paid_repair = "accept_paid_repair"
    decline_paid_repair = "decline_paid_repair"
    refer_to_design = "refer_to_design"
    answer_referral = "answer_referral"
    confirm_resolved = "confirm_resolved"
    report_not_helped = "report_not_helped"
    choose_remedy = "choose_remedy"
    schedule_field_visit = "schedule_field_visit"
    field_visit_done = "field_visit_done"
    return_shipped = "return_shipped"
    unit_received = "unit_received"
    record_inspection_act = "record_inspection_act"
    plan_repair = "plan_repair"
    offer_replacement = "offer_replacement"
    repair_done = "repair_done"
    return_unit = "return_unit"
    record_replacement = "record_replacement"
    ship_replacement = "ship_replacement"
    lend_substitute = "lend_substitute"
    substitute_returned = "substitute_returned"
    open_dispute = "open_dispute"
    settle_dispute = "settle_dispute"
    request_withdrawal = "request_withdrawal"
    remind_withdrawal = "remind_withdrawal"
    withdrawal_received = "withdrawal_received"
    close = "close"
    reopen = "reopen"


class LetterState(StrEnum):
    draft = "draft"
    pending_approval = "pending_approval"
    approved = "approved"
    issued = "issued"
    # Handed to the outbox for the email gateway; `sent` once the gateway accepted it.
    sending = "sending"
    sent = "sent"
    # The gateway refused it, or the retries ran out; `send` or `mark_sent_by_post` again.
    send_failed = "send_failed"


class WarrantyStatus(StrEnum):
    in_warranty = "in_warranty"
    expired = "expired"
    void = "void"
    unknown_unit = "unknown_unit"


class CorrectiveState(StrEnum):
    """A corrective-action (8D) record's states; the moves between them are published at
    `GET /api/v1/corrective-actions/workflow` (app/corrective)."""

    open = "open"
    """D1–D3: team, problem and containment."""
    analysing = "analysing"
    """D4: looking for the root cause."""
    implementing = "implementing"
    """D5–D7: corrective and preventive actions under way."""
    verifying = "verifying"
    """The fix took effect; the effectiveness check is waiting for its period to pass."""
    effective = "effective"
    not_effective = "not_effective"
    closed = "closed"
    """D8: closed after an effective fix."""
    cancelled = "cancelled"


class IshikawaCategory(StrEnum):
    """The root cause's branch of the fishbone (6M, with design)."""

    material = "material"
    method = "method"
    machine = "machine"
    man = "man"
    measurement = "measurement"
    environment = "environment"
    design = "design"


class CorrectiveTaskKind(StrEnum):
    containment = "containment"
    corrective = "corrective"
    preventive = "preventive"


class CorrectiveTaskStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class SupplierClaimState(StrEnum):
    """A claim against a supplier: drafted, then as the supplier answers."""

    draft = "draft"
    sent = "sent"
    acknowledged = "acknowledged"
    accepted = "accepted"
    rejected = "rejected"
    settled = "settled"
