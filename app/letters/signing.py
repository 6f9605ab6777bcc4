"""PAdES signatures with pyHanko: signing an issued letter, and reading what a PDF's
signatures say.

Both run in the PDF process pool (pdf.py), never on the event loop: hashing, the private-key
operation and pyHanko's parsing are CPU work, and a malformed upload must not be parsed in
the server's own process.

Signing is an incremental update: the PDF/A file WeasyPrint wrote stays byte for byte in front,
and pyHanko appends the signature field, its appearance and an updated XMP packet. pyHanko
rewrites the XMP it finds rather than replacing it, so the PDF/A identification (pdfaid:part 3,
conformance B) survives, and it updates ModDate in the XMP and the Info dictionary together.
The box's text is set in DejaVu Sans and embedded, as PDF/A requires of every font shown.

Verification never fetches anything (no OCSP, CRL or certificate downloads): an uploaded file
names whatever URLs its author chose, and following them would let a caller make the server
call out. Trust is the configured anchors only, never the system's TLS store.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from app.letters.seal import SealText

if TYPE_CHECKING:
    from app.config import Settings

FIELD_NAME = "Signature"
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_PDFAID_PART = re.compile(rb"pdfaid:part(?:>|=\")\s*(\d)")
_PDFAID_CONFORMANCE = re.compile(rb"pdfaid:conformance(?:>|=\")\s*([ABUabu])")


# Plain exceptions and dataclasses: this module runs in the PDF workers, which should not load
# FastAPI and the models to sign a letter; signed_pdf.py turns them into problems and schemas.


class SigningFailed(Exception):
    """The configured certificate, trust anchors or timestamp authority cannot be used."""


class NotAPdf(Exception):
    """The bytes are not a PDF pyHanko can read."""


@dataclass(frozen=True, slots=True)
class Certificate:
    subject: str
    issuer: str
    serial_number: str
    valid_from: datetime
    valid_until: datetime


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    field_name: str
    intact: bool
    changed_after_signing: bool
    changes_after_signing: str | None
    trusted: bool
    signer: Certificate
    signing_time: datetime | None
    timestamp: datetime | None
    pades_level: Literal["B-B", "B-T"]
    reason: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class Inspection:
    """What a PDF's signatures say; the fields of models.letters.DocumentSignatures."""

    status: Literal["unsigned", "intact", "modified"]
    signed: bool
    intact: bool | None
    signatures: list[SignatureCheck]
    pdfa: str | None
    trust_anchors_configured: bool
    sha256: str


@dataclass(frozen=True, slots=True)
class SigningKey:
    """Where the signing key is; sent to a pool worker with each letter (a path and a
    password, not the key: a worker loads and keeps the key itself)."""

    pkcs12: Path
    password: bytes | None = field(repr=False)
    tsa_url: str | None = None
    tsa_timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class FieldBox:
    """The visible signature's rectangle, in PDF points from the page's lower left corner."""

    page: int
    # Whole points: pyHanko's layout does exact fraction arithmetic and refuses floats.
    x1: int
    y1: int
    x2: int
    y2: int


def signing_key(settings: Settings) -> SigningKey | None:
    """The configured key, or None: letters are issued unsigned."""
    if settings.signing_pkcs12 is None:
        return None
    password = settings.signing_password
    return SigningKey(
        pkcs12=settings.signing_pkcs12,
        password=password.get_secret_value().encode() if password is not None else None,
        tsa_url=settings.signing_tsa_url,
        tsa_timeout=settings.signing_tsa_timeout_seconds,
    )


def _dejavu_sans() -> Path:
    """DejaVu Sans, the letters' own font (Latin, Latvian and Cyrillic)."""
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "DejaVu Sans:style=Book"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        if found.lower().endswith((".ttf", ".otf")) and "dejavu" in found.lower():
            return Path(found)
    if _DEJAVU.exists():
        return _DEJAVU
    raise SigningFailed("The signature box needs the DejaVu Sans font (fonts-dejavu-core).")


# Latin with Latvian's and Bulgarian's letters, Cyrillic, punctuation, digits.
_STAMP_UNICODES = [*range(0x20, 0x250), *range(0x400, 0x530), *range(0x2000, 0x2070), 0x20AC]


