"""Which request body each workflow action takes (the endpoints and the OpenAPI document are built from it)."""

from app.enums import (
    Action,
)
from app.models.workflow.base import ActionBody, NoteBody
from app.models.workflow.closure import (
    Closure,
    DisputeOpened,
    DisputeSettlement,
    Reopen,
    WithdrawalReceived,
)
from app.models.workflow.design import (
    CustomerConfirmation,
    DesignFindingIn,
    NotHelped,
    ReferralMemo,
)
from app.models.workflow.remedy import (
    FieldVisitReport,
    FieldVisitSchedule,
    InspectionActIn,
    RemedyDecision,
    RepairPlan,
    RepairReport,
    ReplacementIn,
    ReplacementOffer,
    Shipment,
    SubstituteLoan,
    SubstituteReturn,
    UnitReceipt,
    UnitReturn,
)
from app.models.workflow.triage import (
    CheckWarranty,
    CustomerInformation,
    InformationRequest,
    PaidRepairDeclined,
    PaidRepairOffer,
    PaymentGuarantee,
)

BODIES: dict[Action, type[ActionBody]] = {
    Action.check_warranty: CheckWarranty,
    Action.request_info: InformationRequest,
    Action.customer_info_received: CustomerInformation,
    Action.offer_paid_repair: PaidRepairOffer,
    Action.accept_paid_repair: PaymentGuarantee,
    Action.decline_paid_repair: PaidRepairDeclined,
    Action.refer_to_design: ReferralMemo,
    Action.answer_referral: DesignFindingIn,
    Action.confirm_resolved: CustomerConfirmation,
    Action.report_not_helped: NotHelped,
    Action.choose_remedy: RemedyDecision,
    Action.schedule_field_visit: FieldVisitSchedule,
    Action.field_visit_done: FieldVisitReport,
    Action.return_shipped: Shipment,
    Action.unit_received: UnitReceipt,
    Action.record_inspection_act: InspectionActIn,
    Action.plan_repair: RepairPlan,
    Action.offer_replacement: ReplacementOffer,
    Action.repair_done: RepairReport,
    Action.return_unit: UnitReturn,
    Action.record_replacement: ReplacementIn,
    Action.ship_replacement: Shipment,
    Action.lend_substitute: SubstituteLoan,
    Action.substitute_returned: SubstituteReturn,
    Action.open_dispute: DisputeOpened,
    Action.settle_dispute: DisputeSettlement,
    Action.request_withdrawal: NoteBody,
    Action.remind_withdrawal: NoteBody,
    Action.withdrawal_received: WithdrawalReceived,
    Action.close: Closure,
    Action.reopen: Reopen,
}
