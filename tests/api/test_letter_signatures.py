"""Signed, archivable letters: PDF/A-3b, a PAdES signature made at issue with a throwaway CA,
checked with pyHanko's own validator; the signature endpoints for signed, unsigned, tampered
and malformed files; an unsigned configuration that still issues."""

import base64
import hashlib
import io
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlalchemy import select

from app.config import Settings
from app.enums import Role
from app.letters.certificates import DevCertificate, make_dev_certificate
from app.main import create_app
from app.models.letters import Letter

LETTERS = "/api/v1/letters"
VERIFY = "/api/v1/documents/verify"
PASSWORD = "throwaway-password"


@pytest.fixture(scope="module")
def dev_cert(tmp_path_factory: pytest.TempPathFactory) -> DevCertificate:
    """A CA and signing certificate made for this module only."""
    return make_dev_certificate(
        tmp_path_factory.mktemp("signing"),
        organisation="Test Manufacturing SIA",
        signer_name="Kvalitātes nodaļa",
        password=PASSWORD,
    )


def signing_settings(settings: Settings, cert: DevCertificate, **extra: Any) -> Settings:
    return settings.model_copy(
        update={
            "signing_pkcs12": cert.pkcs12,
            "signing_password": SecretStr(PASSWORD),
            "signing_trust_anchors": [cert.ca_pem],
            "verify_max_bytes": 256 * 1024,
            **extra,
        }
    )


