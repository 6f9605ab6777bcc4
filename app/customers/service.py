"""The department's work on customers: read, create, edit, contacts, history.

Every change writes a CustomerEvent with the fields that changed, before and after, and a
`customer.created` or `customer.updated` outbox row, in the transaction that makes it. A change
that changes nothing writes nothing and keeps the version.
"""

from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.customers import records, rules
from app.customers.deadlines import follow_key_flag
from app.customers.listing import contacts_of, item_fields
from app.customers.matching import refresh_keys
from app.db import version_of
from app.errors import Conflict, Forbidden, NotFound, PreconditionFailed
from app.events import outbox
from app.models.claims import Claim
from app.models.customers import (
    RECENT_CLAIMS,
    Contact,
    ContactIn,
    ContactUpdate,
    Customer,
    CustomerClaim,
    CustomerCreate,
    CustomerEvent,
    CustomerEventRead,
    CustomerRead,
    CustomerUpdate,
)
from app.models.types import utcnow

CREATED, UPDATED = "customer.created", "customer.updated"


def refuse(refusal: rules.Refusal | None) -> None:
    if refusal is not None:
        raise Forbidden(
            refusal.detail,
            required_roles=list(refusal.required_roles),
            fields=list(refusal.fields),
        )


async def read_customer(session: AsyncSession, customer_id: int) -> CustomerRead:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    return await customer_read(session, customer)


async def customer_read(session: AsyncSession, customer: Customer) -> CustomerRead:
    """The record with its contacts and its most recent claims (three more queries)."""
    assert customer.id is not None
    contacts = (await contacts_of(session, [customer.id])).get(customer.id, [])
    recent = await session.execute(
        select(
            col(Claim.number),
            col(Claim.state),
            col(Claim.received_at),
            col(Claim.title),
            col(Claim.contact_id),
        )
        .where(col(Claim.customer_id) == customer.id)
        .order_by(col(Claim.received_at).desc(), col(Claim.id).desc())
        .limit(RECENT_CLAIMS)
    )
    claims = [CustomerClaim.model_validate(row._mapping) for row in recent]
    total = len(claims)
    if total == RECENT_CLAIMS:
        total = (
            await session.execute(
                select(func.count()).select_from(Claim).where(col(Claim.customer_id) == customer.id)
            )
        ).scalar_one()
    return CustomerRead.model_validate(
        {**item_fields(customer, contacts), "claims": claims, "claims_total": total}
    )


async def load_for_update(session: AsyncSession, customer_id: int) -> Customer:
    customer = (
        await session.execute(
            select(Customer).where(col(Customer.id) == customer_id).with_for_update()
        )
    ).scalar_one_or_none()
    if customer is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    return customer


async def check_fresh(session: AsyncSession, customer_id: int, expected_version: int) -> None:
    """The If-Match of a change, checked before its body is read (404 when unknown, 412 when
    stale). The column alone: the locked read that follows must not meet a stale copy."""
    version = await version_of(session, col(Customer.version), col(Customer.id) == customer_id)
    if version is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    if version != expected_version:
        raise PreconditionFailed(
            f"Customer {customer_id} is at version {version}, not {expected_version}; "
            "read it again and retry if the change still makes sense.",
            current_version=version,
        )


def check_editable(customer: Customer, expected_version: int) -> None:
    if customer.merged_into_id is not None:
        raise Conflict(
            f"Customer {customer.id} was merged into customer {customer.merged_into_id}; "
            "change that one.",
            merged_into_id=customer.merged_into_id,
        )
    if customer.version != expected_version:
        raise PreconditionFailed(
            f"Customer {customer.id} is at version {customer.version}, not {expected_version}; "
            "read it again and retry if the change still makes sense.",
            current_version=customer.version,
        )


def touch(customer: Customer) -> None:
    customer.version += 1
    customer.updated_at = utcnow()


def audit(
    session: AsyncSession, customer: Customer, *, actor: str, action: str, payload: dict[str, Any]
) -> None:
    assert customer.id is not None
    session.add(CustomerEvent(customer_id=customer.id, actor=actor, action=action, payload=payload))


def _updated(session: AsyncSession, customer: Customer, fields: list[str]) -> None:
    outbox.enqueue(
        session,
        event_type=UPDATED,
        data={"id": customer.id, "version": customer.version, "fields": fields},
    )


