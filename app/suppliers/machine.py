"""The state machine of a claim against a supplier, and the rules on its amounts and fields.
Pure: no database, no FastAPI, no clock.

    draft ─mark_sent─► sent ─acknowledge─► acknowledged ─accept─► accepted ─settle─► settled
                        │  └───────────── accept | reject ────────┘
                        ▼                        │
                     rejected ◄──────── reject ──┘
                        └─reopen─► sent   (the company disputes the rejection)

A supplier often answers with its decision at once, so accept and reject are taken from `sent`
as well as from `acknowledged`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from app.enums import Role, SupplierClaimState
from app.models.suppliers import (
    SupplierActionInfo,
    SupplierClaimAction,
    SupplierTransitionInfo,
    SupplierWorkflowRead,
)

S, A = SupplierClaimState, SupplierClaimAction

ACTORS: frozenset[Role] = frozenset({Role.specialist, Role.head})
READERS: frozenset[Role] = ACTORS | {Role.director, Role.auditor}
FINAL_STATES: frozenset[SupplierClaimState] = frozenset({S.settled})


@dataclass(frozen=True, slots=True)
class Rule:
    action: SupplierClaimAction
    sources: tuple[SupplierClaimState, ...]
    target: SupplierClaimState
    description: str


RULES: tuple[Rule, ...] = (
    Rule(A.mark_sent, (S.draft,), S.sent, "Record that the claim went out, by email or post"),
    Rule(
        A.acknowledge,
        (S.sent,),
        S.acknowledged,
        "The supplier confirmed receipt, with its own reference for the claim",
    ),
    Rule(
        A.accept,
        (S.sent, S.acknowledged),
        S.accepted,
        "The supplier accepts the claim for an amount up to the amount claimed",
    ),
    Rule(
        A.reject,
        (S.sent, S.acknowledged),
        S.rejected,
        "The supplier rejects the claim; its response is recorded",
    ),
    Rule(
        A.settle,
        (S.accepted,),
        S.settled,
        "The money came in (paid or credited), at most the amount accepted",
    ),
    Rule(
        A.reopen,
        (S.rejected,),
        S.sent,
        "The company disputes the rejection: the claim is back with the supplier",
    ),
)
_BY_ACTION = {rule.action: rule for rule in RULES}

# What a PATCH may change in each state: the claim as sent is what the supplier answers to.
DRAFT_FIELDS = frozenset(
    {
        "component",
        "supplier_reference",
        "defect_description",
        "claim_numbers",
        "evidence_attachment_ids",
        "amount_claimed",
        "currency",
        "language",
    }
)
ALWAYS_FIELDS = frozenset({"owner", "contact_id", "corrective_action"})


class TransitionNotAllowed(Exception):
    def __init__(self, state: SupplierClaimState, action: SupplierClaimAction) -> None:
        super().__init__(f"A supplier claim in state {state} cannot take {action}.")
        self.state, self.action = state, action


class AmountRefused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def rule(action: SupplierClaimAction) -> Rule:
    return _BY_ACTION[action]


def may_act(roles: Iterable[Role]) -> bool:
    return bool(ACTORS & set(roles))


def may_read(roles: Iterable[Role]) -> bool:
    return bool(READERS & set(roles))


def next_state(state: SupplierClaimState, action: SupplierClaimAction) -> SupplierClaimState:
    found = _BY_ACTION[action]
    if state not in found.sources:
        raise TransitionNotAllowed(state, action)
    return found.target


def allowed_actions(state: SupplierClaimState, roles: Iterable[Role]) -> list[SupplierClaimAction]:
    if not may_act(roles):
        return []
    return [r.action for r in RULES if state in r.sources]


def frozen_fields(state: SupplierClaimState, fields: Iterable[str]) -> list[str]:
    """The fields of a PATCH the state no longer lets change."""
    wanted = set(fields)
    if state in FINAL_STATES:
        return sorted(wanted)
    if state == S.draft:
        return []
    return sorted(wanted - ALWAYS_FIELDS)


def check_accepted(amount_accepted: Decimal, *, amount_claimed: Decimal) -> None:
    if amount_accepted > amount_claimed:
        raise AmountRefused(
            "body.amount_accepted",
            f"The amount accepted ({amount_accepted}) exceeds the amount claimed "
            f"({amount_claimed}).",
        )


def check_recovered(amount_recovered: Decimal, *, amount_accepted: Decimal | None) -> None:
    if amount_accepted is not None and amount_recovered > amount_accepted:
        raise AmountRefused(
            "body.amount_recovered",
            f"The amount recovered ({amount_recovered}) exceeds the amount accepted "
            f"({amount_accepted}).",
        )


def mermaid() -> str:
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for r in RULES:
        lines += [f"    {source} --> {r.target}: {r.action}" for source in r.sources]
    lines += [f"    {state} --> [*]" for state in sorted(FINAL_STATES)]
    return "\n".join(lines)


def action_path(action: SupplierClaimAction) -> str:
    return f"/api/v1/supplier-claims/{{sc_number}}/actions/{action.value}"


def workflow_read() -> SupplierWorkflowRead:
    return SupplierWorkflowRead(
        states=list(SupplierClaimState),
        final_states=sorted(FINAL_STATES),
        readers=sorted(READERS),
        actions=[
            SupplierActionInfo(
                name=r.action,
                path=action_path(r.action),
                description=r.description,
                roles=sorted(ACTORS),
                from_states=list(r.sources),
                leads_to=r.target,
            )
            for r in RULES
        ],
        transitions=[
            SupplierTransitionInfo(action=r.action, from_state=s, to_state=r.target)
            for r in RULES
            for s in r.sources
        ],
        mermaid=mermaid(),
    )
