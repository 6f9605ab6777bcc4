"""The claim state machine: pure data and functions, no I/O.

The rules are a table (`rules.py`) over the claim's facts and guards (`facts.py`). The service
builds `ClaimFacts` from the claim and its records, merges in what the request carries (the
cause of a design finding, the chosen remedy, the resolution of a closure) and calls `apply`; it
never decides on its own which transition is allowed.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from app.enums import (
    Action,
    ClaimState,
    LetterKind,
    Resolution,
    Role,
)
from app.workflow.facts import FINAL_STATES, ClaimFacts, Guard, suggested_resolution
from app.workflow.rules import ACTION_ROLES, RULES, TABLE, Rule


@dataclass(frozen=True)
class Transition:
    action: Action
    from_state: ClaimState
    to_state: ClaimState
    letter: LetterKind | None = None
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
