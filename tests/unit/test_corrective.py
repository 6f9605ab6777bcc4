"""The corrective action's pure parts: the state machine, the D2 builder, effectiveness."""

from datetime import UTC, date, datetime

import pytest

from app.corrective import effectiveness, machine, problem
from app.corrective.machine import CorrectiveActionName as A
from app.corrective.machine import Facts
from app.enums import CorrectiveState as S
from app.enums import Role
from app.errors import Conflict, Forbidden

ALL = frozenset(Role)


def test_every_state_but_the_final_ones_has_a_way_out() -> None:
    for state in S:
        out = machine.allowed_actions(state, ALL)
        assert bool(out) == (state not in machine.FINAL), state


def test_allowed_actions_follow_the_roles() -> None:
    assert machine.allowed_actions(S.effective, {Role.specialist}) == []
    assert machine.allowed_actions(S.effective, {Role.head}) == [A.close]
    assert machine.allowed_actions(S.analysing, {Role.design}) == [A.plan_actions]
    assert machine.allowed_actions(S.open, {Role.auditor}) == []


@pytest.mark.parametrize(
    ("action", "facts", "missing"),
    [
        (A.start_analysis, Facts(), ["team", "claims"]),
        (A.start_analysis, Facts(team_size=1), ["claims"]),
        (A.plan_actions, Facts(root_cause=True), ["root_cause_category"]),
        (A.record_fix, Facts(open_corrective_tasks=2), ["fix_effective_on", "tasks"]),
        (A.close, Facts(), ["closure_summary"]),
        (A.cancel, Facts(), ["reason"]),
    ],
)
def test_guards_name_what_is_missing(action, facts, missing) -> None:
    state = machine.MOVES[action].sources[0]
    with pytest.raises(Conflict) as caught:
        machine.check(action, state, Facts(**{**_fields(facts), "roles": ALL}))
    assert caught.value.extra["missing"] == missing


def _fields(facts: Facts) -> dict:
    return {name: getattr(facts, name) for name in Facts.__slots__}


def test_wrong_state_names_the_allowed_ones() -> None:
    with pytest.raises(Conflict) as caught:
        machine.check(A.close, S.open, Facts(roles=ALL, closure_summary=True))
    assert caught.value.extra["allowed_states"] == ["effective"]


def test_role_is_checked_before_state() -> None:
    with pytest.raises(Forbidden):
        machine.check(A.close, S.open, Facts(roles=frozenset({Role.specialist})))


def test_early_effectiveness_check_is_a_heads_call() -> None:
    due = date(2026, 6, 1)
    early = Facts(effectiveness_due_on=due, today=date(2026, 5, 1), roles=frozenset({Role.head}))
    with pytest.raises(Conflict):
        machine.check(A.check_effectiveness, S.verifying, early)
    specialist = Facts(**{**_fields(early), "early": True, "roles": frozenset({Role.specialist})})
    with pytest.raises(Forbidden):
        machine.check(A.check_effectiveness, S.verifying, specialist)
    machine.check(A.check_effectiveness, S.verifying, Facts(**{**_fields(early), "early": True}))
    machine.check(A.check_effectiveness, S.verifying, Facts(**{**_fields(early), "today": due}))


def claim(n: int, day: int, **kw) -> problem.ClaimFacts:
    values = {
        "number": f"CLM-2026-{n:06d}",
        "received_at": datetime(2026, 3, day, 22, 30, tzinfo=UTC),
        "defect_description": f"Leak number {n}",
        "product_model": "PMP-200",
        "product_model_name": "Pump",
        "serial": f"PMP200-0001{n:02d}",
        "customer": "Siltums",
        "country": "LV",
    }
    return problem.ClaimFacts(**{**values, **kw})


