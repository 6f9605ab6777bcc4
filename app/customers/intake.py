"""Finding the customer a claim comes from: the contact by email, or by phone when the claim
has no email; else the
organisation by its name (a new contact there), else a new customer with its first contact.

Runs on every registration: a returning contact costs one SELECT, and an UPDATE only when the
claim fills a blank of the record.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.customers.matching import Given, name_key, new_contact, new_customer, reconcile
from app.models.customers import Contact, Customer, CustomerKind


@dataclass(slots=True)
class Match:
    customer: Customer
    contact: Contact
    # What the claim said that differs from the record (Discrepancy rows).
    discrepancies: list[dict[str, Any]]
    created: bool


# Built once: they run on every registration.
_CONTACT_BY_EMAIL, _CONTACT_BY_PHONE = (
    select(Contact, Customer)
    .join(Customer, col(Contact.customer_id) == col(Customer.id))
    .where(column == bindparam("match"))
    .order_by(col(Contact.id))
    .limit(1)
    for column in (col(Contact.email), col(Contact.phone))
)
_ORGANISATION = (
    select(Customer)
    .where(
        col(Customer.merged_into_id).is_(None),
        col(Customer.kind) == CustomerKind.organisation.value,
        or_(
            col(Customer.name_key) == bindparam("key"),
            col(Customer.short_name_key) == bindparam("key"),
        ),
    )
    .order_by(col(Customer.id))
    .limit(1)
)


async def match_or_create(session: AsyncSession, given: Given, *, language: str) -> Match:
    """`language` is the new customer's, when one is created. Flushes, so ids are set."""
    # The email decides when there is one: a phone number is shared by a household or an
    # office, an address rarely.
    found = None
    if given.email:
        found = (await session.execute(_CONTACT_BY_EMAIL, {"match": given.email})).first()
    elif given.phone:
        found = (await session.execute(_CONTACT_BY_PHONE, {"match": given.phone})).first()
    if found is not None:
        contact, customer = found
        return Match(customer, contact, reconcile(given, customer, contact), False)
    customer = None
    if given.organisation:
        key = name_key(given.organisation)
        customer = (await session.execute(_ORGANISATION, {"key": key})).scalars().first()
    created = customer is None
    if customer is None:
        customer = new_customer(given, language=language)
        session.add(customer)
        await session.flush()
    contact = new_contact(given, customer.id)
    session.add(contact)
    await session.flush()
    return Match(customer, contact, [], created)
