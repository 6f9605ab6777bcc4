"""PAdES B-T: with a timestamp authority configured, the signature carries its timestamp. The
authority is a real HTTP server on 127.0.0.1 that answers RFC 3161 requests with pyHanko's
test timestamper and a throwaway TSA certificate made here."""

import io
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pydantic import SecretStr
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from app.config import Settings
from app.enums import Role
from app.letters.certificates import DevCertificate, make_dev_certificate
from app.main import create_app
from tests.api.test_letter_signatures import LETTERS, PASSWORD

NOW = datetime.now(UTC)


def _tsa_certificates(out: Path) -> tuple[bytes, bytes, Path]:
    """A TSA CA (written to `out` as a trust anchor), and the TSA's certificate and key."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(
        public_exponent=65537, key_size=2048
    )  # pyHanko's test TSA is RSA-only
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    anchor = out / "tsa-ca.pem"
    anchor.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem, anchor


class LocalTsa:
    """RFC 3161 over HTTP on 127.0.0.1, answered by pyHanko's DummyTimeStamper."""

    def __init__(self, cert_pem: bytes, key_pem: bytes) -> None:
        stamper = DummyTimeStamper(
            tsa_cert=next(iter(load_certs_from_pemder_data(cert_pem))),
            tsa_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
        )
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:  # noqa: N805
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.requests += 1
                handler.send_response(200)
                handler.send_header("Content-Type", "application/timestamp-reply")
                handler.send_header("Content-Length", str(len(answer)))
                handler.end_headers()
                handler.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/tsa"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[DevCertificate, bytes, bytes, Path]:
    out = tmp_path_factory.mktemp("tsa")
    return (make_dev_certificate(out / "signer", password=PASSWORD), *_tsa_certificates(out))


@pytest.fixture(scope="module")
def tsa(certs: Any) -> Iterator[LocalTsa]:
    server = LocalTsa(certs[1], certs[2])
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def _settings(settings: Settings, certs: Any, tsa_url: str) -> Settings:
    dev, _, _, tsa_anchor = certs
    return settings.model_copy(
        update={
            "signing_pkcs12": dev.pkcs12,
            "signing_password": SecretStr(PASSWORD),
            "signing_trust_anchors": [dev.ca_pem, tsa_anchor],
            "signing_tsa_url": tsa_url,
            "signing_tsa_timeout_seconds": 5.0,
        }
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _approved(client: httpx.AsyncClient, auth: Any, new_claim: Any) -> int:
    claim = await new_claim()
    created = await client.post(
        f"/api/v1/claims/{claim['number']}/letters",
        json={"kind": "acknowledgement"},
        headers=auth(Role.specialist),
    )
    letter_id: int = created.json()["id"]
    for action, role in (("submit", Role.specialist), ("approve", Role.head)):
        assert (await client.post(f"{LETTERS}/{letter_id}/{action}", headers=auth(role))).is_success
    return letter_id


async def test_timestamped_signature_is_pades_b_t(settings, certs, tsa, auth, new_claim) -> None:
    # First with the authority down: issue answers 503 and the letter keeps its number.
    down = create_app(_settings(settings, certs, f"http://127.0.0.1:{_closed_port()}/tsa"))
    async with (
        down.router.lifespan_context(down),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=down), base_url="http://t") as client,
    ):
        letter_id = await _approved(client, auth, new_claim)
        refused = await client.post(f"{LETTERS}/{letter_id}/issue", headers=auth(Role.specialist))
        assert refused.status_code == 503, refused.text
        assert refused.json()["type"].endswith("/signing-unavailable")
        state = (await client.get(f"{LETTERS}/{letter_id}", headers=auth(Role.auditor))).json()
        assert state["state"] == "approved"

    up = create_app(_settings(settings, certs, tsa.url))
    async with (
        up.router.lifespan_context(up),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=up), base_url="http://t") as client,
    ):
        issued = await client.post(f"{LETTERS}/{letter_id}/issue", headers=auth(Role.specialist))
        assert issued.status_code == 200, issued.text
        assert issued.json()["signed"] is True and tsa.requests >= 1

        report = (
            await client.get(f"{LETTERS}/{letter_id}/signature", headers=auth(Role.auditor))
        ).json()
        [sig] = report["signatures"]
        assert report["status"] == "intact" and sig["trusted"] is True
        assert sig["pades_level"] == "B-T" and sig["timestamp"] is not None

        pdf = (await client.get(f"{LETTERS}/{letter_id}/pdf", headers=auth(Role.auditor))).content
        [embedded] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        unsigned_attrs = embedded.signer_info["unsigned_attrs"].native
        assert any(a["type"] == "signature_time_stamp_token" for a in unsigned_attrs)
