"""Webhook signatures: the gateway's HMAC headers and Mailgun's scheme."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from app.mail.signing import (
    SignatureError,
    SignatureFailure,
    sign_body,
    sign_mailgun,
    verify_body_signature,
    verify_mailgun_signature,
)

SECRET = "s3cret-shared-with-the-gateway"
NOW = 1_795_000_000
BODY = "From: a@b.c\r\nSubject: Рекламация\r\n\r\nтекст".encode()


def _verify(**overrides):
    args = {
        "secret": SECRET,
        "timestamp": str(NOW),
        "signature": sign_body(SECRET, NOW, BODY),
        "body": BODY,
        "now": NOW,
    }
    args.update(overrides)
    verify_body_signature(**args)


def _reason(**overrides) -> SignatureFailure:
    with pytest.raises(SignatureError) as info:
        _verify(**overrides)
    return info.value.reason


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_body(SECRET, NOW, BODY) == expected
    assert sign_body(SECRET.encode(), str(NOW), BODY) == expected


def test_valid_signature_in_both_notations_and_any_case():
    sig = sign_body(SECRET, NOW, BODY)
    _verify()
    _verify(signature=f"sha256={sig}")
    _verify(signature=f"SHA256={sig.upper()}")
    _verify(signature=f"  {sig}  ")


def test_window_is_five_minutes_both_ways():
    _verify(now=NOW + 300)
    _verify(now=NOW - 300)
    assert _reason(now=NOW + 301) is SignatureFailure.expired
    assert _reason(now=NOW - 301) is SignatureFailure.expired  # from the future


def test_tampered_body_timestamp_or_secret_is_a_mismatch():
    assert _reason(body=BODY + b" ") is SignatureFailure.mismatch
    ts = str(NOW + 1)
    assert _reason(timestamp=ts, now=NOW) is SignatureFailure.mismatch  # re-dated replay
    assert _reason(secret="other") is SignatureFailure.mismatch


def test_rotation_accepts_any_configured_secret():
    _verify(secret=["new-secret", SECRET])
    assert _reason(secret=["new-secret", "older"]) is SignatureFailure.mismatch


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"signature": None}, SignatureFailure.missing),
        ({"signature": ""}, SignatureFailure.missing),
        ({"timestamp": None}, SignatureFailure.missing),
        ({"secret": ""}, SignatureFailure.missing),
        ({"secret": []}, SignatureFailure.missing),
        ({"timestamp": "yesterday"}, SignatureFailure.malformed),
        ({"timestamp": "-5"}, SignatureFailure.malformed),
        ({"timestamp": "1" * 40}, SignatureFailure.malformed),
        ({"signature": "abc"}, SignatureFailure.malformed),
        ({"signature": "sha1=" + "0" * 40}, SignatureFailure.malformed),
        ({"signature": "z" * 64}, SignatureFailure.malformed),
    ],
)
def test_missing_and_malformed(overrides, reason):
    assert _reason(**overrides) is reason


MG_KEY = "key-mailgun-signing"


def test_mailgun_signature():
    token = "a" * 50
    sig = hmac.new(MG_KEY.encode(), f"{NOW}{token}".encode(), hashlib.sha256).hexdigest()
    assert sign_mailgun(MG_KEY, NOW, token) == sig
    verify_mailgun_signature(
        signing_key=MG_KEY, timestamp=str(NOW), token=token, signature=sig, now=NOW + 10
    )


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"token": "b" * 50}, SignatureFailure.mismatch),
        ({"signing_key": "other"}, SignatureFailure.mismatch),
        ({"now": NOW + 3600}, SignatureFailure.expired),
        ({"token": None}, SignatureFailure.missing),
        ({"signature": None}, SignatureFailure.missing),
        ({"signing_key": None}, SignatureFailure.missing),
        ({"timestamp": "x"}, SignatureFailure.malformed),
        ({"signature": "nothex"}, SignatureFailure.malformed),
    ],
)
def test_mailgun_failures(overrides, reason):
    token = "a" * 50
    args = {
        "signing_key": MG_KEY,
        "timestamp": str(NOW),
        "token": token,
        "signature": sign_mailgun(MG_KEY, NOW, token),
        "now": NOW,
    }
    args.update(overrides)
    if args["signing_key"] is None:
        args["signing_key"] = []
    with pytest.raises(SignatureError) as info:
        verify_mailgun_signature(**args)
    assert info.value.reason is reason
