"""Phone numbers in E.164 whatever way they were typed, and refused when they are none."""

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.phones import InvalidPhone, for_print, is_known_region, to_e164


@pytest.mark.parametrize(
    "typed",
    [
        # The three spellings of one customer's number.
        "+371 2000 0000",
        "2000 0000",
        "00371 20000000",
        "+371 2000-0000",
        "(+371) 2000 0000",
        " +37120000000 ",
        "２０００ ００００",  # full-width digits, as some input methods type them
    ],
)
def test_one_latvian_mobile_number(typed: str) -> None:
    assert to_e164(typed, "LV") == "+37120000000"


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("+371 6700 1234", "LV", "+37167001234"),  # a Riga landline
        ("+7 912 000-00-00", "LV", "+79120000000"),  # a country code beats the region
        ("8 912 000 00 00", "RU", "+79120000000"),  # Russia's trunk prefix 8
        ("088 123 4567", "BG", "+359881234567"),  # Bulgaria's trunk prefix 0
        ("00359 88 123 4567", "LV", "+359881234567"),
        ("0037120000000", "US", "+37120000000"),  # "00" even where 011 is the prefix
        ("+371 2000 0000 ext. 12", "LV", "+37120000000"),  # E.164 has no extensions
    ],
)
def test_other_countries_and_prefixes(typed: str, region: str, expected: str) -> None:
    assert to_e164(typed, region) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "call me",
        "+",
        "00",
        "12",
        "+371 1000 0000",  # no Latvian number starts with 1
        "2000 000",  # a digit short
        "+371 2000 0000 0",  # a digit too many
        "+999 2000 0000",  # no such country code
    ],
)
def test_what_is_not_a_number_is_refused(typed: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        to_e164(typed, "LV")
    assert isinstance(caught.value, ValueError)
    assert "phone number" in str(caught.value)


def test_a_national_number_needs_a_known_region() -> None:
    with pytest.raises(InvalidPhone):
        to_e164("2000 0000", "ZZ")
    assert to_e164("+371 2000 0000", "ZZ") == "+37120000000"


def test_known_regions() -> None:
    assert is_known_region("LV") and is_known_region("BG")
    assert not is_known_region("lv") and not is_known_region("ZZ") and not is_known_region("")


def test_the_default_region_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMS_PHONE_DEFAULT_REGION", "bg")
    assert Settings().phone_default_region == "BG"
    monkeypatch.setenv("CLAIMS_PHONE_DEFAULT_REGION", "Latvia")
    with pytest.raises(ValidationError, match="CLAIMS_PHONE_DEFAULT_REGION must be a region"):
        Settings()


def test_a_stored_number_prints_grouped_as_its_country_writes_it() -> None:
    assert for_print("+37120000001") == "+371 20 000 001"
    assert for_print("+79120000000") == "+7 912 000-00-00"
    assert for_print("not a number") == "not a number"
