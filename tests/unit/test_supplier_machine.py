"""The supplier claim's machine and its amount rules, without a database."""

from decimal import Decimal

import pytest

from app.enums import Role, SupplierClaimState
from app.models.suppliers import SupplierClaimAction
from app.suppliers import machine

S, A = SupplierClaimState, SupplierClaimAction
TABLE = {
    (S.draft, A.mark_sent): S.sent,
    (S.sent, A.acknowledge): S.acknowledged,
    (S.sent, A.accept): S.accepted,
    (S.sent, A.reject): S.rejected,
    (S.acknowledged, A.accept): S.accepted,
    (S.acknowledged, A.reject): S.rejected,
    (S.accepted, A.settle): S.settled,
    (S.rejected, A.reopen): S.sent,
}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair(state: SupplierClaimState, action: SupplierClaimAction) -> None:
    if (state, action) in TABLE:
        assert machine.next_state(state, action) == TABLE[state, action]
    else:
        with pytest.raises(machine.TransitionNotAllowed):
            machine.next_state(state, action)


@pytest.mark.parametrize("state", list(S))
def test_allowed_actions_follow_the_table_and_the_role(state: SupplierClaimState) -> None:
    expected = [a for a in A if (state, a) in TABLE]
    assert machine.allowed_actions(state, {Role.specialist}) == expected
    assert machine.allowed_actions(state, {Role.director, Role.auditor}) == []


def test_frozen_fields() -> None:
    assert machine.frozen_fields(S.draft, {"amount_claimed", "owner"}) == []
    assert machine.frozen_fields(S.sent, {"amount_claimed", "owner", "defect_description"}) == [
        "amount_claimed",
        "defect_description",
    ]
    assert machine.frozen_fields(S.settled, {"owner"}) == ["owner"]


def test_amounts() -> None:
    machine.check_accepted(Decimal("10.00"), amount_claimed=Decimal("10.00"))
    with pytest.raises(machine.AmountRefused) as refused:
        machine.check_accepted(Decimal("10.01"), amount_claimed=Decimal("10.00"))
    assert refused.value.field == "body.amount_accepted"
    machine.check_recovered(Decimal("5.00"), amount_accepted=Decimal("10.00"))
    with pytest.raises(machine.AmountRefused):
        machine.check_recovered(Decimal("10.01"), amount_accepted=Decimal("10.00"))


def test_mermaid_names_every_transition() -> None:
    diagram = machine.mermaid()
    for (source, action), target in TABLE.items():
        assert f"{source} --> {target}: {action}" in diagram
