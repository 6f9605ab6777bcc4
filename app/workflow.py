"""The claim state machine: pure data and functions, no I/O.

Foundation stub: only the enums the registry needs. The workflow issue fills in
actions, transitions, guards and `allowed_actions` / `apply`.
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
