"""What a claim says about its customer against the record (app/customers/matching.py)."""

from app.customers.matching import Given, name_key, new_customer, reconcile
from app.models.customers import Contact, Customer, CustomerKind


def test_name_key_ignores_case_spacing_and_quotes() -> None:
    assert name_key("SIA  «Siltums»") == name_key("sia siltums") == "sia siltums"
    assert name_key('ООО "Теплосеть"') == name_key("ооо теплосеть")
    assert name_key("  ") is None and name_key(None) is None


def test_a_new_customer_is_the_organisation_when_there_is_one() -> None:
    org = new_customer(Given("Anna", "SIA Siltums", None, None), language="lv")
    person = new_customer(Given("Anna Ozola", None, "a@x.lv", None), language="lv")
    assert (org.kind, org.name, org.name_key) == (
        CustomerKind.organisation,
        "SIA Siltums",
        "sia siltums",
    )
    assert (person.kind, person.name) == (CustomerKind.person, "Anna Ozola")


def record() -> tuple[Customer, Contact]:
    customer = Customer(kind=CustomerKind.organisation, name="SIA Siltums", short_name="Siltums")
    contact = Contact(customer_id=1, name="Jānis Bērziņš", email="janis@siltums.lv")
    return customer, contact


def test_blanks_are_filled_and_nothing_differs() -> None:
    customer, contact = record()
    given = Given("Jānis  Bērziņš", "siltums", "janis@siltums.lv", "+37120000000")
    assert reconcile(given, customer, contact) == []
    assert contact.phone == "+37120000000"


def test_differences_are_returned_and_the_record_is_kept() -> None:
    customer, contact = record()
    contact.phone = "+37120000000"
    given = Given("J. Bērziņš", "SIA Cits", "janis@siltums.lv", "+37129999999")
    assert reconcile(given, customer, contact) == [
        {"field": "phone", "on_record": "+37120000000", "on_claim": "+37129999999"},
        {"field": "name", "on_record": "Jānis Bērziņš", "on_claim": "J. Bērziņš"},
        {"field": "organisation", "on_record": "SIA Siltums", "on_claim": "SIA Cits"},
    ]
    assert contact.phone == "+37120000000" and customer.name == "SIA Siltums"


def test_an_organisation_on_a_private_persons_claim_is_a_difference() -> None:
    customer = Customer(kind=CustomerKind.person, name="Anna Ozola")
    contact = Contact(customer_id=1, name="Anna Ozola", email="anna@x.lv")
    found = reconcile(Given("Anna Ozola", "SIA Ozola", "anna@x.lv", None), customer, contact)
    assert found == [{"field": "organisation", "on_record": None, "on_claim": "SIA Ozola"}]


def test_an_email_without_a_display_name_is_not_a_name_difference() -> None:
    customer, contact = record()
    assert reconcile(Given("janis", None, "janis@siltums.lv", None), customer, contact) == []
