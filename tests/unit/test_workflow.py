"""The state machine, tested from its own table: every state × action × role."""

from collections import deque
from dataclasses import replace

import pytest

from app.enums import (
    Action,
    ClaimState,
    CostBearer,
    DefectCause,
    FieldVisitOutcome,
    LetterKind,
    RemedyKind,
    Resolution,
    Role,
    WarrantyStatus,
)
from app.workflow.facts import FINAL_STATES, OPEN_STATES, ClaimFacts, suggested_resolution
from app.workflow.machine import (
    GuardFailed,
    RoleNotAllowed,
    TransitionNotAllowed,
    WorkflowError,
    actions_from,
    allowed_actions,
    apply,
    mermaid,
    resume_on_customer_message,
)
from app.workflow.rules import ACTION_ROLES, RULES, TABLE, Rule

S, A = ClaimState, Action


def satisfying(rule: Rule, **overrides: object) -> ClaimFacts:
    values: dict[str, object] = {}
    for guard in rule.guards:
        values.update(guard.satisfy)
    values.update(overrides)
    return ClaimFacts(**values)  # type: ignore[arg-type]


def matching(rules: tuple[Rule, ...], facts: ClaimFacts) -> list[Rule]:
    return [r for r in rules if all(g(facts) for g in r.guards)]


CASES = [(state, action, role) for state in ClaimState for action in Action for role in Role]


@pytest.mark.parametrize(("state", "action", "role"), CASES, ids=lambda v: str(v))
def test_every_state_action_role(state: ClaimState, action: Action, role: Role) -> None:
    rules = TABLE.get((state, action), ())
    mine = [r for r in rules if role in r.roles]
    if role not in ACTION_ROLES[action]:
        with pytest.raises(RoleNotAllowed) as err:
            apply(state, action, {role}, ClaimFacts())
        assert err.value.allowed_roles == ACTION_ROLES[action]
        assert action not in allowed_actions(state, {role})
    elif not rules:
        with pytest.raises(TransitionNotAllowed) as err:
            apply(state, action, {role}, ClaimFacts())
        assert err.value.allowed == allowed_actions(state, {role}, ClaimFacts())
        for allowed in err.value.allowed:
            assert allowed in str(err.value)
        assert action not in allowed_actions(state, {role})
    elif not mine:
        with pytest.raises(RoleNotAllowed):
            apply(state, action, {role}, ClaimFacts())
    else:
        assert action in allowed_actions(state, {role})
        for rule in mine:
            facts = satisfying(rule)
            assert matching(rules, facts) == [rule], "rules for one (state, action) overlap"
            transition = apply(state, action, {role}, facts)
            assert transition.to_state == rule.target(state)
            assert transition.letter == rule.letter
            assert transition.action is action and transition.from_state is state
            if transition.to_state in FINAL_STATES and state not in FINAL_STATES:
                assert transition.resolution is not None
            else:
                assert transition.resolution is None


GUARD_CASES = [
    (rule, source, guard) for rule in RULES for source in rule.sources for guard in rule.guards
]


@pytest.mark.parametrize(
    ("rule", "source", "guard"),
    GUARD_CASES,
    ids=[f"{r.action}-{s}-{g.name}" for r, s, g in GUARD_CASES],
)
def test_each_guard_refuses_when_it_fails(rule: Rule, source: ClaimState, guard) -> None:
    facts = replace(satisfying(rule), **guard.violate)
    assert not guard(facts)
    role = sorted(rule.roles)[0]
    others = [r for r in matching(TABLE[(source, rule.action)], facts) if role in r.roles]
    if others:  # another branch takes over, e.g. no referral open -> resume in triage
        assert rule not in others
        assert apply(source, rule.action, {role}, facts).to_state == others[0].target(source)
        return
    with pytest.raises(GuardFailed) as err:
        apply(source, rule.action, {role}, facts)
    assert guard.explain(facts) in str(err.value)


ALL_GUARDS = sorted({g for r in RULES for g in r.guards}, key=lambda g: g.name)


@pytest.mark.parametrize("guard", ALL_GUARDS, ids=lambda g: g.name)
def test_guard_examples_are_true_examples(guard) -> None:
    assert guard(ClaimFacts(**guard.satisfy))
    assert not guard(ClaimFacts(**guard.violate))


def _graph(*, without: set[Action] = frozenset()) -> dict[ClaimState, set[ClaimState]]:  # type: ignore[assignment]
    graph: dict[ClaimState, set[ClaimState]] = {s: set() for s in ClaimState}
    for rule in RULES:
        if rule.action in without:
            continue
        for source in rule.sources:
            graph[source].add(rule.target(source))
    return graph


