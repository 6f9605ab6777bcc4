"""Phone numbers in one form, E.164 ("+37120000000"), so that one customer is one number
however it was typed: "+371 2000 0000", "2000 0000" and "00371 20000000" alike."""

import phonenumbers

from app.errors import InvalidInput


class InvalidPhone(ValueError):
    """The text is not a phone number that can be dialled."""


def to_e164(raw: str, region: str) -> str:
    """The number in E.164; `region` (ISO 3166 alpha-2, e.g. "LV") places a number typed
    without a country code. Raises InvalidPhone with a short message."""
    text = raw.strip()
    # "00" is the international prefix in most of Europe, but phonenumbers reads it only where
    # the default region dials it: with region US, "00371…" would fail.
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("not a phone number") from exc
    # Validity checks the number plan (length and prefixes per country), not just the length:
    # "2000 0000" is a Latvian mobile number, "1000 0000" is nothing anyone can call.
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_or_422(raw: str, region: str, *, field: str) -> str:
    """`to_e164` for what a caller sent: an invalid number is a 422 naming `field`."""
    try:
        return to_e164(raw, region)
    except InvalidPhone as exc:
        raise InvalidInput(
            f"The phone number {raw!r} is not valid: {exc}.",
            errors=[{"field": field, "message": str(exc), "type": "value_error"}],
        ) from exc


def is_known_region(region: str) -> bool:
    """True for a region code phonenumbers has a numbering plan for ("LV", "BG", …)."""
    return region in phonenumbers.SUPPORTED_REGIONS


def for_print(e164: str) -> str:
    """The stored number as a letter prints it, grouped the way its country writes it
    ("+371 20 000 001"); the stored text unchanged if it does not parse."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
