"""What a new draft starts from: the claim and what the workflow recorded on it.

The design memo starts from the referral, the explanation and recommendations from the
design department's finding, the service visit from the scheduled visit, the inspection act
from the recorded act, the repair letter from the repair report, and a second withdrawal
request names the first. The specialist edits from there. Codes (cost bearer) are stored as
codes; the templates print them in the letter's language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.enums import LetterKind
from app.letters.render import format_date
from app.models.claims import Claim
from app.models.letters import Letter
from app.models.workflow_records import (
    DesignFinding,
    InspectionAct,
    JobKind,
    Referral,
    ServiceJob,
)


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
                fields["explanation_text"] = finding.analysis
            elif kind is LetterKind.recommendations:
                fields["recommendations"] = finding.recommendations
            else:
                fields["requested_items"] = finding.information_needed
    elif kind is LetterKind.service_visit:
        job = await _latest(session, ServiceJob, claim_id, ServiceJob.kind == JobKind.field_visit)
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
    elif kind is LetterKind.withdrawal_request:
        earlier = (
            await session.execute(
                select(col(Letter.number), col(Letter.letter_date))
                .where(
                    col(Letter.claim_id) == claim_id,
                    col(Letter.kind) == LetterKind.withdrawal_request,
                    col(Letter.issued_at).is_not(None),
                )
                .order_by(col(Letter.issued_at).desc())
                .limit(1)
            )
        ).first()
        if earlier is not None:
            number, issued_on = earlier
            fields["reminder_of"] = f"{number} ({format_date(issued_on, lang)})"
    return {name: str(value) for name, value in fields.items() if value}