@lru_cache(maxsize=1)
def _stamp_font() -> Path:
    """DejaVu Sans cut down to the scripts our letters use, without layout tables: pyHanko
    subsets the box's font on every signature with fontTools, and on the full font (GSUB/GPOS
    of ~6000 glyphs) that took two thirds of the signing time (bench/signing_cost.py). Made
    once per font file and shared by the workers (written under a name from the source's
    path and modification time, atomically)."""
    from fontTools import subset

    source = _dejavu_sans()
    tag = hashlib.sha256(f"{source}:{source.stat().st_mtime_ns}:{_STAMP_UNICODES}".encode())
    target = Path(tempfile.gettempdir()) / f"claims-stamp-font-{tag.hexdigest()[:16]}.ttf"
    if target.exists():
        return target
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=_STAMP_UNICODES)
    cutter.subset(font)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".claims-stamp-", suffix=".ttf")
    os.close(handle)
    subset.save_font(font, name, options)
    os.replace(name, target)
    return target


@lru_cache(maxsize=4)
def _signer(path: Path, mtime_ns: int, password: bytes | None) -> Any:
    # Keyed by the file's mtime: a renewed certificate is picked up without a restart.
    from pyhanko.sign import signers

    try:
        data = path.read_bytes()
        return signers.SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=password)
    except (OSError, ValueError):
        # Never the password, and not pyHanko's message, which may quote the file.
        raise SigningFailed(
            "The signing certificate (CLAIMS_SIGNING_PKCS12) cannot be read with the "
            "configured password."
        ) from None


def load_signer(key: SigningKey) -> Any:
    try:
        mtime = key.pkcs12.stat().st_mtime_ns
    except OSError:
        raise SigningFailed(f"The signing certificate file {key.pkcs12} does not exist.") from None
    return _signer(key.pkcs12, mtime, key.password)


def certificate(key: SigningKey) -> Certificate:
    """The signing certificate (loads the key: blocking, for a thread or a pool worker)."""
    return _certificate(load_signer(key).signing_cert)


def _producer_as_xmp(writer: Any) -> None:
    """PDF/A wants the Info dictionary and the XMP to agree. pyHanko sets the XMP's producer to
    "pyHanko x.y" but appends it to the Info dictionary's ("WeasyPrint 70; pyHanko x.y"): give
    the new revision an Info dictionary without a producer, which pyHanko then fills alike."""
    from pyhanko.pdf_utils import generic

    try:
        info = writer.trailer["/Info"]
    except KeyError:
        return
    kept = {key: value for key, value in info.items() if key != "/Producer"}
    writer.set_info(generic.DictionaryObject(kept))


