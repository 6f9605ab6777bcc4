"""HTML to PDF with WeasyPrint, off the event loop.

WeasyPrint is CPU-bound (layout takes tens to hundreds of milliseconds per letter)
and holds the GIL, so a thread would still stall the server: it runs in a process
pool. The pool is created on first use and shut down by the app's lifespan
(`shutdown_pdf_pool`). Workers start with "forkserver" rather than "fork": forking
a process that runs an event loop and threads can copy held locks into the child.

Fonts: the templates ask for DejaVu Serif/Sans (Latin, Latvian diacritics and
Cyrillic); WeasyPrint finds them through fontconfig and embeds the subsets it uses.
The Docker image must install `fonts-dejavu-core` (and Pango: libpango-1.0-0,
libpangoft2-1.0-0).

Issued letters are PDF/A-3b (archival: fonts embedded, an output intent, XMP metadata naming
the letter, its claim and its language) and, with a certificate configured, signed in the same
worker call (signing.py), so the letter's bytes cross between processes once. Drafts and
previews stay ordinary PDFs.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from xml.etree.ElementTree import SubElement, fromstring, tostring
from zoneinfo import ZoneInfo

from app.metrics import PDF_RENDER_SECONDS

if TYPE_CHECKING:  # loaded by a worker when it signs; a draft needs WeasyPrint only
    from app.letters.seal import Seal
    from app.letters.signing import FieldBox, SigningKey

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_max_workers: int | None = None
_T = TypeVar("_T")

ISSUED_VARIANT = "pdf/a-3b"
SIGNATURE_ANCHOR = "e-signature"  # the id of the box base.html.j2 reserves
BOX_MM = (76, 17)  # its size, as base.html.j2's .e-signature sets it
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DC = "http://purl.org/dc/elements/1.1/"
_CSS_PX_TO_PT = 0.75  # CSS pixels are 1/96 in, PDF points 1/72 in


@dataclass(frozen=True, slots=True)
class Archive:
    """What an issued file says about itself in its XMP metadata, beyond what WeasyPrint takes
    from the HTML (title, author, keywords)."""

    letter_number: str
    claim_number: str
    language: str


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render `html` to PDF bytes in the calling process (the pool's worker function)."""
    # Imported here: loading WeasyPrint and Pango costs ~0.5 s and is only needed in workers.
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()


def dublin_core_metadata(
    metadata: Any, *, identifier: str, relations: tuple[str, ...], language: str
) -> Any:
    """WeasyPrint's metadata, plus dc:identifier (the document's number), dc:relation (the
    claims it is about; left out when none) and dc:language: Dublin Core is a schema PDF/A
    predefines, so no extension schema needed."""
    from weasyprint.pdf.metadata import DocumentMetadata

    class ArchiveMetadata(DocumentMetadata):
        def generate_rdf_metadata(self, variant: Any, version: Any, conformance: Any) -> bytes:
            rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))
            about = SubElement(rdf, f"{{{_RDF}}}Description", {f"{{{_RDF}}}about": ""})
            SubElement(about, f"{{{_DC}}}identifier").text = identifier
            for name, values in (("relation", relations), ("language", (language,))):
                if values:
                    bag = SubElement(SubElement(about, f"{{{_DC}}}{name}"), f"{{{_RDF}}}Bag")
                    for value in values:
                        SubElement(bag, f"{{{_RDF}}}li").text = value
            result: bytes = tostring(rdf, encoding="utf-8")
            return result

    return ArchiveMetadata(**vars(metadata))


def _archive_metadata(metadata: Any, archive: Archive) -> Any:
    return dublin_core_metadata(
        metadata,
        identifier=archive.letter_number,
        relations=(archive.claim_number,),
        language=archive.language,
    )


def signature_box(document: Any) -> FieldBox | None:
    """Where the layout put the reserved box, converted to PDF coordinates (WeasyPrint's
    anchors are CSS pixels from the page's top left; PDF counts points from the bottom left)."""
    from app.letters.signing import FieldBox

    for index, page in enumerate(document.pages):
        position = page.anchors.get(SIGNATURE_ANCHOR)
        if position is None:
            continue
        x, y = position[0] * _CSS_PX_TO_PT, position[1] * _CSS_PX_TO_PT
        top = page.height * _CSS_PX_TO_PT - y
        width, height = BOX_MM[0] * 72 / 25.4, BOX_MM[1] * 72 / 25.4
        return FieldBox(
            page=index,
            x1=round(x),
            y1=round(top - height),
            x2=round(x + width),
            y2=round(top),
        )
    return None


@dataclass(frozen=True, slots=True)
class IssuedPdf:
    data: bytes
    signer: str | None = None  # the signing certificate's subject; None: unsigned
    signed_at: datetime | None = None


def issued_pdf(
    html: str,
    archive: Archive,
    key: SigningKey | None = None,
    seal: Seal | None = None,
    base_url: str | None = None,
) -> IssuedPdf:
    """An issued letter: PDF/A-3b, signed when `key` is given (the pool's worker function)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url).render()
    document.metadata = _archive_metadata(document.metadata, archive)
    pdf: bytes = document.write_pdf(pdf_variant=ISSUED_VARIANT)
    if key is None or seal is None:
        return IssuedPdf(pdf)
    from app.letters.seal import seal_text
    from app.letters.signing import sign

    moment = datetime.now(ZoneInfo(seal.timezone))
    text = seal_text(
        lang=archive.language,
        claim_number=archive.claim_number,
        internal=seal.internal,
        name=seal.name,
        title=seal.title,
        moment=moment,
    )
    signed, subject = sign(pdf, key, text, signature_box(document))
    return IssuedPdf(signed, subject, moment.astimezone(UTC))


def _init_worker() -> None:
    """Pool workers yield the CPU to the event loop that answers the API: on a machine with
    few cores a render otherwise takes the loop's core and the API's p99 grows (bench
    scenario 4, bench/RESULTS.md). Rendering still uses any idle core at full speed."""
    os.nice(10)
    # pyHanko logs a traceback at WARNING for every certificate it cannot trust, and fontTools
    # for every font table it drops from a subset: expected outcomes, reported in the answer.
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)


def configure_pdf_pool(max_workers: int | None) -> None:
    """Set the pool size used when the pool is next created (None: min(2, CPUs))."""
    global _max_workers
    _max_workers = max_workers


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = _max_workers or max(1, min(2, os.cpu_count() or 1))
            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            )
            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context(method),
                initializer=_init_worker,
            )
        return _pool


async def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render `html` to PDF in the process pool without blocking the event loop."""
    loop = asyncio.get_running_loop()
    with PDF_RENDER_SECONDS.time():
        return await loop.run_in_executor(_get_pool(), html_to_pdf, html, base_url)


async def render_issued_pdf(
    html: str, archive: Archive, key: SigningKey | None, seal: Seal | None
) -> IssuedPdf:
    """Render (and sign) an issued letter in the process pool."""
    with PDF_RENDER_SECONDS.time():
        return await in_pool(issued_pdf, html, archive, key, seal)


async def in_pool(fn: Callable[..., _T], *args: Any) -> _T:
    """Run `fn(*args)` in the PDF process pool (PDF work that must stay off the loop)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_get_pool(), fn, *args)


def shutdown_pdf_pool(wait: bool = True) -> None:
    """Stop the pool's workers; the next render_pdf creates a new pool."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)
