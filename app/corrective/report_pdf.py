"""The 8D report as a PDF/A-3b document on the letters' letterhead, signed with the company
certificate when one is configured: the letters' pipeline (render.py's Jinja environment and
filters, pdf.py's process pool, signing.py), with the report's own template and metadata.

The HTML is rendered on the loop (Jinja, milliseconds); layout and signing run in the PDF
process pool. The XMP metadata names the record (dc:identifier), its linked claims
(dc:relation) and the language, and the signature's reason names the report, not a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from xml.etree.ElementTree import SubElement, fromstring, tostring
from zoneinfo import ZoneInfo

from app import l10n
from app.corrective import report_text
from app.corrective.report import rate_percent
from app.letters.context import Company, Signatory
from app.letters.pdf import ISSUED_VARIANT, IssuedPdf, _signature_box, in_pool
from app.letters.render import get_environment
from app.letters.seal import SealText, signing_time_text
from app.letters.signed_pdf import SigningUnavailable
from app.letters.signing import SigningFailed, SigningKey
from app.letters.typography import nbsp_html
from app.metrics import PDF_RENDER_SECONDS
from app.models.corrective import EightDReport

TEMPLATE = "corrective/8d.html"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DC = "http://purl.org/dc/elements/1.1/"
_SIGNED_LABEL = {
    "ru": ("Документ подписан электронной подписью", "Дата подписания:"),
    "lv": ("Dokuments parakstīts ar elektronisko parakstu", "Parakstīts:"),
    "bg": ("Документът е подписан с електронен подпис", "Подписан на:"),
    "en": ("Digitally signed document", "Signed on:"),
}


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


def _metadata(metadata: Any, meta: ReportMeta) -> Any:
    from weasyprint.pdf.metadata import DocumentMetadata

    class ReportMetadata(DocumentMetadata):
        def generate_rdf_metadata(self, variant: Any, version: Any, conformance: Any) -> bytes:
            rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))
            about = SubElement(rdf, f"{{{_RDF}}}Description", {f"{{{_RDF}}}about": ""})
            SubElement(about, f"{{{_DC}}}identifier").text = meta.number
            for name, values in (("relation", meta.claim_numbers), ("language", (meta.language,))):
                if values:
                    bag = SubElement(SubElement(about, f"{{{_DC}}}{name}"), f"{{{_RDF}}}Bag")
                    for value in values:
                        SubElement(bag, f"{{{_RDF}}}li").text = value
            result: bytes = tostring(rdf, encoding="utf-8")
            return result

    return ReportMetadata(**vars(metadata))


def report_pdf(
    html: str, meta: ReportMeta, key: SigningKey | None, signatory: Signatory, timezone: str
) -> IssuedPdf:
    """PDF/A-3b, signed when `key` is given (runs in the PDF process pool)."""
    from weasyprint import HTML

    document = HTML(string=html).render()
    document.metadata = _metadata(document.metadata, meta)
    pdf: bytes = document.write_pdf(pdf_variant=ISSUED_VARIANT)
    if key is None:
        return IssuedPdf(pdf)
    from app.letters.signing import sign

    moment = datetime.now(ZoneInfo(timezone))
    heading, signed_on = _SIGNED_LABEL.get(meta.language, _SIGNED_LABEL["en"])
    text = SealText(
        reason=f"{report_text.text(meta.language, 'reason')} {meta.number}",
        heading=heading,
        name=signatory.name,
        title=signatory.title,
        signed_on=f"{signed_on} {signing_time_text(moment, meta.language)}",
    )
    signed, subject = sign(pdf, key, text, _signature_box(document))
    return IssuedPdf(signed, subject, moment.astimezone(UTC))


async def render_report_pdf(
    html: str, meta: ReportMeta, key: SigningKey | None, signatory: Signatory, timezone: str
) -> IssuedPdf:
    with PDF_RENDER_SECONDS.time():
        try:
            return await in_pool(report_pdf, html, meta, key, signatory, timezone)
        except SigningFailed as exc:
            raise SigningUnavailable(str(exc)) from None
