"""What the workflow's rules may ask about a claim: its facts (`ClaimFacts`, built from the
claim and its records plus what the request carries) and the guards, pure predicates on them
with the sentence a caller reads when one fails."""

from collections.abc import Callable
from dataclasses import dataclass, field

from app.catalog.warranty import OUT_OF_WARRANTY
from app.enums import (
    ClaimState,
    CostBearer,
    DefectCause,
    FieldVisitOutcome,
    RemedyKind,
    Resolution,
    WarrantyStatus,
)

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
