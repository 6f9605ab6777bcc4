"""The pure core of customers: who may change what, and how requests become row values."""

import pytest

from app.customers import records, rules
from app.enums import Role
from app.errors import InvalidInput
from app.models.customers import (
    ContactIn,
    ContactUpdate,
    Customer,
    CustomerCreate,
    CustomerKind,
    CustomerUpdate,
)


def roles(*names: Role) -> frozenset[Role]:
    return frozenset(names)


@pytest.mark.parametrize("role", [Role.specialist, Role.head])
def test_editors_change_the_record(role: Role) -> None:
    assert rules.refusal(roles(role), ["name", "address.city", "notes"]) is None


def test_only_head_and_director_touch_the_key_flag() -> None:
    assert rules.refusal(roles(Role.head), [rules.KEY_FLAG, "name"]) is None
    assert rules.refusal(roles(Role.director), [rules.KEY_FLAG]) is None
    refused = rules.refusal(roles(Role.specialist), [rules.KEY_FLAG])
    assert refused == rules.Refusal(("is_key_customer",), ("director", "head"))
    assert "director, head" in refused.detail


def test_a_director_changes_the_key_flag_and_nothing_else() -> None:
    refused = rules.refusal(roles(Role.director), [rules.KEY_FLAG, "notes", "name"])
    assert refused == rules.Refusal(("name", "notes"), ("head", "specialist"))
    # A key holding both roles may do both.
    assert rules.refusal(roles(Role.director, Role.specialist), [rules.KEY_FLAG, "name"]) is None


@pytest.mark.parametrize("role", [Role.intake, Role.design, Role.service, Role.auditor])
def test_other_roles_change_nothing(role: Role) -> None:
    assert rules.refusal(roles(role), ["name"]) is not None
    assert rules.refusal(roles(role), [rules.KEY_FLAG]) is not None
    assert rules.merge_refusal(roles(role), sets_key_flag=False) is not None


def test_a_merge_that_makes_a_key_customer_takes_a_head() -> None:
    assert rules.merge_refusal(roles(Role.specialist), sets_key_flag=False) is None
    refused = rules.merge_refusal(roles(Role.specialist), sets_key_flag=True)
    assert refused is not None and refused.required_roles == ("head",)
    assert rules.merge_refusal(roles(Role.head), sets_key_flag=True) is None
    assert rules.merge_refusal(roles(Role.director), sets_key_flag=False) is not None


def test_create_values_are_normalised() -> None:
    data = CustomerCreate.model_validate(
        {
            "kind": "organisation",
            "name": "  SIA Siltums ",
            "short_name": "   ",
            "registration_number": "4000 301 2345",
            "vat_number": "lv40003012345",
            "address": {"city": " Rīga ", "country": "lv"},
        }
    )
    values = records.customer_values(data, default_language="en")
    assert values["name"] == "SIA Siltums"
    assert values["short_name"] is None
    assert values["registration_number"] == "40003012345"
    assert values["vat_number"] == "LV40003012345"
    assert (values["city"], values["country"], values["street"]) == ("Rīga", "LV", None)
    assert values["language"] == "en"


def test_patch_values_are_only_what_was_sent() -> None:
    assert records.update_values(CustomerUpdate.model_validate({"notes": None})) == {"notes": None}
    partial = CustomerUpdate.model_validate({"address": {"city": "Jūrmala"}})
    assert records.update_values(partial) == {"city": "Jūrmala"}
    assert records.requested_fields(partial) == {"address.city"}
    cleared = records.update_values(CustomerUpdate.model_validate({"address": None}))
    assert cleared == {"street": None, "city": None, "postcode": None, "country": None}


def test_assign_reports_only_real_changes_and_refreshes_keys() -> None:
    customer = Customer(kind=CustomerKind.organisation, name="SIA Siltums", language="lv")
    changes = records.assign(
        customer,
        {"name": "SIA «Siltums Serviss»", "language": "lv", "city": "Rīga"},
        records.CUSTOMER_COLUMNS,
    )
    assert changes == {
        "name": {"before": "SIA Siltums", "after": "SIA «Siltums Serviss»"},
        "address.city": {"before": None, "after": "Rīga"},
    }
    assert customer.name_key == "sia siltums serviss"
    assert records.assign(customer, {"language": "lv"}, records.CUSTOMER_COLUMNS) == {}


def test_contact_name_from_its_parts_and_reachability_normalised() -> None:
    data = ContactIn.model_validate(
        {
            "given_name": "Иван",
            "patronymic": "Сергеевич",
            "surname": "Петров",
            "email": "Petrov@Teploset.RU",
            "phone": "00371 2000 0000",
        }
    )
    values = records.contact_values(data, region="LV", path="body")
    assert values["name"] == "Иван Сергеевич Петров"
    assert values["email"] == "petrov@teploset.ru"
    assert values["phone"] == "+37120000000"


def test_contact_errors_name_the_field() -> None:
    with pytest.raises(InvalidInput) as nameless:
        records.contact_values(ContactIn(position="CEO"), region="LV", path="body.contacts.2")
    assert nameless.value.extra["errors"][0]["field"] == "body.contacts.2.name"
    with pytest.raises(InvalidInput) as bad_phone:
        records.contact_values(ContactIn(name="A", phone="12"), region="LV", path="body")
    assert bad_phone.value.extra["errors"][0]["field"] == "body.phone"


def test_contact_patch_rebuilds_the_name_when_a_part_changes() -> None:
    current = {"name": "Jānis Ozoliņš", "given_name": "Jānis", "surname": "Ozoliņš"}
    values = records.contact_update_values(
        current, ContactUpdate.model_validate({"surname": "Bērziņš"}), region="LV"
    )
    assert values == {"surname": "Bērziņš", "name": "Jānis Bērziņš"}
    kept = records.contact_update_values(
        current, ContactUpdate.model_validate({"surname": "Bērziņš", "name": "J. B."}), region="LV"
    )
    assert kept["name"] == "J. B."


def test_merge_fills_blanks_takes_the_address_whole_and_keeps_the_key_flag() -> None:
    target = Customer(
        kind=CustomerKind.organisation, name="SIA Siltums", vat_number="LV40003012345"
    )
    duplicate = Customer(
        kind=CustomerKind.organisation,
        name="Siltums",
        registration_number="40003012345",
        vat_number="LV99999999999",
        city="Rīga",
        country="LV",
        is_key_customer=True,
    )
    assert records.merge_values(target, duplicate) == {
        "registration_number": "40003012345",
        "street": None,
        "city": "Rīga",
        "postcode": None,
        "country": "LV",
        "is_key_customer": True,
    }
    target.postcode = "LV-1010"  # an address of its own: none of the duplicate's is taken
    assert "city" not in records.merge_values(target, duplicate)