def sign(pdf: bytes, key: SigningKey, text: SealText, box: FieldBox | None) -> tuple[bytes, str]:
    """`pdf` with a PAdES B-B signature (B-T with a timestamp authority) appended, and the
    signing certificate's subject.

    `box` None gives an invisible signature (a custom template without the reserved box)."""
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.stamp import TextStampStyle

    signer = load_signer(key)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=text.reason,
        name=text.name,
    )
    spec = fields.SigFieldSpec(
        FIELD_NAME,
        on_page=box.page if box else 0,
        box=(box.x1, box.y1, box.x2, box.y2) if box else None,
    )
    style = TextStampStyle(
        stamp_text="%(heading)s\n%(name)s\n%(title)s\n%(signed_on)s",
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(_stamp_font())), font_size=7, leading=9
        ),
        # Narrow margins: four lines fit a 17 mm box at 7 pt; a longer line shrinks the text.
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(4),
        ),
        border_width=1,
    )
    timestamper = (
        timestamps.HTTPTimeStamper(key.tsa_url, timeout=key.tsa_timeout) if key.tsa_url else None
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    _producer_as_xmp(writer)
    pdf_signer = signers.PdfSigner(
        meta, signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec
    )
    params = {
        "heading": text.heading,
        "name": text.name,
        "title": text.title,
        "signed_on": text.signed_on,
    }
    try:
        out = pdf_signer.sign_pdf(writer, appearance_text_params=params)
    except (TimeoutError, OSError, ValueError, timestamps.TimestampRequestError) as exc:
        # pyHanko wraps the TSA's connection errors, not its timeout nor a reply that does not
        # parse (ValueError); without a TSA these are ours and stay errors.
        if key.tsa_url:
            raise SigningFailed(
                f"The timestamp authority (CLAIMS_SIGNING_TSA_URL) failed: {type(exc).__name__}."
            ) from None
        raise
    return bytes(out.getvalue()), str(signer.signing_cert.subject.human_friendly)


# ---- reading signatures ----------------------------------------------------------------------


def _certificate(cert: Any) -> Certificate:
    return Certificate(
        subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        serial_number=format(cert.serial_number, "x"),
        valid_from=cert.not_valid_before,
        valid_until=cert.not_valid_after,
    )


def _pdfa(reader: Any) -> str | None:
    """The PDF/A part and conformance the document's XMP metadata declares, e.g. "PDF/A-3B"."""
    try:
        meta = reader.root.get("/Metadata")
        if meta is None:
            return None
        xmp = meta.get_object().data[:1_000_000]
    except Exception:  # a broken metadata stream just means "not identified"
        return None
    part, conformance = _PDFAID_PART.search(xmp), _PDFAID_CONFORMANCE.search(xmp)
    if not part:
        return None
    level = conformance.group(1).decode().upper() if conformance else ""
    return f"PDF/A-{part.group(1).decode()}{level}"


def _trust_context(anchors: tuple[bytes, ...]) -> Any:
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko_certvalidator import ValidationContext

    roots = [cert for pem in anchors for cert in load_certs_from_pemder_data(pem)]
    # An explicit list, even an empty one: None would fall back to the system's TLS roots.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _signature(embedded: Any, anchors: tuple[bytes, ...]) -> SignatureCheck:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel

    status = validate_pdf_signature(
        embedded,
        signer_validation_context=_trust_context(anchors),
        ts_validation_context=_trust_context(anchors),
    )
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    level = status.modification_level
    # Later revisions that only add validation data or timestamps leave the document as signed.
    unchanged = whole_file or level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    timestamp = status.timestamp_validity.timestamp if status.timestamp_validity else None
    sig = embedded.sig_object
    return SignatureCheck(
        field_name=embedded.field_name,
        intact=bool(status.intact and status.valid),
        changed_after_signing=not unchanged,
        changes_after_signing=None if unchanged or level is None else level.name.lower(),
        trusted=bool(status.trusted) if anchors else False,
        signer=_certificate(status.signing_cert),
        signing_time=status.signer_reported_dt,
        timestamp=timestamp,
        pades_level="B-T" if timestamp else "B-B",
        reason=_text(sig.get("/Reason")),
        name=_text(sig.get("/Name")),
    )


def _text(value: Any) -> str | None:
    return str(value)[:500] if value is not None else None


def _read_anchors(paths: tuple[Path, ...]) -> tuple[bytes, ...]:
    try:
        return tuple(path.read_bytes() for path in paths)
    except OSError as exc:
        raise SigningFailed(
            f"A trust anchor (CLAIMS_SIGNING_TRUST_ANCHORS) cannot be read: {exc.filename}"
        ) from None


def inspect(data: bytes, anchor_files: tuple[Path, ...]) -> Inspection:
    """What `data`'s signatures say, trusting the CAs in `anchor_files` (PEM). Raises
    NotAPdf when it is not a PDF pyHanko can read (runs in a pool worker: the exception
    crosses back by pickling)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    anchors = _read_anchors(anchor_files)
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf("The file is not a PDF (no %PDF- header).")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_regular_signatures)
        signatures = [_signature(sig, anchors) for sig in embedded]
    except Exception as exc:  # pyHanko raises many kinds on a damaged file; all mean the same
        raise NotAPdf(
            f"The PDF could not be read ({type(exc).__name__}); is the file complete?"
        ) from None
    status: Literal["unsigned", "intact", "modified"]
    if not signatures:
        status = "unsigned"
    elif all(s.intact for s in signatures) and not signatures[-1].changed_after_signing:
        # A later signature (a customer's countersignature) may change what came before it;
        # only the last one must cover the file as it is.
        status = "intact"
    else:
        status = "modified"
    return Inspection(
        status=status,
        signed=bool(signatures),
        intact=all(s.intact for s in signatures) if signatures else None,
        signatures=signatures,
        pdfa=_pdfa(reader),
        trust_anchors_configured=bool(anchors),
        sha256=hashlib.sha256(data).hexdigest(),
    )