@pytest.fixture(scope="module")
async def signing_client(
    settings: Settings, dev_cert: DevCertificate
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a signing certificate, on the same database as the default one."""
    application = create_app(signing_settings(settings, dev_cert))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://test"
        ) as client,
    ):
        yield client


async def issue(client: httpx.AsyncClient, auth: Any, claim_number: str, kind: str) -> dict:
    created = await client.post(
        f"/api/v1/claims/{claim_number}/letters", json={"kind": kind}, headers=auth(Role.specialist)
    )
    assert created.status_code == 201, created.text
    letter_id = created.json()["id"]
    for action, role in (("submit", Role.specialist), ("approve", Role.head)):
        response = await client.post(f"{LETTERS}/{letter_id}/{action}", headers=auth(role))
        assert response.status_code == 200, (action, response.text)
    response = await client.post(f"{LETTERS}/{letter_id}/issue", headers=auth(Role.specialist))
    assert response.status_code == 200, response.text
    return response.json()


async def fetch_pdf(client: httpx.AsyncClient, auth: Any, letter: dict) -> bytes:
    response = await client.get(letter["links"]["pdf"], headers=auth(Role.auditor))
    assert response.status_code == 200
    return response.content


def xmp(pdf: bytes) -> str:
    """The document's current XMP packet (the last revision's, after signing)."""
    reader = PdfReader(io.BytesIO(pdf))
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


def flip_one_byte(pdf: bytes) -> bytes:
    """One bit changed inside the first content stream: the file still parses, the bytes the
    signature covers no longer match."""
    at = pdf.index(b"stream\n") + len(b"stream\n") + 20
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def draw_on_first_page(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    stream = writer.add_object(generic.StreamObject(stream_data=b"0 0 m 100 100 l S"))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def verify(client: httpx.AsyncClient, auth: Any, data: bytes, role: Any = Role.service):
    files = {"file": ("copy.pdf", data, "application/pdf")}
    return await client.post(VERIFY, files=files, headers=auth(role))


def lv_claim(**extra: Any) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:10]
    return {
        "name": "Jānis Ozoliņš",
        "organisation": f"SIA «Ziemeļu Vējš» {tag}",
        "email": f"janis.{tag}@ziemelu-vejs.example.lv",
        "language": "lv",
        **extra,
    }


async def test_issued_letter_is_signed_pdfa_that_pyhanko_validates(
    signing_client, auth, new_claim, dev_cert
) -> None:
    claim = await new_claim(customer=lv_claim())
    letter = await issue(signing_client, auth, claim["number"], "acknowledgement")
    assert letter["signed"] is True and letter["signed_at"]
    assert "Kvalitātes nodaļa" in letter["signer"]
    assert letter["links"]["signature"] == f"{LETTERS}/{letter['id']}/signature"

    response = await signing_client.get(letter["links"]["pdf"], headers=auth(Role.auditor))
    pdf = response.content
    # The stored SHA-256 and the Repr-Digest are the signed file's.
    assert hashlib.sha256(pdf).hexdigest() == letter["sha256"]
    digest = re.fullmatch(r"sha-256=:(.+):", response.headers["Repr-Digest"])
    assert digest and digest.group(1) == base64.b64encode(hashlib.sha256(pdf).digest()).decode()

    # pyHanko's validator, trusting only the throwaway CA.
    reader = PdfFileReader(io.BytesIO(pdf))
    [embedded] = reader.embedded_signatures
    status = await async_validate_pdf_signature(
        embedded,
        signer_validation_context=ValidationContext(
            trust_roots=[load_cert_from_pemder(str(dev_cert.ca_pem))]
        ),
    )
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert embedded.sig_object["/Reason"] == f"Atbilde uz reklamāciju {claim['number']}"
    assert embedded.sig_object["/Name"] == letter["signatory_name"]

    # A visible, printable box on the page the layout reserved it on.
    widget = embedded.sig_field["/Kids"][0] if "/Kids" in embedded.sig_field else embedded.sig_field
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert x2 - x1 > 150 and y2 - y1 > 40
    assert int(widget["/F"]) & 4  # printed, as PDF/A requires of annotations
    assert "/AP" in widget

    # Still identified as PDF/A-3b after the incremental signature, with the letter's metadata.
    packet = xmp(pdf)
    assert re.search(r'pdfaid:part(="|>)3', packet) and re.search(
        r'pdfaid:conformance(="|>)B', packet
    )
    assert letter["number"] in packet and claim["number"] in packet
    assert "<rdf:li>lv</rdf:li>" in packet
    assert "Kvalitātes kontroles nodaļa" in packet  # the author: the department
    # PDF/A: the Info dictionary says what the XMP says (pyHanko rewrote both).
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert f'pdf:Producer="{info.producer}"' in packet
    assert info.title in packet and info.author in packet


async def test_signature_endpoint_reports_the_stored_pdf(
    signing_client, auth, new_claim, app, settings
) -> None:
    claim = await new_claim(customer=lv_claim())
    letter = await issue(signing_client, auth, claim["number"], "acknowledgement")
    response = await signing_client.get(letter["links"]["signature"], headers=auth(Role.auditor))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["status"] == "intact" and report["signed"] and report["intact"]
    assert report["pdfa"] == "PDF/A-3B"
    assert report["matches_issued_sha256"] is True and report["sha256"] == letter["sha256"]
    [sig] = report["signatures"]
    assert sig["trusted"] is True and sig["pades_level"] == "B-B" and sig["timestamp"] is None
    assert sig["signer"]["subject"] == letter["signer"]
    assert "Development CA" in sig["signer"]["issuer"]
    assert sig["signer"]["valid_from"] < sig["signing_time"] < sig["signer"]["valid_until"]

    # The stored file damaged on disk: modified, and no longer the file issued.
    path = settings.storage_dir / await _pdf_path(app, letter["id"])
    original = path.read_bytes()
    try:
        path.write_bytes(flip_one_byte(original))
        damaged = (
            await signing_client.get(letter["links"]["signature"], headers=auth(Role.auditor))
        ).json()
        assert damaged["status"] == "modified" and damaged["intact"] is False
        assert damaged["matches_issued_sha256"] is False
    finally:
        path.write_bytes(original)


async def _pdf_path(app: Any, letter_id: int) -> str:
    async with app.state.session_factory() as s:
        return (await s.execute(select(Letter.pdf_path).where(Letter.id == letter_id))).scalar_one()


async def test_verify_signed_unsigned_tampered_and_malformed_uploads(
    signing_client, client, auth, new_claim
) -> None:
    signed = await fetch_pdf(
        signing_client,
        auth,
        await issue(signing_client, auth, (await new_claim())["number"], "acknowledgement"),
    )
    unsigned = await fetch_pdf(
        client, auth, await issue(client, auth, (await new_claim())["number"], "acknowledgement")
    )

    ok = await verify(signing_client, auth, signed)
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "intact" and ok.json()["signatures"][0]["trusted"] is True
    assert ok.json()["sha256"] == hashlib.sha256(signed).hexdigest()

    plain = (await verify(signing_client, auth, unsigned)).json()
    assert plain["status"] == "unsigned" and plain["signed"] is False and plain["intact"] is None
    assert plain["pdfa"] == "PDF/A-3B"

    tampered = (await verify(signing_client, auth, flip_one_byte(signed))).json()
    assert tampered["status"] == "modified" and tampered["intact"] is False
    assert tampered["signatures"][0]["intact"] is False

    # Text drawn on the page in a revision after the signature: the signature holds, the
    # document is no longer as signed.
    grown = (await verify(signing_client, auth, draw_on_first_page(signed))).json()
    assert grown["status"] == "modified" and grown["intact"] is True
    assert grown["signatures"][0]["changed_after_signing"] is True
    assert grown["signatures"][0]["changes_after_signing"] == "other"

    for junk in (
        b"not a pdf at all",
        b"%PDF-1.7\n" + b"\x00\xff" * 500,
        signed[: len(signed) // 2],
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>",
    ):
        response = await verify(signing_client, auth, junk)
        assert response.status_code == 422, (junk[:20], response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "file"

    empty = await verify(signing_client, auth, b"")
    assert empty.status_code == 422

    too_big = await verify(signing_client, auth, b"%PDF-1.7\n" + b"0" * (256 * 1024))
    assert too_big.status_code == 413

    assert (await signing_client.post(VERIFY, files={"file": ("a.pdf", signed)})).status_code == 401
    no_file = await signing_client.post(VERIFY, headers=auth(Role.auditor))
    assert no_file.status_code == 422


async def test_an_other_ca_is_not_trusted(signing_client, client, auth, new_claim) -> None:
    """The default app has no trust anchors: the signature is intact but trusted by nobody."""
    signed = await fetch_pdf(
        signing_client,
        auth,
        await issue(signing_client, auth, (await new_claim())["number"], "acknowledgement"),
    )
    report = (await verify(client, auth, signed)).json()
    assert report["status"] == "intact" and report["trust_anchors_configured"] is False
    assert report["signatures"][0]["trusted"] is False


async def test_unsigned_configuration_still_issues_pdfa(client, auth, new_claim) -> None:
    letter = await issue(client, auth, (await new_claim())["number"], "acknowledgement")
    assert letter["signed"] is False and letter["signer"] is None
    pdf = await fetch_pdf(client, auth, letter)
    assert re.search(r'pdfaid:part(="|>)3', xmp(pdf))
    assert not PdfFileReader(io.BytesIO(pdf)).embedded_signatures

    report = (await client.get(letter["links"]["signature"], headers=auth(Role.auditor))).json()
    assert report["status"] == "unsigned" and report["matches_issued_sha256"] is True

    ready = (await client.get("/readyz")).json()
    assert ready["documents"] == {"format": "PDF/A-3b", "signed": False}


async def test_readiness_names_the_signer(signing_client) -> None:
    documents = (await signing_client.get("/readyz")).json()["documents"]
    assert documents["signed"] is True and "Kvalitātes nodaļa" in documents["signer"]
    assert documents["certificate_expired"] is False and documents["timestamped"] is False


async def test_previews_stay_ordinary_pdfs_marked_as_drafts(signing_client, auth, new_claim):
    claim = await new_claim()
    created = await signing_client.post(
        f"/api/v1/claims/{claim['number']}/letters",
        json={"kind": "acknowledgement"},
        headers=auth(Role.specialist),
    )
    preview = await signing_client.get(
        created.json()["links"]["preview_pdf"], headers=auth(Role.auditor)
    )
    assert preview.status_code == 200
    reader = PdfReader(io.BytesIO(preview.content))
    meta = reader.trailer["/Root"].get("/Metadata")
    assert meta is None or b"pdfaid" not in meta.get_object().get_data()
    assert "/AcroForm" not in reader.trailer["/Root"]
    assert reader.metadata.title.startswith("PROJEKTS")  # "DRAFT" in Latvian


async def test_signature_of_a_draft_is_a_conflict(signing_client, auth, new_claim) -> None:
    claim = await new_claim()
    created = await signing_client.post(
        f"/api/v1/claims/{claim['number']}/letters",
        json={"kind": "acknowledgement"},
        headers=auth(Role.specialist),
    )
    response = await signing_client.get(
        f"{LETTERS}/{created.json()['id']}/signature", headers=auth(Role.auditor)
    )
    assert response.status_code == 409
    assert (
        await signing_client.get(f"{LETTERS}/2147483647/signature", headers=auth(Role.auditor))
    ).status_code == 404


async def test_a_wrong_password_stops_the_start(settings, dev_cert) -> None:
    broken = create_app(
        signing_settings(settings, dev_cert, signing_password=SecretStr("not-the-password"))
    )
    with pytest.raises(RuntimeError, match="CLAIMS_SIGNING_PKCS12") as caught:
        async with broken.router.lifespan_context(broken):
            pass
    assert "not-the-password" not in str(caught.value)


def test_password_from_a_file_is_never_shown(tmp_path: Path, settings) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cret-from-file\n")
    loaded = Settings(
        database_url=settings.database_url,
        signing_pkcs12=tmp_path / "x.p12",
        signing_password_file=secret,
        calendar_country="",
    )
    assert loaded.signing_password is not None
    assert loaded.signing_password.get_secret_value() == "s3cret-from-file"
    assert "s3cret" not in repr(loaded) and "s3cret" not in str(loaded.model_dump())
