"""Matching what a claim says about its customer against the record. Pure: no database.

A claim never loses what it said: blank fields of the record are filled from it, and values
that differ from the record are kept on the claim as discrepancies for a person to confirm.
"""

from dataclasses import dataclass
from typing import Any

from app.models.customers import Contact, Customer, CustomerKind


@dataclass(frozen=True, slots=True)
class Given:
    """The customer as the claim gives them, normalised: email lower case, phone in E.164."""

    name: str
    organisation: str | None
    email: str | None
    phone: str | None


def name_key(name: str | None) -> str | None:
    """What two spellings of one organisation's name share: case, spacing and quotes aside
    ("SIA «Siltums»", "sia siltums"). Python's casefold, not SQL's lower(): SQLite lowers only
    ASCII."""
    if not name:
        return None
    kept = "".join(ch for ch in name if ch not in "\"'«»“”„`")
    return " ".join(kept.casefold().split()) or None


def refresh_keys(customer: Customer) -> None:
    customer.name_key = name_key(customer.name)
    customer.short_name_key = name_key(customer.short_name)


def new_customer(given: Given, *, language: str) -> Customer:
    kind = CustomerKind.organisation if given.organisation else CustomerKind.person
    customer = Customer(
        kind=kind, name=(given.organisation or given.name).strip(), language=language
    )
    refresh_keys(customer)
    return customer


def new_contact(given: Given, customer_id: int | None) -> Contact:
    return Contact(
        customer_id=customer_id,  # type: ignore[arg-type]  # set by the caller's flush
        name=given.name.strip(),
        email=given.email,
        phone=given.phone,
    )


def _same(a: str | None, b: str | None) -> bool:
    return name_key(a) == name_key(b)


def reconcile(given: Given, customer: Customer, contact: Contact) -> list[dict[str, Any]]:
    """Fill the contact's blank email and phone from the claim; return what still differs."""
    found: list[dict[str, Any]] = []

    def differs(field: str, on_record: str | None, on_claim: str | None) -> None:
        found.append({"field": field, "on_record": on_record, "on_claim": on_claim})

    if given.email:
        if not contact.email:
            contact.email = given.email
        elif contact.email != given.email:
            differs("email", contact.email, given.email)
    if given.phone:
        if not contact.phone:
            contact.phone = given.phone
        elif contact.phone != given.phone:
            differs("phone", contact.phone, given.phone)
    # An email without a display name gives only its local part as the name: not a difference.
    named = not (given.email and given.name == given.email.split("@")[0])
    if named and not _same(given.name, contact.name):
        differs("name", contact.name, given.name.strip())
    if given.organisation:
        if customer.kind == CustomerKind.person:
            differs("organisation", None, given.organisation.strip())
        elif not (
            _same(given.organisation, customer.name)
            or _same(given.organisation, customer.short_name)
        ):
            differs("organisation", customer.name, given.organisation.strip())
    return found
