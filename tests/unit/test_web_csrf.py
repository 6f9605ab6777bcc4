"""The signed double-submit CSRF token of the public form."""

import pytest

from app.web import csrf
from app.web.csrf import CsrfResult

SECRET = b"test-secret-of-enough-length-000"
NOW = 1_800_000_000
MAX_AGE = 7200


def verify(form: str | None, cookie: str | None, *, now: int = NOW) -> CsrfResult:
    return csrf.verify(SECRET, form_token=form, cookie_token=cookie, now=now, max_age=MAX_AGE)


def test_a_fresh_token_in_form_and_cookie_verifies() -> None:
    token = csrf.new_token(SECRET, now=NOW)
    assert verify(token, token) is CsrfResult.ok
    assert verify(token, token, now=NOW + MAX_AGE) is CsrfResult.ok


def test_tokens_are_random_and_url_safe() -> None:
    first, second = csrf.new_token(SECRET, now=NOW), csrf.new_token(SECRET, now=NOW)
    assert first != second
    assert all(c.isalnum() or c in "-_." for c in first)


@pytest.mark.parametrize(("form", "cookie"), [(None, "x"), ("x", None), ("", ""), (None, None)])
def test_a_missing_copy_is_refused(form: str | None, cookie: str | None) -> None:
    assert verify(form, cookie) is CsrfResult.missing


def test_form_and_cookie_must_be_the_same_token() -> None:
    first, second = csrf.new_token(SECRET, now=NOW), csrf.new_token(SECRET, now=NOW)
    assert verify(first, second) is CsrfResult.mismatch


def test_a_token_signed_with_another_secret_is_refused() -> None:
    forged = csrf.new_token(b"attacker-secret", now=NOW)
    assert verify(forged, forged) is CsrfResult.bad_signature


def test_a_tampered_timestamp_breaks_the_signature() -> None:
    nonce, _, signature = csrf.new_token(SECRET, now=NOW - 10 * MAX_AGE).split(".")
    tampered = f"{nonce}.{NOW}.{signature}"
    assert verify(tampered, tampered) is CsrfResult.bad_signature


@pytest.mark.parametrize("token", ["garbage", "a.b", "a.notdigits.c", "a..c", "a.1.b.c", ".1."])
def test_malformed_tokens_are_refused(token: str) -> None:
    assert verify(token, token) is CsrfResult.malformed


def test_an_old_token_expires() -> None:
    token = csrf.new_token(SECRET, now=NOW - MAX_AGE - 1)
    assert verify(token, token) is CsrfResult.expired


def test_a_token_from_the_future_is_tolerated_only_within_the_clock_skew() -> None:
    near = csrf.new_token(SECRET, now=NOW + csrf.CLOCK_SKEW_SECONDS)
    far = csrf.new_token(SECRET, now=NOW + csrf.CLOCK_SKEW_SECONDS + 1)
    assert verify(near, near) is CsrfResult.ok
    assert verify(far, far) is CsrfResult.expired


def test_token_for_form_reuses_a_fresh_cookie_token() -> None:
    token = csrf.new_token(SECRET, now=NOW)
    later = NOW + MAX_AGE // 2
    assert csrf.token_for_form(SECRET, cookie_token=token, now=later, max_age=MAX_AGE) == token


def test_token_for_form_renews_an_ageing_or_invalid_cookie_token() -> None:
    ageing = csrf.new_token(SECRET, now=NOW - MAX_AGE // 2 - 1)
    for cookie in (ageing, "garbage", None, csrf.new_token(b"other", now=NOW)):
        renewed = csrf.token_for_form(SECRET, cookie_token=cookie, now=NOW, max_age=MAX_AGE)
        assert renewed != cookie
        assert verify(renewed, renewed) is CsrfResult.ok
