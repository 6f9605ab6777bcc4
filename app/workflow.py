"""The claim state machine: pure data and functions, no I/O.

The process of `domain.md` as a table of rules: (from state, action) -> to state, with the
roles allowed to take the action, guards (pure predicates on `ClaimFacts`) and the letter the
action implies. Several rules may share a (state, action) pair when their guards exclude each
other (for example the design department's answer leads to different states by cause); the
first rule whose guards hold applies.

The service layer builds `ClaimFacts` from the claim and its records, merges in what the
request carries (the cause of a design finding, the chosen remedy, the resolution of a
closure) and calls `apply`; it never decides on its own which transition is allowed.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from app.warranty import OUT_OF_WARRANTY, WarrantyStatus


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


# What an action implies is simply a letter kind.
LetterHint = LetterKind


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


FINAL_STATES = frozenset({ClaimState.closed})
OPEN_STATES = tuple(s for s in ClaimState if s not in FINAL_STATES)


@dataclass(frozen=True)
class ClaimFacts:
    """What the guards may look at: the claim's records, plus what the request carries.

    Fields marked "request" are set by the service from the action's body before `apply`
    (e.g. the cause in a design finding); the rest come from the claim and its records.
    """

    warranty_status: WarrantyStatus | None = None
    paid_repair_offered: bool = False
    payment_guarantee_received: bool = False
    referral_open: bool = False
    design_cause: DefectCause | None = None  # request (answer_referral) or the last finding
    has_recommendations: bool = False  # request (answer_referral) or the last finding
    remedy_kind: RemedyKind | None = None  # request (choose_remedy)
    field_visit_scheduled: bool = False
    field_visit_outcome: FieldVisitOutcome | None = None  # request (field_visit_done)
    has_inspection_act: bool = False
    cost_bearer: CostBearer | None = None
    repair_done: bool = False
    unit_returned: bool = False
    replacement_recorded: bool = False
    replacement_shipped: bool = False
    substitute_out: bool = False
    resolution: Resolution | None = None  # request (close, withdrawal_received)


@dataclass(frozen=True, eq=False)
class Guard:
    """A named pure predicate with the message shown when it fails.

    `from_request` guards test what the caller sends (a cause, a resolution): they are not
    considered when listing the actions open to a caller, who chooses the body. `satisfy`
    and `violate` are facts that make the guard hold or fail; the tests use them.
    """

    name: str
    message: str | Callable[[ClaimFacts], str]
    test: Callable[[ClaimFacts], bool]
    satisfy: dict[str, object] = field(default_factory=dict)
    violate: dict[str, object] = field(default_factory=dict)
    from_request: bool = False

    def __call__(self, facts: ClaimFacts) -> bool:
        return self.test(facts)

    def explain(self, facts: ClaimFacts) -> str:
        return self.message(facts) if callable(self.message) else self.message


def _resolution_ok(f: ClaimFacts) -> bool:
    return resolution_problem(f.resolution, f) is None


def resolution_problem(resolution: Resolution | None, f: ClaimFacts) -> str | None:
    """Why a claim with facts `f` cannot be closed with `resolution`, or None if it can."""
    if resolution is None:
        return "a resolution is required"
    needs: dict[Resolution, tuple[bool, str]] = {
        Resolution.repaired: (
            f.repair_done and f.unit_returned,
            "closing as repaired needs the repair done and the unit returned to the customer",
        ),
        Resolution.replaced: (
            f.replacement_shipped,
            "closing as replaced needs the replacement unit shipped",
        ),
        Resolution.explained: (
            f.design_cause is DefectCause.misuse,
            "closing as explained needs a design finding of misuse",
        ),
        Resolution.fixed_by_recommendations: (
            f.has_recommendations,
            "closing as fixed by recommendations needs the design department's recommendations",
        ),
        Resolution.declined_paid_repair: (
            f.paid_repair_offered,
            "closing as declined paid repair needs a paid repair offer",
        ),
    }
    ok, why = needs.get(resolution, (True, ""))
    return None if ok else why


def suggested_resolution(f: ClaimFacts) -> Resolution:
    """The resolution a claim's history implies when the customer withdraws the claim."""
    if f.replacement_shipped:
        return Resolution.replaced
    if f.repair_done and f.unit_returned:
        return Resolution.repaired
    if f.design_cause is DefectCause.misuse:
        return Resolution.explained
    if f.has_recommendations:
        return Resolution.fixed_by_recommendations
    return Resolution.withdrawn


