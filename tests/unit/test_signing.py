"""Webhook envelope and HMAC signature: what a receiver sees and checks."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

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
