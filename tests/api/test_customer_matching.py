"""Matching a claim's customer at registration never drops what the claim said: blank fields of
the record are filled, differing values are kept on the claim for a person to confirm, a new
person at a known organisation becomes a new contact, and one phone in three notations is one
contact."""

import random
from typing import Any

from app.enums import Role
from tests.conftest import claim_payload, unique

CLAIMS = "/api/v1/claims"


def lv_mobile() -> tuple[str, str]:
    """A Latvian mobile number nobody else in this run uses: (local digits, E.164)."""
    digits = f"29{random.randrange(10**6):06d}"  # 29…: always a valid mobile (230… is not)
    return digits, f"+371{digits}"


async def register(client: Any, auth: Any, **customer: Any) -> dict[str, Any]:
    payload = claim_payload(customer={"name": "Jānis Bērziņš", "language": "lv", **customer})
    response = await client.post(CLAIMS, json=payload, headers=auth(Role.intake))
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_readme_example_keeps_the_organisation_and_the_phone(client, auth) -> None:
    organisation, email = f"SIA Siltums {unique()}", f"{unique()}@siltums.lv"
    claim = await register(
        client, auth, organisation=organisation, email=email, phone="+371 2000 0000"
    )
    assert claim["customer"]["kind"] == "organisation"
    assert claim["customer"]["name"] == organisation
    assert claim["contact"]["name"] == "Jānis Bērziņš"
    assert claim["contact"]["email"] == email
    assert claim["contact"]["phone"] == "+37120000000"
    assert claim["customer_discrepancies"] == []


async def test_a_returning_contact_fills_blanks_and_keeps_differences(client, auth) -> None:
    email = f"{unique()}@example.lv"
    local, e164 = lv_mobile()
    first = await register(client, auth, email=email.upper())
    assert first["customer"]["kind"] == "person" and first["contact"]["phone"] is None

    second = await register(client, auth, email=email, phone=local, organisation="SIA Cits")
    assert second["customer"]["id"] == first["customer"]["id"]
    assert second["contact"]["id"] == first["contact"]["id"]
    assert second["contact"]["phone"] == e164  # the blank was filled
    assert second["customer_discrepancies"] == [
        {"field": "organisation", "on_record": None, "on_claim": "SIA Cits"}
    ]

    _, other = lv_mobile()
    third = await register(client, auth, email=email, phone=other, name="J. Bērziņš")
    assert third["contact"]["phone"] == e164  # the record is not overwritten
    assert third["customer_discrepancies"] == [
        {"field": "phone", "on_record": e164, "on_claim": other},
        {"field": "name", "on_record": "Jānis Bērziņš", "on_claim": "J. Bērziņš"},
    ]
    # Kept: the claim reads the same later.
    again = await client.get(f"{CLAIMS}/{third['number']}", headers=auth(Role.specialist))
    assert again.json()["customer_discrepancies"] == third["customer_discrepancies"]


async def test_a_new_person_at_a_known_organisation_becomes_a_new_contact(client, auth) -> None:
    tag = unique()
    first = await register(
        client, auth, organisation=f"SIA «Dzintars {tag}»", email=f"a.{tag}@dzintars.lv"
    )
    second = await register(
        client,
        auth,
        name="Anna Ozola",
        organisation=f"sia  dzintars {tag}",
        email=f"b.{tag}@dzintars.lv",
    )
    assert second["customer"]["id"] == first["customer"]["id"]
    assert second["contact"]["id"] != first["contact"]["id"]
    assert second["contact"]["name"] == "Anna Ozola"
    assert second["customer_discrepancies"] == []


async def test_one_phone_in_three_notations_is_one_contact(client, auth) -> None:
    local, e164 = lv_mobile()
    notations = [f"+371 {local[:4]} {local[4:]}", f"{local[:4]} {local[4:]}", f"00371 {local}"]
    claims = []
    for phone in notations:
        payload = claim_payload(
            channel="phone",
            customer={"name": "Pēteris Kalniņš", "phone": phone, "language": "lv"},
            phone_call={"operator": "Anna K."},
        )
        response = await client.post(CLAIMS, json=payload, headers=auth(Role.intake))
        assert response.status_code == 201, response.text
        claims.append(response.json())
    assert {c["contact"]["id"] for c in claims} == {claims[0]["contact"]["id"]}
    assert {c["contact"]["phone"] for c in claims} == {e164}


async def test_an_invalid_phone_is_a_422_naming_the_field(client, auth) -> None:
    for phone in ("call me", "+371 123", "0000000000000000000"):
        payload = claim_payload(customer={"name": "X", "email": f"{unique()}@x.lv", "phone": phone})
        response = await client.post(CLAIMS, json=payload, headers=auth(Role.intake))
        assert response.status_code == 422, (phone, response.text)
        fields = [e["field"] for e in response.json()["errors"]]
        assert fields == ["body.customer.phone"], (phone, fields)


async def post_claim(client: Any, auth: Any, payload: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(CLAIMS, json=payload, headers=auth(Role.intake))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_claim_without_a_language_gets_the_one_it_is_written_in(client, auth) -> None:
    cases = {
        "Помпата не работи. Моля за помощ, спря след десет минути.": "bg",
        "Насос не включается после грозы, просим разобраться.": "ru",
        "Sveiki, sūknis nedarbojas jau otro dienu, lūdzu palīdziet.": "lv",
        "The pump stops after ten minutes and the motor gets hot.": "en",
    }
    for text, language in cases.items():
        payload = claim_payload(
            customer={"name": "X", "email": f"{unique()}@x.example"}, defect_description=text
        )
        claim = await post_claim(client, auth, payload)
        assert claim["language"] == language, text
        assert claim["customer"]["language"] == language, text


async def test_a_text_that_does_not_tell_gets_the_default_or_the_customers_language(
    client, auth, settings
) -> None:
    email = f"{unique()}@x.example"
    undecided = "PMP-200 SN 12345 !!!"
    first = await post_claim(
        client,
        auth,
        claim_payload(customer={"name": "X", "email": email}, defect_description=undecided),
    )
    assert first["language"] == settings.default_language
    known = await post_claim(
        client,
        auth,
        claim_payload(
            customer={"name": "X", "email": f"{unique()}@x.example", "language": "bg"},
            defect_description=undecided,
        ),
    )
    assert known["language"] == "bg"
    again = await post_claim(
        client,
        auth,
        claim_payload(
            customer={"name": "X", "email": known["contact"]["email"]},
            defect_description=undecided,
        ),
    )
    assert again["language"] == "bg"  # the returning customer's
