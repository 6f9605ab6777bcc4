"""All tables, imported here so that SQLModel.metadata (and Alembic) sees every one."""

from app.models.claims import Attachment, Claim, ClaimEvent, Message
from app.models.corrective import (
    CorrectiveAction,
    CorrectiveActionClaim,
    CorrectiveEvent,
    CorrectiveFile,
    CorrectiveTask,
)
from app.models.customers import Contact, Customer, CustomerEvent
from app.models.email_intake import InboundEmail
from app.models.events import ClaimSla, Delivery, DeliveryAttempt, SlaBreach, WebhookSubscription
from app.models.letters import Letter
from app.models.reference import ProductModel, Unit
from app.models.reports import ClaimCost
from app.models.rollups import (
    report_month_changes,
    report_month_compliance,
    report_month_counts,
    report_month_durations,
    report_month_ratings,
    report_month_waiting,
    report_months,
)
from app.models.satisfaction import ClaimRating
from app.models.suppliers import (
    Supplier,
    SupplierClaim,
    SupplierClaimEvent,
    SupplierClaimLink,
    SupplierContact,
)
from app.models.system import ApiKey, Counter, IdempotencyRecord, OutboxEvent
from app.models.webform import WebCsrfUse, WebRateLimit
from app.models.workflow_records import (
    ClaimProgress,
    DesignFinding,
    Dispute,
    InspectionAct,
    Referral,
    Replacement,
    ServiceJob,
)

__all__ = [
    "ClaimSla",
    "Delivery",
    "DeliveryAttempt",
    "SlaBreach",
    "WebhookSubscription",
    "ApiKey",
    "Attachment",
    "Claim",
    "ClaimCost",
    "ClaimRating",
    "ClaimEvent",
    "Counter",
    "Contact",
    "Customer",
    "CustomerEvent",
    "IdempotencyRecord",
    "InboundEmail",
    "Letter",
    "Message",
    "OutboxEvent",
    "ProductModel",
    "Unit",
    # workflow
    "ClaimProgress",
    "DesignFinding",
    "Dispute",
    "InspectionAct",
    "Referral",
    "Replacement",
    "ServiceJob",
    # corrective actions and suppliers
    "CorrectiveAction",
    "CorrectiveActionClaim",
    "CorrectiveEvent",
    "CorrectiveFile",
    "CorrectiveTask",
    "Supplier",
    "SupplierClaim",
    "SupplierClaimEvent",
    "SupplierClaimLink",
    "SupplierContact",
    # web form
    "WebCsrfUse",
    "WebRateLimit",
    # report rollups (plain tables)
    "report_month_changes",
    "report_month_compliance",
    "report_month_counts",
    "report_month_durations",
    "report_month_ratings",
    "report_month_waiting",
    "report_months",
]