_DEFECTS = (
    DefectCause.manufacturing_defect,
    DefectCause.design_defect,
    DefectCause.wear,
    DefectCause.undetermined,
)


def _flag(name: str, attr: str, message: str, *, want: bool = True, request: bool = False) -> Guard:
    """A guard on a boolean fact: it holds when the fact is `want`."""
    return Guard(
        name, message, lambda f: getattr(f, attr) is want, {attr: want}, {attr: not want}, request
    )


def _is(name: str, attr: str, value: object, message: str, *, request: bool = False) -> Guard:
    """A guard that holds when a fact has one value."""
    return Guard(
        name, message, lambda f: getattr(f, attr) is value, {attr: value}, {attr: None}, request
    )


class G:
    """The guards, by name."""

    warranty_checked = Guard(
        "warranty_checked",
        "the warranty must be checked first",
        lambda f: f.warranty_status is not None,
        {"warranty_status": WarrantyStatus.in_warranty},
        {"warranty_status": None},
    )
    out_of_warranty = Guard(
        "out_of_warranty",
        "paid repair is offered only when the warranty has expired or is void",
        lambda f: f.warranty_status in OUT_OF_WARRANTY,
        {"warranty_status": WarrantyStatus.expired},
        {"warranty_status": WarrantyStatus.in_warranty},
    )
    no_guarantee_yet = _flag(
        "no_guarantee_yet",
        "payment_guarantee_received",
        "a payment guarantee is already on file",
        want=False,
    )
    referral_open = _flag(
        "referral_open", "referral_open", "there is no open referral to the design department"
    )
    no_referral_open = _flag(
        "no_referral_open",
        "referral_open",
        "a referral to the design department is open",
        want=False,
    )
    cause_misuse = _is(
        "cause_misuse", "design_cause", DefectCause.misuse, "the cause is misuse", request=True
    )
    cause_needs_info = _is(
        "cause_needs_info",
        "design_cause",
        DefectCause.needs_info,
        "the design department needs more information",
        request=True,
    )
    cause_defect = Guard(
        "cause_defect",
        "the cause is a defect, wear or undetermined",
        lambda f: f.design_cause in _DEFECTS,
        {"design_cause": DefectCause.manufacturing_defect},
        {"design_cause": None},
        from_request=True,
    )
    with_recommendations = _flag(
        "with_recommendations",
        "has_recommendations",
        "recommendations the customer can apply are given",
        request=True,
    )
    without_recommendations = _flag(
        "without_recommendations",
        "has_recommendations",
        "no recommendations the customer can apply are given",
        want=False,
        request=True,
    )
    remedy_field = _is(
        "remedy_field",
        "remedy_kind",
        RemedyKind.field_service,
        "the remedy is a field service visit",
        request=True,
    )
    remedy_return = _is(
        "remedy_return",
        "remedy_kind",
        RemedyKind.return_to_plant,
        "the remedy is a return to the plant",
        request=True,
    )
    visit_scheduled = _flag(
        "visit_scheduled", "field_visit_scheduled", "a field visit must be scheduled first"
    )
    outcome_inspected = _is(
        "outcome_inspected",
        "field_visit_outcome",
        FieldVisitOutcome.inspected,
        "the visit's outcome is an on-site inspection",
        request=True,
    )
    outcome_needs_return = _is(
        "outcome_needs_return",
        "field_visit_outcome",
        FieldVisitOutcome.needs_return,
        "the visit's outcome is that the unit must go to the plant",
        request=True,
    )
    has_inspection_act = _flag(
        "has_inspection_act", "has_inspection_act", "an inspection act must be recorded first"
    )
    no_inspection_act = _flag(
        "no_inspection_act",
        "has_inspection_act",
        "an inspection act is already recorded",
        want=False,
    )
    cost_bearer_agreed = Guard(
        "cost_bearer_agreed",
        "who bears the cost must be agreed first (inspection act or dispute)",
        lambda f: f.cost_bearer is not None,
        {"cost_bearer": CostBearer.manufacturer},
        {"cost_bearer": None},
    )
    repair_not_done = _flag(
        "repair_not_done", "repair_done", "the repair is already recorded as done", want=False
    )
    repair_is_done = _flag(
        "repair_is_done", "repair_done", "the repair must be recorded as done first"
    )
    replacement_not_recorded = _flag(
        "replacement_not_recorded",
        "replacement_recorded",
        "the replacement is already recorded",
        want=False,
    )
    replacement_is_recorded = _flag(
        "replacement_is_recorded",
        "replacement_recorded",
        "the replacement (faulty and new serial) must be recorded first",
    )
    substitute_in = _flag(
        "substitute_in",
        "substitute_out",
        "a substitute unit is already lent to the customer",
        want=False,
    )
    substitute_lent = _flag(
        "substitute_lent", "substitute_out", "no substitute unit is lent to the customer"
    )
    substitute_back = _flag(
        "substitute_back",
        "substitute_out",
        "the substitute unit lent to the customer must be returned first",
        want=False,
    )
    resolution_rejected = _is(
        "resolution_rejected",
        "resolution",
        Resolution.rejected,
        "the resolution is rejected",
        request=True,
    )
    resolution_given = Guard(
        "resolution_given",
        "a resolution other than rejected is given",
        lambda f: f.resolution is not None and f.resolution is not Resolution.rejected,
        {"resolution": Resolution.withdrawn},
        {"resolution": None},
        from_request=True,
    )
    resolution_fits = Guard(
        "resolution_fits",
        lambda f: resolution_problem(f.resolution, f) or "the resolution must fit the claim",
        lambda f: f.resolution is None or _resolution_ok(f),
        {},
        {"resolution": Resolution.repaired, "repair_done": False},
    )


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: tuple[ClaimState, ...]
    to: ClaimState | None
    """None: the claim stays in its state (the action records something)."""
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    letter: LetterHint | None = None
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
         letter=LetterHint.information_request),
    Rule(A.customer_info_received, (S.awaiting_customer_info,), S.design_review,
         QUALITY | {Role.intake}, (G.referral_open,)),
    Rule(A.customer_info_received, (S.awaiting_customer_info,), S.new,
         QUALITY | {Role.intake}, (G.no_referral_open,)),
    Rule(A.offer_paid_repair, (S.new,), S.awaiting_payment_guarantee, QUALITY,
         (G.out_of_warranty, G.no_guarantee_yet), LetterHint.paid_repair_offer),
    Rule(A.accept_paid_repair, (S.awaiting_payment_guarantee,), S.new, QUALITY),
    Rule(A.decline_paid_repair, (S.awaiting_payment_guarantee,), S.closed, QUALITY,
         letter=LetterHint.closure, resolution=Resolution.declined_paid_repair),
    Rule(A.refer_to_design, (S.new,), S.design_review, QUALITY, (G.warranty_checked,),
         LetterHint.design_memo),
    Rule(A.answer_referral, (S.design_review,), S.awaiting_customer_confirmation, DESIGN,
         (G.cause_misuse,), LetterHint.explanation),
    Rule(A.answer_referral, (S.design_review,), S.awaiting_customer_info, DESIGN,
         (G.cause_needs_info,), LetterHint.information_request),
    Rule(A.answer_referral, (S.design_review,), S.awaiting_customer_confirmation, DESIGN,
         (G.cause_defect, G.with_recommendations), LetterHint.recommendations),
    Rule(A.answer_referral, (S.design_review,), S.remedy, DESIGN,
         (G.cause_defect, G.without_recommendations)),
    Rule(A.confirm_resolved, (S.awaiting_customer_confirmation,), S.awaiting_withdrawal, QUALITY,
         letter=LetterHint.withdrawal_request),
    Rule(A.report_not_helped, (S.awaiting_customer_confirmation,), S.remedy, QUALITY),
    Rule(A.choose_remedy, (S.remedy,), S.field_service, QUALITY, (G.remedy_field,),
         LetterHint.service_visit),
    Rule(A.choose_remedy, (S.remedy,), S.awaiting_return, QUALITY, (G.remedy_return,),
         LetterHint.return_instructions),
    Rule(A.schedule_field_visit, (S.field_service,), None, SERVICE_OR_QUALITY),
    Rule(A.field_visit_done, (S.field_service,), S.inspection, SERVICE,
         (G.visit_scheduled, G.outcome_inspected)),
    Rule(A.field_visit_done, (S.field_service,), S.awaiting_return, SERVICE,
         (G.visit_scheduled, G.outcome_needs_return), LetterHint.return_instructions),
    Rule(A.return_shipped, (S.awaiting_return,), None, SERVICE_OR_QUALITY),
    Rule(A.unit_received, (S.awaiting_return,), S.inspection, SERVICE),
    Rule(A.record_inspection_act, (S.inspection,), None, SERVICE_OR_QUALITY,
         (G.no_inspection_act,), LetterHint.inspection_act),
    Rule(A.plan_repair, (S.inspection,), S.repair, SERVICE_OR_QUALITY,
         (G.has_inspection_act, G.cost_bearer_agreed)),
    Rule(A.offer_replacement, (S.inspection,), S.replacement, QUALITY,
         (G.has_inspection_act, G.cost_bearer_agreed), LetterHint.replacement_offer),
    Rule(A.offer_replacement, (S.repair,), S.replacement, QUALITY, (G.repair_not_done,),
         LetterHint.replacement_offer),
    Rule(A.repair_done, (S.repair,), None, SERVICE, (G.repair_not_done,)),
    Rule(A.return_unit, (S.repair,), S.returned, SERVICE, (G.repair_is_done,),
         LetterHint.repair_completed),
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
         letter=LetterHint.withdrawal_request),
    Rule(A.remind_withdrawal, (S.awaiting_withdrawal,), None, QUALITY,
         letter=LetterHint.withdrawal_request),
    Rule(A.withdrawal_received, (S.awaiting_withdrawal,), S.closed, QUALITY,
         (G.substitute_back, G.resolution_fits), LetterHint.closure),
    Rule(A.close, OPEN_STATES, S.closed, QUALITY, (G.substitute_back, G.resolution_rejected),
         LetterHint.rejection),
    Rule(A.close, OPEN_STATES, S.closed, QUALITY,
         (G.substitute_back, G.resolution_given, G.resolution_fits), LetterHint.closure),
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


