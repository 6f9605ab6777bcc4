"""What a new draft starts from: the claim and what the workflow recorded on it.

The design memo starts from the referral, the explanation and recommendations from the
design department's finding, the service visit from the scheduled visit, the inspection act
from the recorded act, the repair letter from the repair report and a settled dispute's cost
split, the replacement offer from the recorded replacement's warranty, and a second withdrawal
request names the first. What only an action's body carries (the questions of a request, a
paid repair's cost) comes in as typed facts (`format_facts`). The specialist edits from there.
Codes (cost bearer) are stored as codes; the templates print them in the letter's language.
Dates and amounts are written in the letter's language, never ISO.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.enums import LetterKind
from app.letters.dates import format_date
from app.models.claims import Claim
from app.models.letters import Letter
from app.models.workflow_records import (
    DesignFinding,
    Dispute,
    InspectionAct,
    JobKind,
    JobStatus,
    Referral,
    Replacement,
    ServiceJob,
)

_LOCALES = {"ru": "ru_RU", "en": "en_GB", "lv": "lv_LV", "bg": "bg_BG"}


@dataclass(frozen=True)
class Money:
    """An amount with its ISO currency, written in the letter's language."""

    amount: Decimal
    currency: str


def format_fact(value: Any, lang: str) -> str | None:
    """A recorded value as a letter's text in `lang` (dates and amounts localised)."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, date):
        return format_date(value, lang)
    if isinstance(value, Money):
        # Non-breaking spaces inside the amount, and between it and the currency.
        text = format_currency(value.amount, value.currency, locale=_LOCALES.get(lang, "en"))
        return text.replace("\u202f", "\u00a0").replace(" ", "\u00a0")
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value if item) or None
    return str(value)


def format_facts(facts: dict[str, Any] | None, lang: str) -> dict[str, str]:
    """An action's typed facts as letter fields in `lang`; empty ones left out."""
    written = {name: format_fact(value, lang) for name, value in (facts or {}).items()}
    return {name: text for name, text in written.items() if text}


# The replacement's warranty as recorded (`ReplacementIn.warranty`): carried over or a new
# period from the replacement's date.
_WARRANTY_TERMS = {
    "ru": {
        "transfer": "На новое изделие переходит гарантийный срок заменяемого изделия",
        "until": " (до {date})",
        "fresh": "На новое изделие устанавливается новый гарантийный срок, исчисляемый с {date}",
    },
    "en": {
        "transfer": "The new product takes over the remaining warranty of the replaced product",
        "until": ", until {date}",
        "fresh": "The new product carries a full new warranty period from {date}",
    },
    "lv": {
        "transfer": "Jaunajam izstrādājumam saglabājas nomainītā izstrādājuma garantijas termiņš",
        "until": " (līdz {date})",
        "fresh": "Jaunajam izstrādājumam tiek noteikts jauns pilns garantijas termiņš no {date}",
    },
    "bg": {
        "transfer": "За новото изделие важи гаранционният срок на замененото изделие",
        "until": " (до {date})",
        "fresh": "За новото изделие се установява нов гаранционен срок, който тече от {date}",
    },
}


def _warranty_terms(replacement: Replacement, claim: Claim, lang: str) -> str:
    words = _WARRANTY_TERMS.get(lang, _WARRANTY_TERMS["en"])
    if replacement.warranty_mode == "fresh":
        return words["fresh"].format(date=format_date(replacement.created_at, lang)) + "."
    until = claim.warranty_end_date
    return (
        words["transfer"] + (words["until"].format(date=format_date(until, lang)) if until else "")
    ) + "."


