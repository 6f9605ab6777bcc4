"""The 8D report built from a corrective action's rows (pure: no I/O, `today` passed in).

The JSON endpoint returns it as it is; the PDF (report_pdf.py) prints it in the reader's
language. D2's facts that the linked claims hold (how many, when, where, which serials, what
the customers wrote) are taken from those claims here, so the report never states a figure the
rows do not hold; the record's own `problem` JSON is carried alongside as it was stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from numbers import Real
from typing import Any
from zoneinfo import ZoneInfo

from app import l10n
from app.enums import CorrectiveState, CorrectiveTaskKind, CorrectiveTaskStatus, IshikawaCategory
from app.models.corrective import (
    CorrectiveAction,
    CorrectiveTask,
    EightDClaim,
    EightDClosure,
    EightDHeader,
    EightDProblem,
    EightDReport,
    EightDRootCause,
    EightDTask,
    EightDTeamMember,
    EightDValidation,
)

OPEN_TASK = frozenset({CorrectiveTaskStatus.planned, CorrectiveTaskStatus.in_progress})
OUTCOMES = frozenset({CorrectiveState.effective.value, CorrectiveState.not_effective.value})
SYMPTOMS_MAX = 10  # distinct descriptions quoted in D2; the claims list names every claim


@dataclass(frozen=True, slots=True)
class LinkedClaim:
    """A linked claim as the report needs it (loaded with its customer in one query)."""

    number: str
    received_at: Any  # datetime (aware)
    customer: str
    country: str | None
    serial_number: str | None
    description: str


def is_overdue(task: CorrectiveTask, today: date) -> bool:
    return task.status in OPEN_TASK and task.due_date is not None and task.due_date < today


def number(value: object) -> float | None:
    """A figure from the stored JSON, or None for anything that is not a plain number."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    return float(value)


def rate_percent(value: float | None, lang: str) -> str:
    """A claim rate (claims per unit sold) as claims per 100 units, in the language's digits."""
    if value is None:
        return ""
    return l10n.format_decimal(round(value * 100, 3), lang)


def outcome(ca: CorrectiveAction) -> str | None:
    """effective / not_effective: the state says it; before that, a stored result may."""
    if ca.state in OUTCOMES:
        return str(ca.state)
    figures = ca.effectiveness if isinstance(ca.effectiveness, dict) else {}
    stored = figures.get("result")
    if stored in OUTCOMES:
        return str(stored)
    if isinstance(figures.get("effective"), bool):
        return "effective" if figures["effective"] else "not_effective"
    return None


def _task(task: CorrectiveTask, today: date, people: Mapping[str, str]) -> EightDTask:
    assert task.id is not None
    return EightDTask(
        id=task.id,
        description=task.description,
        owner=task.owner,
        owner_name=people.get(task.owner or ""),
        due_date=task.due_date,
        status=CorrectiveTaskStatus(task.status),
        done_on=task.done_on,
        result=task.result,
        evidence_file_ids=list(task.evidence_file_ids or []),
        overdue=is_overdue(task, today),
    )


def _team(team: Iterable[Any]) -> list[EightDTeamMember]:
    members = []
    for entry in team or []:
        if isinstance(entry, dict) and entry.get("name"):
            members.append(
                EightDTeamMember(
                    name=str(entry["name"]),
                    role=str(entry["role"]) if entry.get("role") else None,
                    function=str(entry["function"]) if entry.get("function") else None,
                )
            )
        elif isinstance(entry, str) and entry.strip():
            members.append(EightDTeamMember(name=entry.strip()))
    return members


def _problem(ca: CorrectiveAction, claims: Sequence[LinkedClaim], tz: ZoneInfo) -> EightDProblem:
    days = sorted(c.received_at.astimezone(tz).date() for c in claims)
    serials = sorted(c.serial_number for c in claims if c.serial_number)
    symptoms: list[str] = []
    for claim in sorted(claims, key=lambda c: c.received_at):
        text = " ".join(claim.description.split())
        if text and text not in symptoms and len(symptoms) < SYMPTOMS_MAX:
            symptoms.append(text)
    return EightDProblem(
        statement=ca.problem_statement,
        recorded=dict(ca.problem or {}),
        claims=len(claims),
        first_received_on=days[0] if days else None,
        last_received_on=days[-1] if days else None,
        serial_min=serials[0] if serials else None,
        serial_max=serials[-1] if serials else None,
        countries=sorted({c.country for c in claims if c.country}),
        customers=sorted({c.customer for c in claims}),
        symptoms=symptoms,
    )


def _validation(ca: CorrectiveAction) -> EightDValidation:
    figures = ca.effectiveness if isinstance(ca.effectiveness, dict) else None
    return EightDValidation(
        fix_effective_on=ca.fix_effective_on,
        fix_first_serial=ca.fix_first_serial,
        fix_first_batch=ca.fix_first_batch,
        effectiveness_due_on=ca.effectiveness_due_on,
        effectiveness_checked_at=ca.effectiveness_checked_at,
        result=outcome(ca),
        rate_before=number(figures.get("rate_before")) if figures else None,
        rate_after=number(figures.get("rate_after")) if figures else None,
        figures=figures,
    )


def build_report(
    ca: CorrectiveAction,
    *,
    model_code: str | None,
    model_name: str | None,
    tasks: Sequence[CorrectiveTask],
    claims: Sequence[LinkedClaim],
    today: date,
    tz: ZoneInfo,
    people: Mapping[str, str] | None = None,
) -> EightDReport:
    """`people`: API key names to full names, for the owners."""
    known = people or {}

    def of_kind(kind: CorrectiveTaskKind) -> list[EightDTask]:
        chosen = [t for t in tasks if t.kind == kind]
        chosen.sort(key=lambda t: (t.due_date or date.max, t.id or 0))
        return [_task(t, today, known) for t in chosen]

    category = ca.root_cause_category
    return EightDReport(
        header=EightDHeader(
            number=ca.number,
            title=ca.title,
            state=CorrectiveState(ca.state),
            owner=ca.owner,
            owner_name=known.get(ca.owner or ""),
            product_model=model_code,
            product_model_name=model_name,
            batch=ca.batch,
            created_by=ca.created_by,
            created_at=ca.created_at,
            updated_at=ca.updated_at,
            closed_at=ca.closed_at,
        ),
        d1_team=_team(ca.team),
        d2_problem=_problem(ca, claims, tz),
        d3_containment=of_kind(CorrectiveTaskKind.containment),
        d4_root_cause=EightDRootCause(
            whys=[str(w) for w in (ca.root_cause_whys or []) if str(w).strip()],
            category=IshikawaCategory(category) if category else None,
            statement=ca.root_cause,
            purchased_component=ca.purchased_component,
        ),
        d5_corrective=of_kind(CorrectiveTaskKind.corrective),
        d6_implementation=_validation(ca),
        d7_preventive=of_kind(CorrectiveTaskKind.preventive),
        d8_closure=EightDClosure(
            summary=ca.closure_summary, closed_at=ca.closed_at, closed_by=ca.closed_by
        ),
        claims=[
            EightDClaim(
                number=c.number,
                received_on=c.received_at.astimezone(tz).date(),
                customer=c.customer,
                country=c.country,
                serial_number=c.serial_number,
            )
            for c in sorted(claims, key=lambda c: (c.received_at, c.number))
        ],
        as_of=today,
    )