async def create_customer(
    session: AsyncSession, *, data: CustomerCreate, principal: Principal, settings: Settings
) -> CustomerRead:
    if data.is_key_customer:
        refuse(rules.refusal(principal.roles, [rules.KEY_FLAG]))
    region = settings.phone_default_region
    # Checked before anything is written: a bad phone in the third contact writes nothing.
    contact_rows = [
        records.contact_values(contact, region=region, path=f"body.contacts.{i}")
        for i, contact in enumerate(data.contacts)
    ]
    customer = Customer(**records.customer_values(data, default_language=settings.default_language))
    refresh_keys(customer)
    session.add(customer)
    await session.flush()
    assert customer.id is not None
    audit(
        session,
        customer,
        actor=principal.name,
        action="created",
        payload={"changes": records.created(customer, records.CUSTOMER_COLUMNS)},
    )
    for values in contact_rows:
        await _add_contact_row(session, customer, values, actor=principal.name)
    outbox.enqueue(
        session,
        event_type=CREATED,
        data={"id": customer.id, "kind": customer.kind, "name": customer.name, "version": 1},
    )
    await session.commit()
    return await customer_read(session, customer)


async def _add_contact_row(
    session: AsyncSession, customer: Customer, values: dict[str, Any], *, actor: str
) -> Contact:
    assert customer.id is not None
    contact = Contact(customer_id=customer.id, **values)
    session.add(contact)
    await session.flush()
    audit(
        session,
        customer,
        actor=actor,
        action="contact_added",
        payload={
            "contact_id": contact.id,
            "changes": records.created(contact, records.CONTACT_COLUMNS),
        },
    )
    return contact


async def update_customer(
    session: AsyncSession,
    *,
    customer_id: int,
    data: CustomerUpdate,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> CustomerRead:
    # Refused before anything is locked.
    refuse(rules.refusal(principal.roles, records.requested_fields(data)))
    customer = await load_for_update(session, customer_id)
    check_editable(customer, expected_version)
    changes = records.assign(customer, records.update_values(data), records.CUSTOMER_COLUMNS)
    if changes:
        refresh_keys(customer)  # a new name is what the next claim is matched by
        touch(customer)
        payload: dict[str, Any] = {"changes": changes}
        if "is_key_customer" in changes:
            moved = await follow_key_flag(
                session, customer, actor=principal.name, settings=settings
            )
            if moved:
                payload["claims_ack_due_date"] = moved
        audit(session, customer, actor=principal.name, action="updated", payload=payload)
        _updated(session, customer, sorted(changes))
        await session.commit()
    return await customer_read(session, customer)


async def add_contact(
    session: AsyncSession,
    *,
    customer_id: int,
    data: ContactIn,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> CustomerRead:
    values = records.contact_values(data, region=settings.phone_default_region, path="body")
    customer = await load_for_update(session, customer_id)
    check_editable(customer, expected_version)
    contact = await _add_contact_row(session, customer, values, actor=principal.name)
    touch(customer)
    _updated(session, customer, [f"contacts.{contact.id}"])
    await session.commit()
    return await customer_read(session, customer)


async def update_contact(
    session: AsyncSession,
    *,
    customer_id: int,
    contact_id: int,
    data: ContactUpdate,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> CustomerRead:
    customer = await load_for_update(session, customer_id)
    check_editable(customer, expected_version)
    contact = await session.get(Contact, contact_id)
    if contact is None or contact.customer_id != customer.id:
        raise NotFound(f"Customer {customer_id} has no contact {contact_id}.")
    values = records.contact_update_values(
        records.snapshot(contact, records.CONTACT_COLUMNS),
        data,
        region=settings.phone_default_region,
    )
    changes = records.assign(contact, values, records.CONTACT_COLUMNS)
    if changes:
        contact.updated_at = utcnow()
        touch(customer)
        audit(
            session,
            customer,
            actor=principal.name,
            action="contact_updated",
            payload={"contact_id": contact.id, "changes": changes},
        )
        _updated(session, customer, [f"contacts.{contact.id}.{field}" for field in sorted(changes)])
        await session.commit()
    return await customer_read(session, customer)


async def history(session: AsyncSession, customer_id: int) -> list[CustomerEventRead]:
    if await session.get(Customer, customer_id) is None:
        raise NotFound(f"Customer {customer_id} does not exist.")
    rows = await session.execute(
        select(CustomerEvent)
        .where(col(CustomerEvent.customer_id) == customer_id)
        .order_by(col(CustomerEvent.id))
    )
    return [CustomerEventRead.model_validate(e, from_attributes=True) for e in rows.scalars()]
