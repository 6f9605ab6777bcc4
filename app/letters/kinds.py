"""Letter kinds and the free-text fields a specialist may edit in each.

Pure data. A field left empty (None or blank) renders as the template's default
wording, or as a visible "to be completed" marker when the field is required;
`missing_fields` tells the service which required fields still block submission.
"""

from app.enums import LetterKind
from app.models.letters import (
    FIELD_MAX_LENGTH,
    ProposalAddressee,
    ProposalKind,
    SupplierRequest,
)

# Internal documents go to another department, not to the customer: no key-customer
# sign-off rule and no outbound email to the customer.
INTERNAL_KINDS: frozenset[LetterKind] = frozenset(
    {LetterKind.design_memo, LetterKind.production_proposal}
)

# The kinds drafted from something other than a claim (app/letters/subjects.py).
CORRECTIVE_KINDS: frozenset[LetterKind] = frozenset({LetterKind.production_proposal})
SUPPLIER_CLAIM_KINDS: frozenset[LetterKind] = frozenset({LetterKind.supplier_claim})
CLAIM_KINDS: tuple[LetterKind, ...] = tuple(
    k for k in LetterKind if k not in CORRECTIVE_KINDS | SUPPLIER_CLAIM_KINDS
)

# Coded fields: stored as codes, printed by the templates in the letter's language.
PROPOSALS = tuple(p.value for p in ProposalKind)
PROPOSAL_ADDRESSEES = tuple(a.value for a in ProposalAddressee)
SUPPLIER_REQUESTS = tuple(r.value for r in SupplierRequest)
CODED_FIELDS: dict[LetterKind, dict[str, tuple[str, ...]]] = {
    LetterKind.production_proposal: {"proposal": PROPOSALS, "addressee": PROPOSAL_ADDRESSEES},
    LetterKind.supplier_claim: {"request": SUPPLIER_REQUESTS},
}
# Proposals that take units out of the field or stop the line: signed by the director.
DIRECTOR_PROPOSALS = frozenset({"recall", "stop_output"})

# Every kind accepts these: a custom salutation, the postal address of the addressee
# (one line per line; the customer record has none) and an extra closing paragraph.
COMMON_FIELDS: tuple[str, ...] = ("salutation", "recipient_address", "body_extra")

KIND_FIELDS: dict[LetterKind, tuple[str, ...]] = {
    LetterKind.acknowledgement: ("next_steps",),
    LetterKind.information_request: ("requested_items", "response_due"),
    LetterKind.paid_repair_offer: (
        "warranty_status",
        "repair_cost",
        "repair_duration",
        "guarantee_due",
    ),
    LetterKind.explanation: ("explanation_text",),
    LetterKind.recommendations: ("recommendations", "response_due"),
    LetterKind.service_visit: (
        "visit_date",
        "site_address",
        "technicians",
        "access_requirements",
    ),
    LetterKind.return_instructions: (
        "return_address",
        "shipping_arrangement",
        "packaging_instructions",
        "return_due",
    ),
    LetterKind.inspection_act: (
        "inspection_date",
        "inspection_place",
        "participants",
        "findings",
        "cause",
        "cost_bearer",
        "conclusion",
        "repair_plan",
    ),
    LetterKind.replacement_offer: (
        "replacement_reason",
        "replacement_product",
        "delivery_terms",
        "warranty_terms",
        "response_due",
    ),
    LetterKind.repair_completed: (
        "repair_summary",
        "shipment_details",
        "cost_terms",
        "repair_warranty",
    ),
    LetterKind.rejection: ("rejection_reasons",),
    LetterKind.withdrawal_request: ("resolution_summary", "reminder_of"),
    # The customer's written withdrawal, when the claim closes on it: its date and reference.
    LetterKind.closure: ("resolution_summary", "withdrawal_received_on", "withdrawal_reference"),
    LetterKind.design_memo: ("addressee", "defect_details", "questions", "response_due"),
    # `awaiting` names what the claim waits for (app/letters/reminders.py AWAITING); the
    # template words it. `reminder_of` is the earlier letter the reminder refers to.
    LetterKind.reminder: ("awaiting", "reminder_of", "response_due"),
    LetterKind.production_proposal: (
        "addressee",
        "proposal",
        "proposal_details",
        "units_in_field",
        "justification",
        "response_due",
    ),
    LetterKind.supplier_claim: (
        "defect_details",
        "costs_details",
        "request",
        "reply_by",
    ),
}

# Fields without which the letter says nothing of substance: submission is refused
# until they are filled in.
REQUIRED_FIELDS: dict[LetterKind, tuple[str, ...]] = {
    LetterKind.paid_repair_offer: ("repair_cost",),
    LetterKind.explanation: ("explanation_text",),
    LetterKind.recommendations: ("recommendations",),
    LetterKind.service_visit: ("visit_date",),
    LetterKind.inspection_act: ("findings", "cost_bearer", "conclusion"),
    LetterKind.replacement_offer: ("replacement_product",),
    LetterKind.repair_completed: ("repair_summary",),
    LetterKind.rejection: ("rejection_reasons",),
    LetterKind.production_proposal: ("addressee", "proposal"),
    LetterKind.supplier_claim: ("request", "reply_by"),
}


def director_signs(kind: LetterKind, fields: dict[str, str | None] | None) -> bool:
    """Whether the director, not the head of department, approves this letter whatever its
    addressee: a proposal to recall units or stop output."""
    return (
        kind is LetterKind.production_proposal
        and (fields or {}).get("proposal") in DIRECTOR_PROPOSALS
    )


def editable_fields(kind: LetterKind) -> tuple[str, ...]:
    """Names of the free-text fields of a kind, common ones first."""
    return COMMON_FIELDS + KIND_FIELDS[kind]


def normalize_fields(
    kind: LetterKind, fields: dict[str, str | None] | None
) -> dict[str, str | None]:
    """All editable fields of `kind`, blank values as None; unknown names raise ValueError."""
    fields = fields or {}
    allowed = editable_fields(kind)
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown field(s) for a {kind.value} letter: {', '.join(unknown)}; "
            f"allowed: {', '.join(allowed)}"
        )
    result: dict[str, str | None] = {}
    for name in allowed:
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"field {name!r} must be text")
        if value is not None and "\x00" in value:
            raise ValueError(f"field {name!r} must not contain NUL characters")
        if value is not None and len(value) > FIELD_MAX_LENGTH:
            raise ValueError(f"field {name!r} is longer than {FIELD_MAX_LENGTH} characters")
        result[name] = value.strip() if value and value.strip() else None
    for name, codes in CODED_FIELDS.get(kind, {}).items():
        if result[name] is not None and result[name] not in codes:
            raise ValueError(f"field {name!r} must be one of: {', '.join(codes)}")
    return result


def missing_fields(kind: LetterKind, fields: dict[str, str | None]) -> list[str]:
    """Required fields of `kind` that are still empty."""
    return [name for name in REQUIRED_FIELDS.get(kind, ()) if not (fields.get(name) or "").strip()]