def _reachable(graph: dict[ClaimState, set[ClaimState]], start: ClaimState) -> set[ClaimState]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in graph[todo.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_state_is_reachable_from_new() -> None:
    assert _reachable(_graph(), S.new) == set(ClaimState)
    # ... and not only through reopening a closed claim
    assert _reachable(_graph(without={A.reopen}), S.new) == set(ClaimState)


@pytest.mark.parametrize("state", OPEN_STATES)
def test_every_open_state_can_reach_closed(state: ClaimState) -> None:
    assert S.closed in _reachable(_graph(), state)
    # ... even without the generic `close`: the process itself leads to closure
    assert S.closed in _reachable(_graph(without={A.close}), state)


def test_closed_is_final_except_for_reopen_by_head() -> None:
    assert actions_from(S.closed) == [A.reopen]
    assert allowed_actions(S.closed, {Role.head}) == [A.reopen]
    assert allowed_actions(S.closed, {Role.specialist}) == []
    assert apply(S.closed, A.reopen, {Role.head}, ClaimFacts()).reopens


def test_every_action_is_used_and_only_by_working_roles() -> None:
    assert {r.action for r in RULES} == set(Action)
    used = set().union(*ACTION_ROLES.values())
    assert Role.auditor not in used and Role.admin not in used and Role.director not in used


# ---- the paths of domain.md, on the pure machine -----------------------------------------


# What an action records, as the service would: these facts hold after the action.
EFFECTS: dict[Action, dict[str, object]] = {
    A.refer_to_design: {"referral_open": True},
    A.schedule_field_visit: {"field_visit_scheduled": True},
    A.record_inspection_act: {"has_inspection_act": True},
    A.repair_done: {"repair_done": True},
    A.return_unit: {"unit_returned": True},
    A.record_replacement: {"replacement_recorded": True},
    A.ship_replacement: {"replacement_shipped": True},
    A.lend_substitute: {"substitute_out": True},
    A.substitute_returned: {"substitute_out": False},
}
REQUEST_ONLY = {"remedy_kind": None, "field_visit_outcome": None, "resolution": None}


def walk(
    steps: list[tuple[Action, Role, dict[str, object]]],
    start: ClaimState = S.new,
    facts: ClaimFacts | None = None,
) -> tuple[ClaimState, ClaimFacts, list[LetterKind]]:
    """Apply `steps`, each with what its request carries, then record the action's effects."""
    facts = facts or ClaimFacts(warranty_status=WarrantyStatus.in_warranty)
    state, letters = start, []
    for action, role, carried in steps:
        transition = apply(state, action, {role}, replace(facts, **carried))
        effects = dict(EFFECTS.get(action, {}))
        if action is A.answer_referral:
            effects["referral_open"] = carried.get("design_cause") is DefectCause.needs_info
        facts = replace(facts, **{**carried, **effects, **REQUEST_ONLY})
        if transition.letter:
            letters.append(transition.letter)
        state = transition.to_state
    return state, facts, letters


SP, HD, DS, SV = Role.specialist, Role.head, Role.design, Role.service


def test_misuse_explained_and_confirmed() -> None:
    state, facts, letters = walk(
        [
            (A.refer_to_design, SP, {}),
            (A.answer_referral, DS, {"design_cause": DefectCause.misuse}),
            (A.confirm_resolved, SP, {}),
            (A.remind_withdrawal, SP, {}),
            (A.withdrawal_received, SP, {}),
        ]
    )
    assert state is S.closed
    assert letters == [
        LetterKind.design_memo,
        LetterKind.explanation,
        LetterKind.withdrawal_request,
        LetterKind.withdrawal_request,
        LetterKind.closure,
    ]
    assert suggested_resolution(facts) is Resolution.explained


def test_recommendations_did_not_help_return_inspect_repair_close() -> None:
    state, facts, letters = walk(
        [
            (A.refer_to_design, SP, {}),
            (
                A.answer_referral,
                DS,
                {"design_cause": DefectCause.manufacturing_defect, "has_recommendations": True},
            ),
            (A.report_not_helped, SP, {}),
            (A.choose_remedy, SP, {"remedy_kind": RemedyKind.return_to_plant}),
            (A.return_shipped, SV, {}),
            (A.unit_received, SV, {}),
            (A.lend_substitute, SV, {}),
            (A.record_inspection_act, SV, {"cost_bearer": CostBearer.manufacturer}),
            (A.plan_repair, SP, {}),
            (A.repair_done, SV, {}),
            (A.return_unit, SV, {}),
            (A.request_withdrawal, SP, {}),
        ]
    )
    assert state is S.awaiting_withdrawal
    with pytest.raises(GuardFailed, match="substitute unit"):
        apply(state, A.withdrawal_received, {SP}, facts)
    state, facts, _ = walk(
        [(A.substitute_returned, SV, {}), (A.withdrawal_received, SP, {})], state, facts
    )
    assert state is S.closed
    assert LetterKind.inspection_act in letters and LetterKind.repair_completed in letters
    assert (
        apply(S.awaiting_withdrawal, A.withdrawal_received, {SP}, facts).resolution
        is Resolution.repaired
    )


def test_field_visit_then_repair_impossible_then_replacement() -> None:
    state, facts, letters = walk(
        [
            (A.refer_to_design, SP, {}),
            (
                A.answer_referral,
                DS,
                {"design_cause": DefectCause.undetermined, "referral_open": False},
            ),
            (A.choose_remedy, HD, {"remedy_kind": RemedyKind.field_service}),
            (A.schedule_field_visit, SV, {}),
            (A.field_visit_done, SV, {"field_visit_outcome": FieldVisitOutcome.inspected}),
            (A.record_inspection_act, SV, {"cost_bearer": CostBearer.manufacturer}),
            (A.plan_repair, SV, {}),
            (A.offer_replacement, SP, {}),
            (A.record_replacement, SV, {}),
            (A.ship_replacement, SV, {}),
            (A.request_withdrawal, SP, {}),
            (A.withdrawal_received, SP, {}),
        ]
    )
    assert state is S.closed
    assert letters[:2] == [LetterKind.design_memo, LetterKind.service_visit]
    assert LetterKind.replacement_offer in letters
    assert suggested_resolution(facts) is Resolution.replaced


def test_out_of_warranty_paid_repair_declined() -> None:
    facts = ClaimFacts(warranty_status=WarrantyStatus.expired)
    with pytest.raises(GuardFailed, match="expired or is void"):
        in_warranty = ClaimFacts(warranty_status=WarrantyStatus.in_warranty)
        apply(S.new, A.offer_paid_repair, {SP}, in_warranty)
    t = apply(S.new, A.offer_paid_repair, {SP}, facts)
    assert (t.to_state, t.letter) == (S.awaiting_payment_guarantee, LetterKind.paid_repair_offer)
    t = apply(t.to_state, A.decline_paid_repair, {SP}, replace(facts, paid_repair_offered=True))
    assert (t.to_state, t.resolution) == (S.closed, Resolution.declined_paid_repair)


def test_paid_repair_accepted_goes_back_to_triage_and_cannot_be_offered_twice() -> None:
    facts = ClaimFacts(
        warranty_status=WarrantyStatus.void,
        paid_repair_offered=True,
        payment_guarantee_received=True,
    )
    t = apply(S.awaiting_payment_guarantee, A.accept_paid_repair, {SP}, facts)
    assert t.to_state is S.new
    assert A.offer_paid_repair not in allowed_actions(S.new, {SP}, facts)
    assert A.refer_to_design in allowed_actions(S.new, {SP}, facts)


def test_cost_bearer_disputed_then_settled() -> None:
    state, facts, _ = walk(
        [
            (A.open_dispute, SP, {}),
        ],
        S.inspection,
        ClaimFacts(has_inspection_act=True, cost_bearer=CostBearer.customer),
    )
    assert state is S.disputed
    with pytest.raises(RoleNotAllowed, match="head"):
        apply(state, A.settle_dispute, {SP}, facts)
    t = apply(state, A.settle_dispute, {HD}, replace(facts, cost_bearer=CostBearer.shared))
    assert t.to_state is S.inspection
    # a dispute before any inspection goes back to choosing the remedy
    assert apply(S.disputed, A.settle_dispute, {HD}, ClaimFacts()).to_state is S.remedy


def test_design_asks_for_info_and_a_customer_message_resumes_review() -> None:
    t = apply(
        S.design_review,
        A.answer_referral,
        {DS},
        ClaimFacts(design_cause=DefectCause.needs_info, referral_open=True),
    )
    assert (t.to_state, t.letter) == (S.awaiting_customer_info, LetterKind.information_request)
    resumed = resume_on_customer_message(S.awaiting_customer_info, ClaimFacts(referral_open=True))
    assert resumed is not None and resumed.to_state is S.design_review
    resumed = resume_on_customer_message(S.awaiting_customer_info, ClaimFacts())
    assert resumed is not None and resumed.to_state is S.new
    for state in ClaimState:
        if state is not S.awaiting_customer_info:
            assert resume_on_customer_message(state, ClaimFacts()) is None


def test_design_answer_branches_by_cause_and_recommendations() -> None:
    def to(cause: DefectCause, recs: bool) -> ClaimState:
        facts = ClaimFacts(design_cause=cause, has_recommendations=recs, referral_open=True)
        return apply(S.design_review, A.answer_referral, {DS}, facts).to_state

    assert to(DefectCause.misuse, True) is S.awaiting_customer_confirmation
    assert to(DefectCause.wear, True) is S.awaiting_customer_confirmation
    assert to(DefectCause.design_defect, False) is S.remedy
    assert to(DefectCause.undetermined, False) is S.remedy
    assert to(DefectCause.needs_info, False) is S.awaiting_customer_info
    with pytest.raises(GuardFailed, match="leads to"):
        apply(S.design_review, A.answer_referral, {DS}, ClaimFacts())


@pytest.mark.parametrize(
    ("resolution", "facts", "ok"),
    [
        (Resolution.repaired, ClaimFacts(repair_done=True), False),
        (Resolution.repaired, ClaimFacts(repair_done=True, unit_returned=True), True),
        (Resolution.replaced, ClaimFacts(), False),
        (Resolution.replaced, ClaimFacts(replacement_shipped=True), True),
        (Resolution.explained, ClaimFacts(design_cause=DefectCause.wear), False),
        (Resolution.explained, ClaimFacts(design_cause=DefectCause.misuse), True),
        (Resolution.fixed_by_recommendations, ClaimFacts(), False),
        (Resolution.declined_paid_repair, ClaimFacts(), False),
        (Resolution.rejected, ClaimFacts(), True),
        (Resolution.withdrawn, ClaimFacts(), True),
        (Resolution.duplicate, ClaimFacts(), True),
    ],
)
def test_close_checks_the_resolution_against_the_history(resolution, facts, ok) -> None:
    facts = replace(facts, resolution=resolution)
    if ok:
        t = apply(S.repair, A.close, {SP}, facts)
        assert (t.to_state, t.resolution) == (S.closed, resolution)
        assert t.letter is (
            LetterKind.rejection if resolution is Resolution.rejected else LetterKind.closure
        )
    else:
        with pytest.raises(GuardFailed, match=f"closing as {resolution.value.split('_')[0]}"):
            apply(S.repair, A.close, {SP}, facts)


def test_errors_share_a_base_and_say_what_is_allowed() -> None:
    with pytest.raises(WorkflowError, match="allowed now: check_warranty, request_info"):
        apply(S.new, A.plan_repair, {SP}, ClaimFacts())
    with pytest.raises(WorkflowError, match="needs one of the roles design; yours: auditor"):
        apply(S.design_review, A.answer_referral, {Role.auditor}, ClaimFacts())
    with pytest.raises(RoleNotAllowed, match="yours: none"):
        apply(S.new, A.close, set(), ClaimFacts())


def test_roles_may_be_plain_strings_and_unknown_ones_are_ignored() -> None:
    assert allowed_actions(S.closed, ["head", "nobody"]) == [A.reopen]
    assert apply(S.closed, "reopen", ["head"], ClaimFacts()).to_state is S.new  # type: ignore[arg-type]


def test_allowed_actions_ignore_request_guards_but_check_facts() -> None:
    assert A.answer_referral in allowed_actions(S.design_review, {DS}, ClaimFacts())
    assert A.plan_repair not in allowed_actions(S.inspection, {SV}, ClaimFacts())
    ready = ClaimFacts(has_inspection_act=True, cost_bearer=CostBearer.manufacturer)
    assert A.plan_repair in allowed_actions(S.inspection, {SV}, ready)
    assert allowed_actions(S.new, {Role.auditor}, ClaimFacts()) == []


def test_mermaid_names_every_state_and_transition() -> None:
    text = mermaid()
    assert text.startswith("stateDiagram-v2\n    [*] --> new\n")
    for state in ClaimState:
        assert f" {state.value} " in text or f" {state.value}\n" in text
    for rule in RULES:
        assert rule.action.value in text or rule.action is A.check_warranty
    assert "closed --> [*]" in text
