"""The 8D report of a corrective action: as JSON, and as a PDF/A in ru, lv, bg or en on the
letters' letterhead, signed with the company certificate when one is configured."""

from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response

from app.auth.principal import Principal
from app.corrective import reporting
from app.deps import SessionDep, SettingsDep, require
from app.enums import Role
from app.errors import problem_responses
from app.models.corrective import EightDReport

router = APIRouter(prefix="/api/v1/corrective-actions", tags=["Corrective actions"])

Reader = Annotated[
    Principal,
    Depends(require(Role.head, Role.specialist, Role.design, Role.director, Role.auditor)),
]
Number = Annotated[
    str,
    Path(
        max_length=40,
        pattern=r"^[A-Za-z0-9-]+$",
        description="The corrective action's number",
        examples=["CA-2026-000007"],
    ),
]


class ReportLanguage(StrEnum):
    ru = "ru"
    lv = "lv"
    bg = "bg"
    en = "en"


PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {}},
        "description": "The 8D report as PDF/A-3b, signed when a certificate is configured",
    }
}


@router.get(
    "/{ca_number}/report",
    response_model=EightDReport,
    summary="The 8D report (JSON)",
    responses=problem_responses(401, 403, 404),
)
async def report_json(
    principal: Reader, ca_number: Number, session: SessionDep, settings: SettingsDep
) -> EightDReport:
    """D1–D8 of the corrective action and its linked claims, built from the record now: team,
    problem (as recorded and as the claims show it), containment, root cause (five whys,
    Ishikawa category), corrective actions, implementation and effectiveness figures,
    preventive actions, closure."""
    return await reporting.load_report(session, number=ca_number, settings=settings)


@router.get(
    "/{ca_number}/report.pdf",
    response_class=Response,
    summary="The 8D report (PDF)",
    responses={**PDF_RESPONSE, **problem_responses(401, 403, 404, 422, 503)},
)
async def report_pdf(
    principal: Reader,
    ca_number: Number,
    session: SessionDep,
    settings: SettingsDep,
    language: Annotated[
        ReportLanguage | None,
        Query(description="ru, lv, bg or en; default the company's letter language, else en"),
    ] = None,
) -> Response:
    """The same report as a document on the company's letterhead in the language asked for:
    PDF/A-3b, over the head of the quality department's name, signed with the company
    certificate when one is configured (CLAIMS_SIGNING_PKCS12). Rendered on each call from the
    record as it is now."""
    rendered, lang = await reporting.report_pdf(
        session, number=ca_number, language=language.value if language else None, settings=settings
    )
    filename = f"8D-{ca_number}-{lang}.pdf"
    return Response(
        content=rendered.data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}",
            "Content-Language": lang,
            "Cache-Control": "no-store",
        },
    )