@dataclass(frozen=True)
class Transition:
    action: Action
    from_state: ClaimState
    to_state: ClaimState
    letter: LetterHint | None = None
    resolution: Resolution | None = None

    @property
    def changes_state(self) -> bool:
        return self.from_state is not self.to_state

    @property
    def closes(self) -> bool:
        return self.to_state in FINAL_STATES and self.from_state not in FINAL_STATES

    @property
    def reopens(self) -> bool:
        return self.from_state in FINAL_STATES and self.to_state not in FINAL_STATES


class WorkflowError(Exception):
    """An action refused by the workflow; the message says what is allowed instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(WorkflowError):
    def __init__(self, state: ClaimState, action: Action, allowed: list[Action]) -> None:
        self.state, self.action, self.allowed = state, action, allowed
        what = ", ".join(allowed) if allowed else "nothing (for your roles)"
        super().__init__(
            f"'{action}' is not allowed while the claim is '{state}'; allowed now: {what}"
        )


class RoleNotAllowed(WorkflowError):
    def __init__(self, action: Action, roles: frozenset[Role], allowed_roles: frozenset[Role]):
        self.action, self.roles, self.allowed_roles = action, roles, allowed_roles
        mine = ", ".join(sorted(roles)) or "none"
        super().__init__(
            f"'{action}' needs one of the roles {', '.join(sorted(allowed_roles))}; yours: {mine}"
        )


class GuardFailed(WorkflowError):
    def __init__(self, state: ClaimState, action: Action, reasons: list[str]) -> None:
        self.state, self.action, self.reasons = state, action, reasons
        super().__init__(f"'{action}' cannot be taken now: {'; or '.join(reasons)}")


def _roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    return frozenset(Role(r) for r in roles if r in Role.__members__)


def _failed(rule: Rule, facts: ClaimFacts, *, include_request: bool = True) -> list[Guard]:
    return [g for g in rule.guards if (include_request or not g.from_request) and not g(facts)]


def allowed_actions(
    state: ClaimState, roles: Iterable[Role | str], facts: ClaimFacts | None = None
) -> list[Action]:
    """The actions the caller may take now, in the table's order.

    Guards on what the request carries are ignored: the caller chooses the body. Without
    `facts`, guards are not checked at all (what the state and the roles allow).
    """
    mine = _roles(roles)
    result: list[Action] = []
    for action in Action:
        for rule in TABLE.get((state, action), ()):
            if not (rule.roles & mine):
                continue
            if facts is None or not _failed(rule, facts, include_request=False):
                result.append(action)
                break
    return result


def actions_from(state: ClaimState) -> list[Action]:
    """Every action defined from `state`, for any role."""
    return [a for a in Action if (state, a) in TABLE]


def apply(
    state: ClaimState, action: Action, roles: Iterable[Role | str], facts: ClaimFacts
) -> Transition:
    """The transition `action` makes from `state`, or the reason it is refused.

    Checks in this order: the caller's roles may take the action at all (RoleNotAllowed),
    the action is defined from the state (TransitionNotAllowed), the roles may take it from
    this state (RoleNotAllowed), the guards of one of its rules hold (GuardFailed).
    """
    mine = _roles(roles)
    if not (ACTION_ROLES[action] & mine):
        raise RoleNotAllowed(action, mine, ACTION_ROLES[action])
    rules = TABLE.get((state, action), ())
    if not rules:
        raise TransitionNotAllowed(state, action, allowed_actions(state, mine, facts))
    permitted = [r for r in rules if r.roles & mine]
    if not permitted:
        raise RoleNotAllowed(action, mine, frozenset().union(*(r.roles for r in rules)))
    failures: list[tuple[Rule, list[Guard]]] = []
    for rule in permitted:
        failed = _failed(rule, facts)
        if not failed:
            return _transition(rule, state, facts)
        failures.append((rule, failed))
    # Rules whose request guards hold are the branch the caller chose: report only their
    # reasons. Otherwise the body fits no branch: say what each branch needs.
    chosen = [(r, f) for r, f in failures if not any(g.from_request for g in f)]
    if chosen:
        reasons = [", ".join(g.explain(facts) for g in f) for _, f in chosen]
    else:
        reasons = [
            ", ".join(g.explain(facts) for g in f) + f" (leads to {r.target(state)})"
            for r, f in failures
        ]
    raise GuardFailed(state, action, list(dict.fromkeys(reasons)))


def _transition(rule: Rule, state: ClaimState, facts: ClaimFacts) -> Transition:
    to = rule.target(state)
    resolution = None
    if to in FINAL_STATES:
        resolution = rule.resolution or facts.resolution or suggested_resolution(facts)
    return Transition(rule.action, state, to, rule.letter, resolution)


def resume_on_customer_message(
    state: ClaimState, facts: ClaimFacts | None = None
) -> Transition | None:
    """The transition a customer's message makes (from any channel), or None.

    A claim waiting for the customer's information resumes where it was: in design review
    when a referral is open, otherwise in triage (`new`).
    """
    if state is not ClaimState.awaiting_customer_info:
        return None
    return apply(state, Action.customer_info_received, {Role.intake}, facts or ClaimFacts())


def mermaid() -> str:
    """A Mermaid state diagram of the machine; actions that keep the state are listed apart."""
    edges: dict[tuple[ClaimState, ClaimState], list[str]] = {}
    stays: dict[ClaimState, list[str]] = {}
    for rule in RULES:
        for source in rule.sources:
            target = rule.target(source)
            if target is source:
                if rule.action is not Action.check_warranty:
                    stays.setdefault(source, []).append(rule.action.value)
                continue
            labels = edges.setdefault((source, target), [])
            if rule.action.value not in labels:
                labels.append(rule.action.value)
    lines = ["stateDiagram-v2", f"    [*] --> {ClaimState.new.value}"]
    for (source, target), labels in edges.items():
        if rule_is_close_everywhere(source, target, labels):
            continue
        lines.append(f"    {source.value} --> {target.value} : {', '.join(labels)}")
    lines.append(
        f"    note right of {ClaimState.closed.value}\n"
        "        close (with a resolution) is allowed from every open state\n"
        "    end note"
    )
    for state, labels in stays.items():
        lines.append(f"    {state.value} : also {', '.join(dict.fromkeys(labels))}")
    lines.append(f"    {ClaimState.closed.value} --> [*]")
    return "\n".join(lines) + "\n"


def rule_is_close_everywhere(source: ClaimState, target: ClaimState, labels: list[str]) -> bool:
    """Leave out the close edges that exist from every state; a note says so instead."""
    if target is not ClaimState.closed:
        return False
    labels[:] = [lab for lab in labels if lab != Action.close.value]
    return not labels
