"""A development CA and signing certificate (`claims dev-certificate`), for trying signed
letters locally and for the tests. Never for production: anyone with the files can sign.

The CA signs one end-entity certificate with the key usages a PAdES validator expects of a
document signer (digital signature and non-repudiation); the PKCS#12 file holds that key,
its certificate and the CA certificate (so the signature carries the chain).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


@dataclass(frozen=True, slots=True)
class DevCertificate:
    ca_pem: Path
    certificate_pem: Path
    pkcs12: Path
    password_file: Path


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    path.write_bytes(data)
    if private:
        os.chmod(path, 0o600)


def make_dev_certificate(
    out: Path,
    *,
    organisation: str = "Example Manufacturing Ltd",
    signer_name: str = "Quality Control Department",
    password: str | None = None,
    days: int = 730,
    now: datetime | None = None,
) -> DevCertificate:
    """Write ca.pem, signing.pem, signing.p12 and signing.password into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    password = password or os.urandom(12).hex()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organisation} Development CA", organisation)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days + 1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name, organisation))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    result = DevCertificate(
        ca_pem=out / "ca.pem",
        certificate_pem=out / "signing.pem",
        pkcs12=out / "signing.p12",
        password_file=out / "signing.password",
    )
    _write(result.ca_pem, ca_cert.public_bytes(serialization.Encoding.PEM))
    _write(result.certificate_pem, cert.public_bytes(serialization.Encoding.PEM))
    bundle = pkcs12.serialize_key_and_certificates(
        name=signer_name.encode(),
        key=key,
        cert=cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )
    _write(result.pkcs12, bundle, private=True)
    _write(result.password_file, password.encode() + b"\n", private=True)
    return result
