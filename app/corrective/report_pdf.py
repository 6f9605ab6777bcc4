"""The 8D report as a PDF/A-3b document on the letters' letterhead, signed with the company
certificate when one is configured: the letters' pipeline (render.py's Jinja environment and
filters, pdf.py's process pool, metadata and signature box, seal.py's box text, signing.py),
with the report's own template.

The HTML is rendered on the loop (Jinja, milliseconds); layout and signing run in the PDF
process pool. The XMP metadata names the record (dc:identifier), its linked claims
(dc:relation) and the language, and the signature's reason names the report, not a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app import l10n
from app.corrective import report_text
from app.corrective.report import rate_percent
from app.letters.context import Company, Signatory
from app.letters.pdf import (
    ISSUED_VARIANT,
    IssuedPdf,
    dublin_core_metadata,
    in_pool,
    signature_box,
)
from app.letters.render import get_environment
from app.letters.seal import box_text
from app.letters.signed_pdf import SigningUnavailable
from app.letters.signing import SigningFailed, SigningKey
from app.letters.typography import nbsp_html
from app.metrics import PDF_RENDER_SECONDS
from app.models.corrective import EightDReport

TEMPLATE = "corrective/8d.html"


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """What the PDF says about itself beyond the HTML's title and author."""

    number: str
    claim_numbers: tuple[str, ...]
    language: str


def render_html(
    report: EightDReport,
    *,
    lang: str,
    company: Company,
    signatory: Signatory,
    signed: bool,
    tz: ZoneInfo,
) -> str:
    env = get_environment()

    def local(moment: datetime | date | None) -> date | None:
        if isinstance(moment, datetime):
            return moment.astimezone(tz).date()
        return moment

    variables: dict[str, Any] = {
        "r": report,
        "lang": lang,
        "company": company,
        "signatory": signatory,
        "signed": signed,
        "T": lambda key: report_text.text(lang, key),
        "label": lambda group, code: report_text.label(lang, group, code),
        "country": lambda code: l10n.country_name(code, lang) if code else "",
        "rate": lambda value: rate_percent(value, lang),
        "local": local,
    }
    return nbsp_html(env.get_template(TEMPLATE).render(variables))


def report_pdf(
    html: str, meta: ReportMeta, key: SigningKey | None, signatory: Signatory, timezone: str
) -> IssuedPdf:
    """PDF/A-3b, signed when `key` is given (runs in the PDF process pool)."""
    from weasyprint import HTML

    document = HTML(string=html).render()
    document.metadata = dublin_core_metadata(
        document.metadata,
        identifier=meta.number,
        relations=meta.claim_numbers,
        language=meta.language,
    )
    pdf: bytes = document.write_pdf(pdf_variant=ISSUED_VARIANT)
    if key is None:
        return IssuedPdf(pdf)
    from app.letters.signing import sign

    moment = datetime.now(ZoneInfo(timezone))
    text = box_text(
        lang=meta.language,
        reason=f"{report_text.text(meta.language, 'reason')} {meta.number}",
        name=signatory.name,
        title=signatory.title,
        moment=moment,
    )
    signed, subject = sign(pdf, key, text, signature_box(document))
    return IssuedPdf(signed, subject, moment.astimezone(UTC))


async def render_report_pdf(
    html: str, meta: ReportMeta, key: SigningKey | None, signatory: Signatory, timezone: str
) -> IssuedPdf:
    with PDF_RENDER_SECONDS.time():
        try:
            return await in_pool(report_pdf, html, meta, key, signatory, timezone)
        except SigningFailed as exc:
            raise SigningUnavailable(str(exc)) from None
