"""Listing and searching customers: alphabetical by name, keyset (cursor) pages, the page's
contacts in one more query.

The order is the name's matching key (`name_key`: case, quotes and spacing aside), then the id;
a name without a key (all quotes) sorts first as the empty string.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, exists, func, literal, or_, select, tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.customers.matching import name_key
from app.db import contains_pattern
from app.db import decode_cursor as db_decode_cursor
from app.db import encode_cursor as db_cursor
from app.models.customers import (
    AddressRead,
    Contact,
    ContactRead,
    Customer,
    CustomerKind,
    CustomerListItem,
    CustomerPage,
)
from app.phones import InvalidPhone, to_e164

_name_order = func.coalesce(col(Customer.name_key), "")


@dataclass(slots=True)
class CustomerFilter:
    q: str | None = None
    kind: CustomerKind | None = None
    key_customer: bool | None = None
    include_merged: bool = False


def encode_cursor(sort_key: str, customer_id: int) -> str:
    return db_cursor(sort_key, customer_id)


def _cursor_key(key: list[Any]) -> tuple[str, int]:
    sort_key, customer_id = key
    if not isinstance(sort_key, str) or type(customer_id) is not int:
        raise ValueError("not a customer cursor")
    # What the database would refuse rather than compare: NUL, lone surrogates, big ids.
    if "\x00" in sort_key or not 0 <= customer_id < 2**31:
        raise ValueError("not a customer cursor")
    sort_key.encode()
    return sort_key, customer_id


def decode_cursor(cursor: str) -> tuple[str, int]:
    return db_decode_cursor(cursor, _cursor_key)


def _search(q: str, region: str) -> ColumnElement[bool]:
    """Part of either name; the registration or VAT number; a contact's email or phone."""
    code = "".join(q.split()).upper()
    found: list[ColumnElement[bool]] = [
        col(Customer.registration_number) == code,
        col(Customer.vat_number) == code,
    ]
    key = name_key(q)
    if key:
        # Both sides folded the same way in Python (name_key), so LIKE compares like with like
        # on both databases; SQLite's lower() would fold only ASCII.
        pattern = contains_pattern(key)
        found += [
            col(Customer.name_key).like(pattern, escape="\\"),
            col(Customer.short_name_key).like(pattern, escape="\\"),
        ]
    if "@" in q:
        found.append(_has_contact(col(Contact.email) == q.strip().lower()))
    try:
        phone = to_e164(q, region)
    except InvalidPhone:
        phone = None
    if phone:
        found.append(_has_contact(col(Contact.phone) == phone))
    return or_(*found)


def _has_contact(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(col(Contact.customer_id) == col(Customer.id), condition)


async def list_customers(
    session: AsyncSession, *, filters: CustomerFilter, limit: int, cursor: str | None, region: str
) -> CustomerPage:
    stmt = select(Customer, _name_order.label("sort_key"))
    if not filters.include_merged:
        stmt = stmt.where(col(Customer.merged_into_id).is_(None))
    if filters.kind is not None:
        stmt = stmt.where(col(Customer.kind) == filters.kind.value)
    if filters.key_customer is not None:
        stmt = stmt.where(col(Customer.is_key_customer) == filters.key_customer)
    if filters.q and filters.q.strip():
        stmt = stmt.where(_search(filters.q, region))
    if cursor:
        after_key, after_id = decode_cursor(cursor)
        # A row value, like the claims' cursor (app/claims/listing.py).
        stmt = stmt.where(
            tuple_(_name_order, col(Customer.id))
            > tuple_(literal(after_key, String()), literal(after_id, Integer()))
        )
    stmt = stmt.order_by(_name_order, col(Customer.id)).limit(limit + 1)
    rows = (await session.execute(stmt)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last_customer, last_key = rows[-1]
        assert last_customer.id is not None
        next_cursor = encode_cursor(last_key, last_customer.id)
    customers = [row[0] for row in rows]
    contacts = await contacts_of(session, [c.id for c in customers if c.id is not None])
    return CustomerPage(
        items=[list_item(c, contacts.get(c.id, [])) for c in customers], next_cursor=next_cursor
    )


async def contacts_of(session: AsyncSession, customer_ids: list[int]) -> dict[int, list[Contact]]:
    """The contacts of several customers in one query, oldest first."""
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(Contact)
        .where(col(Contact.customer_id).in_(customer_ids))
        .order_by(col(Contact.customer_id), col(Contact.id))
    )
    found: dict[int, list[Contact]] = defaultdict(list)
    for contact in rows.scalars():
        found[contact.customer_id].append(contact)
    return found


def address(customer: Customer) -> AddressRead:
    return AddressRead(
        street=customer.street,
        city=customer.city,
        postcode=customer.postcode,
        country=customer.country,
    )


_ITEM_COLUMNS = (
    "id",
    "kind",
    "name",
    "short_name",
    "registration_number",
    "vat_number",
    "language",
    "is_key_customer",
    "notes",
    "merged_into_id",
    "version",
    "created_at",
    "updated_at",
)


def item_fields(customer: Customer, contacts: list[Contact]) -> dict[str, Any]:
    """The record's fields as the responses name them (`CustomerRead` takes them all)."""
    return {
        **{column: getattr(customer, column) for column in _ITEM_COLUMNS},
        "address": address(customer),
        "contacts": [ContactRead.model_validate(c, from_attributes=True) for c in contacts],
    }


def list_item(customer: Customer, contacts: list[Contact]) -> CustomerListItem:
    return CustomerListItem.model_validate(item_fields(customer, contacts))