def test_problem_from_claims() -> None:
    claims = [
        claim(1, 3),
        claim(2, 5, customer="Aqua", country="EE", serial="PMP200-0002XY"),
        claim(3, 4, product_model=None, product_model_name=None, serial=None),
    ]
    facts = problem.build(claims, zone="Europe/Riga", batch_suffix=3)
    assert facts["claims"] == 3
    assert facts["product_models"] == [{"code": "PMP-200", "claims": 2, "name": "Pump"}]
    assert facts["batches"] == [{"batch": "PMP200-000", "claims": 2}]
    assert (facts["serial_min"], facts["serial_max"]) == ("PMP200-000101", "PMP200-0002XY")
    # 22:30 UTC is the next day in Riga.
    assert (facts["first_received_on"], facts["last_received_on"]) == ("2026-03-04", "2026-03-06")
    assert facts["countries"] == [{"country": "LV", "claims": 2}, {"country": "EE", "claims": 1}]
    assert facts["customers"][0] == {"name": "Siltums", "claims": 2}
    assert [s["claim_number"] for s in facts["symptoms"]] == [
        "CLM-2026-000002",
        "CLM-2026-000003",
        "CLM-2026-000001",
    ]
    assert problem.main_model(facts) == "PMP-200"
    assert problem.default_title(facts, cause="manufacturing_defect", batch=None) == (
        "PMP-200, manufacturing defect: 3 claims"
    )


def test_symptoms_are_capped_and_cut_at_a_word() -> None:
    long = "water " * 200
    facts = problem.build(
        [claim(i, 1 + i % 20, defect_description=long) for i in range(15)],
        zone="UTC",
        batch_suffix=3,
    )
    assert len(facts["symptoms"]) == problem.SYMPTOMS_CAP
    text = facts["symptoms"][0]["text"]
    assert len(text) <= problem.SYMPTOM_CHARS and text.endswith("water…")
    assert problem.build([], zone="UTC", batch_suffix=3) == {"claims": 0}


def test_windows_are_equal_and_shrink_when_early() -> None:
    w = effectiveness.windows(date(2026, 1, 1), period_days=90, today=date(2026, 6, 1))
    assert (w.before_from, w.fix_on, w.after_to, w.days) == (
        date(2025, 10, 3),
        date(2026, 1, 1),
        date(2026, 4, 1),
        90,
    )
    early = effectiveness.windows(date(2026, 1, 1), period_days=90, today=date(2026, 1, 31))
    assert early.days == 30 and early.after_to == date(2026, 1, 31)


@pytest.mark.parametrize(
    ("before", "after", "result"),
    [
        ((10, 100), (5, 100), "effective"),
        ((10, 100), (6, 100), "not_effective"),
        ((0, 100), (0, 50), "effective"),
        ((0, 100), (1, 50), "not_effective"),
        ((10, 0), (0, 50), "insufficient_data"),
        ((10, 100), (0, 0), "insufficient_data"),
    ],
)
def test_effectiveness_figures(before, after, result) -> None:
    w = effectiveness.windows(date(2026, 1, 1), period_days=90, today=date(2026, 6, 1))
    figures = effectiveness.figures(
        claims_before=before[0],
        units_before=before[1],
        claims_after=after[0],
        units_after=after[1],
        window=w,
        reduction=0.5,
    )
    assert figures["result"] == result
    assert figures["window_days"] == 90
    if before[1]:
        assert figures["rate_before"] == before[0] / before[1]
    else:
        assert figures["rate_before"] is None


@pytest.mark.parametrize(
    ("lang", "count", "words"),
    [
        ("ru", 1, "1 рекламация"),
        ("ru", 3, "3 рекламации"),
        ("ru", 5, "5 рекламаций"),
        ("ru", 11, "11 рекламаций"),
        ("ru", 21, "21 рекламация"),
        ("lv", 1, "1 reklamācija"),
        ("lv", 3, "3 reklamācijas"),
        ("lv", 10, "10 reklamāciju"),
        ("lv", 21, "21 reklamācija"),
        ("bg", 1, "1 рекламация"),
        ("bg", 21, "21 рекламации"),
        ("en", 1, "1 claim"),
        ("en", 2, "2 claims"),
    ],
)
def test_default_title_counts_claims_in_each_language(lang: str, count: int, words: str) -> None:
    facts = {"claims": count, "product_models": [{"code": "PMP-200", "claims": count}]}
    assert problem.default_title(facts, cause=None, batch=None, lang=lang) == f"PMP-200: {words}"


def test_default_title_without_a_model_leads_with_the_cause() -> None:
    facts = {"claims": 3, "product_models": []}
    assert problem.default_title(facts, cause="design_defect", batch=None, lang="bg") == (
        "Конструктивен дефект: 3 рекламации"
    )
    assert problem.default_title(facts, cause=None, batch=None, lang="en") == "3 claims"
    assert problem.default_title(facts, cause="new_cause", batch="B1", lang="lv") == (
        "Partija B1, new cause: 3 reklamācijas"
    )
