"""Customer and contact rows as the API changes them: the values a request stands for
(normalised: email lower case, phone in E.164, the name built from its parts), what changed
(before and after, for the audit trail) and what a merge takes over. Pure: no database.
"""

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from sqlmodel import SQLModel

from app.customers.matching import refresh_keys
from app.errors import InvalidInput
from app.models.customers import (
    ContactIn,
    ContactUpdate,
    Customer,
    CustomerCreate,
    CustomerUpdate,
)
from app.phones import e164_or_422

ADDRESS_COLUMNS = ("street", "city", "postcode", "country")
CUSTOMER_COLUMNS = (
    "kind",
    "name",
    "short_name",
    "registration_number",
    "vat_number",
    *ADDRESS_COLUMNS,
    "language",
    "is_key_customer",
    "notes",
)
NAME_PARTS = ("given_name", "patronymic", "surname")
CONTACT_COLUMNS = ("name", *NAME_PARTS, "position", "gender", "email", "phone")
# A merge fills these when the surviving record has none (the address as a whole, below).
_MERGE_FILLS = ("short_name", "registration_number", "vat_number", "notes")

# {field: {"before": x, "after": y}}, the fields named as the API names them.
Changes = dict[str, dict[str, Any]]


def field_name(column: str) -> str:
    return f"address.{column}" if column in ADDRESS_COLUMNS else column


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def snapshot(row: SQLModel, columns: Iterable[str]) -> dict[str, Any]:
    return {column: _plain(getattr(row, column)) for column in columns}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    return {
        field_name(column): {"before": before.get(column), "after": value}
        for column, value in after.items()
        if before.get(column) != value
    }


def assign(row: SQLModel, values: Mapping[str, Any], columns: Iterable[str]) -> Changes:
    """Set `values` on `row`; return what actually changed."""
    columns = tuple(columns)
    before = snapshot(row, columns)
    for column, value in values.items():
        setattr(row, column, value)
    if isinstance(row, Customer) and {"name", "short_name"} & values.keys():
        refresh_keys(row)
    return diff(before, snapshot(row, columns))


def created(row: SQLModel, columns: Iterable[str]) -> Changes:
    """A new row's values as changes from nothing (the empty ones left out)."""
    return {
        field_name(column): {"before": None, "after": value}
        for column, value in snapshot(row, columns).items()
        if value is not None
    }


# ---- customers ----------------------------------------------------------------------------------


def customer_values(data: CustomerCreate, *, default_language: str) -> dict[str, Any]:
    values = data.model_dump(exclude={"address", "contacts", "language"})
    values["language"] = data.language or default_language
    address = data.address.model_dump() if data.address else {}
    values.update({column: address.get(column) for column in ADDRESS_COLUMNS})
    return values


def update_values(data: CustomerUpdate) -> dict[str, Any]:
    """The columns a PATCH sets: only the fields it carries; `address: null` clears all four."""
    values = {field: getattr(data, field) for field in data.model_fields_set - {"address"}}
    if "address" in data.model_fields_set:
        if data.address is None:
            values.update(dict.fromkeys(ADDRESS_COLUMNS))
        else:
            values.update({f: getattr(data.address, f) for f in data.address.model_fields_set})
    return values


def requested_fields(data: CustomerUpdate) -> set[str]:
    """What a PATCH asks to change, as the API names it (for the role rule)."""
    return {field_name(column) for column in update_values(data)}


def merge_values(target: Customer, duplicate: Customer) -> dict[str, Any]:
    """What the surviving record takes from the duplicate: the fields it has blank (the address
    only as a whole, never a street from one and a city from the other), and the key flag."""
    values = {
        column: getattr(duplicate, column)
        for column in _MERGE_FILLS
        if not getattr(target, column) and getattr(duplicate, column)
    }
    if not any(getattr(target, c) for c in ADDRESS_COLUMNS) and any(
        getattr(duplicate, c) for c in ADDRESS_COLUMNS
    ):
        values.update({column: getattr(duplicate, column) for column in ADDRESS_COLUMNS})
    if duplicate.is_key_customer and not target.is_key_customer:
        values["is_key_customer"] = True
    return values


# ---- contacts -----------------------------------------------------------------------------------


def built_name(given_name: str | None, patronymic: str | None, surname: str | None) -> str | None:
    """The full name from its parts, in the order they are written: Jānis Ozoliņš, Иван
    Сергеевич Петров."""
    return " ".join(part for part in (given_name, patronymic, surname) if part) or None


def _reachable(values: dict[str, Any], *, region: str, path: str) -> dict[str, Any]:
    if values.get("email"):
        values["email"] = values["email"].lower()
    if values.get("phone"):
        values["phone"] = e164_or_422(values["phone"], region, field=f"{path}.phone")
    return values


def contact_values(data: ContactIn, *, region: str, path: str) -> dict[str, Any]:
    """A new contact's columns; `path` names the contact in errors (`body`, `body.contacts.0`)."""
    values = _reachable(data.model_dump(), region=region, path=path)
    values["name"] = data.name or built_name(data.given_name, data.patronymic, data.surname)
    if not values["name"]:
        raise InvalidInput(
            "Give the contact's name, or at least its given name or surname.",
            errors=[
                {
                    "field": f"{path}.name",
                    "message": "give name, or given_name or surname",
                    "type": "value_error",
                }
            ],
        )
    return values


def contact_update_values(
    current: Mapping[str, Any], data: ContactUpdate, *, region: str, path: str = "body"
) -> dict[str, Any]:
    """The columns a contact PATCH sets. `current` is the contact's snapshot: when a name part
    changes and no name is sent, the name is built anew from the parts."""
    values = _reachable(
        {field: getattr(data, field) for field in data.model_fields_set}, region=region, path=path
    )
    if "name" not in values and values.keys() & set(NAME_PARTS):
        parts = {part: values.get(part, current.get(part)) for part in NAME_PARTS}
        name = built_name(**parts)
        if name:
            values["name"] = name
    return values
