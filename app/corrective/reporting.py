"""The 8D report on the database: load a corrective action's rows (five queries, whatever
the number of tasks and claims), build the report (report.py), and for the PDF render it in
the pool (report_pdf.py) after the read transaction has ended."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings, in_language
from app.corrective.report import LinkedClaim, build_report
from app.corrective.report_pdf import ReportMeta, render_html, render_report_pdf
from app.errors import NotFound
from app.letters.building import letterhead
from app.letters.context import Signatory
from app.letters.pdf import IssuedPdf
from app.letters.render import SUPPORTED_LANGUAGES
from app.letters.signing import signing_key
from app.models.claims import Claim
from app.models.corrective import (
    CorrectiveAction,
    CorrectiveActionClaim,
    CorrectiveTask,
    EightDReport,
)
from app.models.customers import Customer
from app.models.reference import ProductModel
from app.models.system import ApiKey
from app.workdays import today

REPORT_LANGUAGES = SUPPORTED_LANGUAGES


def default_language(settings: Settings) -> str:
    """The company's letter language when it is one the report speaks, else English."""
    configured = (settings.letter_default_language or "").strip().lower()
    return configured if configured in REPORT_LANGUAGES else "en"


async def load_report(
    session: AsyncSession, *, number: str, settings: Settings, language: str | None = None
) -> EightDReport:
    """The report; with `language`, the model is named as the catalogue names it in that
    language (the JSON, for every reader, keeps the catalogue's own name)."""
    ca = (
        await session.execute(
            select(CorrectiveAction).where(col(CorrectiveAction.number) == number)
        )
    ).scalar_one_or_none()
    if ca is None:
        raise NotFound(f"Corrective action {number} does not exist.")
    model = await session.get(ProductModel, ca.product_model_id) if ca.product_model_id else None
    tasks = (
        (
            await session.execute(
                select(CorrectiveTask).where(col(CorrectiveTask.corrective_action_id) == ca.id)
            )
        )
        .scalars()
        .all()
    )
    rows = (
        await session.execute(
            select(
                col(Claim.number),
                col(Claim.received_at),
                col(Customer.name),
                col(Customer.country),
                col(Claim.reported_serial),
                col(Claim.defect_description),
            )
            .join(CorrectiveActionClaim, col(CorrectiveActionClaim.claim_id) == col(Claim.id))
            .join(Customer, col(Customer.id) == col(Claim.customer_id))
            .where(col(CorrectiveActionClaim.corrective_action_id) == ca.id)
        )
    ).all()
    owners = {t.owner for t in tasks if t.owner} | ({ca.owner} if ca.owner else set())
    people: dict[str, str] = {}
    if owners:
        names = await session.execute(
            select(col(ApiKey.name), col(ApiKey.full_name)).where(
                col(ApiKey.name).in_(sorted(owners)), col(ApiKey.full_name).is_not(None)
            )
        )
        people = {name: full_name for name, full_name in names}
    report = build_report(
        ca,
        model_code=model.code if model else None,
        model_name=((model.names or {}).get(language or "") or model.name) if model else None,
        tasks=tasks,
        claims=[LinkedClaim(*row) for row in rows],
        today=today(settings),
        tz=ZoneInfo(settings.timezone),
        people=people,
    )
    await session.rollback()  # end the read transaction before any slow work
    return report


def head_of_quality(settings: Settings, lang: str) -> Signatory:
    """The report is the quality department's: its head signs it."""
    return Signatory(settings.letter_head_name, in_language(settings.letter_head_title, lang) or "")


async def report_pdf(
    session: AsyncSession, *, number: str, language: str | None, settings: Settings
) -> tuple[IssuedPdf, str]:
    """The report as PDF/A (signed when a certificate is configured) and its language."""
    lang = language or default_language(settings)
    report = await load_report(session, number=number, settings=settings, language=lang)
    key = signing_key(settings)
    signatory = head_of_quality(settings, lang)
    html = render_html(
        report,
        lang=lang,
        company=letterhead(settings, lang),
        signatory=signatory,
        signed=key is not None,
        tz=ZoneInfo(settings.timezone),
    )
    meta = ReportMeta(
        number=report.header.number,
        claim_numbers=tuple(c.number for c in report.claims),
        language=lang,
    )
    return await render_report_pdf(html, meta, key, signatory, settings.timezone), lang