async def _latest(session: AsyncSession, model: Any, claim_id: int, *where: Any) -> Any:
    return (
        await session.execute(
            select(model)
            .where(model.claim_id == claim_id, *where)
            .order_by(model.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value if item)
    return str(value)


def _participants(people: list[dict[str, Any]] | None) -> list[str]:
    return [
        f"{p.get('name')} ({p['position']})" if p.get("position") else str(p.get("name"))
        for p in people or []
        if p.get("name")
    ]


async def prefill(
    session: AsyncSession, *, claim: Claim, kind: LetterKind, lang: str
) -> dict[str, str]:
    """Field values for a new draft of `kind`; empty where nothing is known yet."""
    claim_id = claim.id
    assert claim_id is not None
    fields: dict[str, Any] = {}
    if kind is LetterKind.design_memo:
        referral = await _latest(session, Referral, claim_id)
        statement = claim.defect_statement or claim.defect_description
        fields["defect_details"] = referral.memo if referral else statement
        fields["questions"] = referral.questions if referral else None
    elif kind in (
        LetterKind.explanation,
        LetterKind.recommendations,
        LetterKind.information_request,
    ):
        finding = await _latest(session, DesignFinding, claim_id)
        if finding is not None:
            if kind is LetterKind.explanation:
                # The designers' recommendations are part of the explanation of correct use.
                fields["explanation_text"] = "\n\n".join(
                    t for t in (finding.analysis, finding.recommendations) if t
                )
            elif kind is LetterKind.recommendations:
                fields["recommendations"] = finding.recommendations
            else:
                fields["requested_items"] = finding.information_needed
    elif kind is LetterKind.service_visit:
        # Only a visit still to come: an earlier remedy's visit is not this letter's.
        job = await _latest(
            session,
            ServiceJob,
            claim_id,
            ServiceJob.kind == JobKind.field_visit,
            ServiceJob.status == JobStatus.scheduled,
        )
        if job is not None:
            details = job.details or {}
            fields["visit_date"] = format_date(job.planned_on, lang) if job.planned_on else None
            fields["technicians"] = _text(details.get("technicians"))
            fields["site_address"] = _text(details.get("site_address"))
    elif kind is LetterKind.inspection_act:
        act = await _latest(session, InspectionAct, claim_id)
        if act is not None:
            people = _participants(act.our_participants) + _participants(act.customer_participants)
            fields.update(
                inspection_date=format_date(act.inspected_on, lang),
                inspection_place=act.place,
                participants="\n".join(people) or None,
                findings=act.findings,
                cost_bearer=act.cost_bearer,
            )
        elif claim.cost_bearer:
            fields["cost_bearer"] = claim.cost_bearer
    elif kind is LetterKind.repair_completed:
        job = await _latest(session, ServiceJob, claim_id, ServiceJob.kind == JobKind.repair)
        if job is not None:
            details = job.details or {}
            fields["repair_summary"] = (
                "\n".join(
                    t
                    for t in (_text(details.get("work_done")), _text(details.get("parts_replaced")))
                    if t
                )
                or None
            )
            returned = details.get("returned_on")
            # Recorded as an ISO date; the letter writes it the language's way.
            returned_on = format_date(date.fromisoformat(returned), lang) if returned else None
            shipped = [job.carrier, job.tracking_number, returned_on]
            fields["shipment_details"] = ", ".join(str(s) for s in shipped if s) or None
        dispute = await _latest(session, Dispute, claim_id, col(Dispute.settled_at).is_not(None))
        if dispute is not None and dispute.outcome:
            # The cost split agreed when the dispute was settled ("50/50").
            fields["cost_terms"] = dispute.outcome
    elif kind is LetterKind.replacement_offer:
        replacement = await _latest(session, Replacement, claim_id)
        if replacement is not None:
            fields["warranty_terms"] = _warranty_terms(replacement, claim, lang)
    elif kind is LetterKind.withdrawal_request:
        fields["reminder_of"] = await earlier_letter(
            session, claim_id, (LetterKind.withdrawal_request,), lang
        )
    return {name: str(value) for name, value in fields.items() if value}


async def earlier_letter(
    session: AsyncSession, claim_id: int, kinds: tuple[LetterKind, ...], lang: str
) -> str | None:
    """The newest issued letter of `kinds` on the claim as a reminder names it:
    "L-2026-000045 (27 ноября 2026 г.)"; None when none was issued."""
    if not kinds:
        return None
    earlier = (
        await session.execute(
            select(col(Letter.number), col(Letter.letter_date))
            .where(
                col(Letter.claim_id) == claim_id,
                col(Letter.kind).in_([k.value for k in kinds]),
                col(Letter.issued_at).is_not(None),
            )
            .order_by(col(Letter.issued_at).desc())
            .limit(1)
        )
    ).first()
    if earlier is None:
        return None
    number, issued_on = earlier
    return f"{number} ({format_date(issued_on, lang)})"
