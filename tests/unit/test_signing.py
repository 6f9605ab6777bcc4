"""Webhook envelope and HMAC signature: what a receiver sees and checks."""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
import standardwebhooks

from app.events import signing
from app.events.signing import SignatureError

SECRET = "whsec_test"
NOW = 1_800_000_000


def _body() -> bytes:
    env = signing.build_envelope(
        event_id="5f0c6c1e-0000-4000-8000-000000000001",
        event_type="claim.registered",
        time=datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
        data={"number": "CLM-2026-000001", "customer": "Ōzols & Co"},
    )
    return signing.encode_envelope(env)


def test_envelope_shape_and_utc_time() -> None:
    env = signing.build_envelope(
        event_id="e1",
        event_type="letter.sent",
        time=datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=3))),
        data={"a": 1},
    )
    assert env == {
        "id": "e1",
        "type": "letter.sent",
        "time": "2026-11-23T05:00:00Z",
        "data": {"a": 1},
    }
    naive = signing.build_envelope(event_id="e", event_type="t", time=datetime(2026, 1, 1), data={})
    assert naive["time"] == "2026-01-01T00:00:00Z"


def test_encoding_is_stable_and_utf8() -> None:
    body = _body()
    assert body == _body()
    assert "Ōzols".encode() in body
    assert json.loads(body)["data"]["number"] == "CLM-2026-000001"


def test_signature_matches_documented_formula() -> None:
    body = _body()
    header = signing.signature_header(SECRET, body, NOW)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"


def test_signed_headers_carry_event_id_and_type() -> None:
    body = _body()
    headers = signing.signed_headers(
        secret=SECRET, body=body, event_id="e-42", event_type="claim.overdue", timestamp=NOW
    )
    assert headers["X-Claims-Event-Id"] == "e-42"
    assert headers["X-Claims-Event-Type"] == "claim.overdue"
    assert headers["Content-Type"] == "application/json"
    assert signing.verify(SECRET, body, headers["X-Claims-Signature"], now=NOW) == NOW


def test_verify_accepts_any_of_several_v1_values() -> None:
    body = _body()
    good = signing.compute_signature(SECRET, NOW, body)
    header = f"t={NOW},v1={'0' * 64},v1={good}"
    assert signing.verify(SECRET, body, header, now=NOW + 10) == NOW


def test_verify_accepts_bytes_secret() -> None:
    body = _body()
    header = signing.signature_header(SECRET.encode(), body, NOW)
    signing.verify(SECRET, body, header, now=NOW)


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", "t=abc,v1=00", f"t={NOW}", "v1=00", f"t={NOW},v2=abc"],
)
def test_verify_rejects_malformed_headers(header: str | None) -> None:
    with pytest.raises(SignatureError):
        signing.verify(SECRET, _body(), header, now=NOW)


def test_verify_rejects_tampered_body_wrong_secret_and_stale_timestamp() -> None:
    body = _body()
    header = signing.signature_header(SECRET, body, NOW)
    with pytest.raises(SignatureError, match="does not match"):
        signing.verify(SECRET, body.replace(b"000001", b"000002"), header, now=NOW)
    with pytest.raises(SignatureError, match="does not match"):
        signing.verify("other", body, header, now=NOW)
    with pytest.raises(SignatureError, match="tolerance"):
        signing.verify(SECRET, body, header, now=NOW + 301)
    with pytest.raises(SignatureError, match="tolerance"):
        signing.verify(SECRET, body, header, now=NOW - 301)
    assert signing.verify(SECRET, body, header, now=NOW + 1000, tolerance=1000) == NOW


@pytest.mark.parametrize(
    "secret",
    [
        signing.new_secret(),
        "whsec_Zm9vYmFyYmF6cXV4",
        "chosen by an admin!",  # decoded leniently, as the library does
    ],
)
def test_standard_webhooks_library_verifies_what_we_sign(secret: str) -> None:
    body = _body()
    now = int(time.time())
    headers = signing.signed_headers(
        secret=secret, body=body, event_id="msg_e-42", event_type="claim.overdue", timestamp=now
    )
    assert headers["webhook-id"] == "msg_e-42"
    assert headers["webhook-timestamp"] == str(now)
    assert headers["webhook-signature"].startswith("v1,")
    assert standardwebhooks.Webhook(secret).verify(body, headers, json_parse=False) is None
    # The earlier header stays, for a deprecation period.
    assert signing.verify(secret, body, headers["X-Claims-Signature"], now=now) == now
    tampered = body.replace(b"claim", b"clam")
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(secret).verify(tampered, headers)


def test_a_secret_that_is_not_base64_signs_with_its_own_bytes() -> None:
    body = _body()
    # Not base64 at all (a secret made before the standard headers): no library derives a
    # key from it, so it signs with its own bytes, and a receiver hands the library those.
    secret = "whsec_k3yFr0m-Bef0re_Th3-Stand4rd_Head3rs-was_urlsafe"
    headers = signing.signed_headers(
        secret=secret, body=body, event_id="e-1", event_type="claim.overdue", timestamp=NOW
    )
    key = signing.standard_key(secret)
    assert key == secret.encode()
    expected = base64.b64encode(
        hmac.new(key, f"e-1.{NOW}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    assert headers["webhook-signature"] == "v1," + expected
    now_headers = signing.signed_headers(
        secret=secret, body=body, event_id="e-1", event_type="x", timestamp=int(time.time())
    )
    standardwebhooks.Webhook(secret.encode()).verify(body, now_headers)


def test_new_secrets_are_standard_and_random() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first != second
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32
