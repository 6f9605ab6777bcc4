"""The corrective action's state machine: pure (no I/O, no clock; `today` comes in).

Each action has the states it may start from, where it leads, the roles that may take it and
its guards, in words for GET /api/v1/corrective-actions/workflow and as code in `check`.
`check_effectiveness` leads to `effective` or `not_effective`: the figures decide
(app/corrective/effectiveness.py)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from app.enums import CorrectiveState, Role
from app.errors import Conflict, Forbidden

S = CorrectiveState


class CorrectiveActionName(StrEnum):
    start_analysis = "start_analysis"
    plan_actions = "plan_actions"
    record_fix = "record_fix"
    check_effectiveness = "check_effectiveness"
    reopen = "reopen"
    close = "close"
    cancel = "cancel"


A = CorrectiveActionName
QUALITY = frozenset({Role.head, Role.specialist})
# Who reads a corrective action: the quality department, design, management and the auditor.
READERS = frozenset({Role.head, Role.specialist, Role.design, Role.auditor, Role.director})
# Who opens one, links claims and edits every field; design edits the root cause (rules.py).
EDITORS = QUALITY
FINAL = frozenset({S.closed, S.cancelled})


@dataclass(frozen=True, slots=True)
class Move:
    action: CorrectiveActionName
    sources: tuple[CorrectiveState, ...]
    targets: tuple[CorrectiveState, ...]
    roles: frozenset[Role]
    summary: str
    guards: tuple[str, ...] = ()


MOVES: dict[CorrectiveActionName, Move] = {
    m.action: m
    for m in (
        Move(
            A.start_analysis,
            (S.open,),
            (S.analysing,),
            QUALITY,
            "Start the root-cause analysis (D4)",
            ("the team (D1) has at least one member", "at least one claim is linked"),
        ),
        Move(
            A.plan_actions,
            (S.analysing,),
            (S.implementing,),
            QUALITY | {Role.design},
            "Root cause found: plan and carry out the corrective actions (D5–D7)",
            ("root_cause is written", "root_cause_category is chosen"),
        ),
        Move(
            A.record_fix,
            (S.implementing,),
            (S.verifying,),
            QUALITY,
            "The fix took effect: wait for the effectiveness check",
            (
                "fix_effective_on is set",
                "every corrective task is done or cancelled",
                "sets effectiveness_due_on = fix_effective_on + "
                "CLAIMS_CORRECTIVE_EFFECTIVENESS_DAYS",
            ),
        ),
        Move(
            A.check_effectiveness,
            (S.verifying,),
            (S.effective, S.not_effective),
            QUALITY,
            "Compare the claim rate before and after the fix",
            (
                'not before effectiveness_due_on, unless a head sends {"early": true}',
                "units were sold in both windows (else 409: not enough data)",
            ),
        ),
        Move(
            A.reopen,
            (S.not_effective,),
            (S.implementing,),
            QUALITY,
            "The fix did not work: back to the corrective actions",
        ),
        Move(
            A.close,
            (S.effective,),
            (S.closed,),
            frozenset({Role.head}),
            "Close the record (D8)",
            ("closure_summary is written",),
        ),
        Move(
            A.cancel,
            (S.open, S.analysing, S.implementing),
            (S.cancelled,),
            frozenset({Role.head}),
            "Cancel the record, with a reason",
            ("a reason is given",),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the guards look at, as the service read it from the record."""

    team_size: int = 0
    claims: int = 0
    root_cause: bool = False
    root_cause_category: bool = False
    fix_effective_on: date | None = None
    open_corrective_tasks: int = 0
    closure_summary: bool = False
    effectiveness_due_on: date | None = None
    today: date | None = None
    early: bool = False
    reason: bool = False
    roles: frozenset[Role] = field(default_factory=frozenset)


def allowed_actions(state: CorrectiveState, roles: Iterable[Role]) -> list[CorrectiveActionName]:
    """The actions the state allows to someone holding `roles` (guards not asked)."""
    held = frozenset(roles)
    return [m.action for m in MOVES.values() if state in m.sources and m.roles & held]


def check_role(action: CorrectiveActionName, roles: Iterable[Role]) -> None:
    move = MOVES[action]
    if not move.roles & frozenset(roles):
        raise Forbidden(
            f"Your key's roles do not allow {action}; it needs one of: "
            + ", ".join(sorted(move.roles)),
            required_roles=sorted(move.roles),
        )


def check_state(action: CorrectiveActionName, state: CorrectiveState) -> None:
    move = MOVES[action]
    if state not in move.sources:
        allowed = [s.value for s in move.sources]
        raise Conflict(
            f"{action} is not allowed in state {state}; it is allowed in: {', '.join(allowed)}.",
            state=state.value,
            allowed_states=allowed,
        )


def _missing(action: CorrectiveActionName, facts: Facts) -> list[str]:
    if action is A.start_analysis:
        return [
            name
            for name, ok in (("team", facts.team_size > 0), ("claims", facts.claims > 0))
            if not ok
        ]
    if action is A.plan_actions:
        return [
            name
            for name, ok in (
                ("root_cause", facts.root_cause),
                ("root_cause_category", facts.root_cause_category),
            )
            if not ok
        ]
    if action is A.record_fix:
        missing = [] if facts.fix_effective_on else ["fix_effective_on"]
        return missing + (["tasks"] if facts.open_corrective_tasks else [])
    if action is A.close:
        return [] if facts.closure_summary else ["closure_summary"]
    if action is A.cancel:
        return [] if facts.reason else ["reason"]
    return []


def check(action: CorrectiveActionName, state: CorrectiveState, facts: Facts) -> None:
    """Role (403), then state (409), then guards (409 naming what is missing)."""
    check_role(action, facts.roles)
    check_state(action, state)
    missing = _missing(action, facts)
    if missing:
        detail = f"{action} needs: {', '.join(missing)}."
        if "tasks" in missing:
            detail += f" {facts.open_corrective_tasks} corrective task(s) are not done yet."
        raise Conflict(detail, missing=missing)
    if action is A.check_effectiveness:
        due, today = facts.effectiveness_due_on, facts.today
        if due is not None and today is not None and today < due:
            if not facts.early:
                raise Conflict(
                    f"The effectiveness check is due on {due.isoformat()}; a head may check "
                    'early with {"early": true}.',
                    effectiveness_due_on=due.isoformat(),
                )
            if Role.head not in facts.roles:
                raise Forbidden(
                    "Only a head may check effectiveness before it is due.",
                    required_roles=[Role.head.value],
                )


def describe() -> list[dict[str, object]]:
    """The machine in words, for the workflow endpoint and the docs."""
    return [
        {
            "action": m.action.value,
            "from": [s.value for s in m.sources],
            "to": [s.value for s in m.targets],
            "roles": sorted(m.roles),
            "summary": m.summary,
            "guards": list(m.guards),
        }
        for m in MOVES.values()
    ]
