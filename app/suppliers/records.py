"""Suppliers as master data, kept as customers are: create, read, list and search, edit with
If-Match, contacts, delete while no claim names it, and the audit trail (supplier_events).

Every change writes a SupplierEvent with the fields that changed, before and after, and a
`supplier.created`, `supplier.updated` or `supplier.deleted` outbox row, in its transaction.
"""

import base64
import binascii
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.customers import records as shared
from app.customers.matching import name_key
from app.db import contains_pattern, version_of
from app.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from app.events import outbox
from app.models.customers import AddressRead, ContactRead
from app.models.suppliers import (
    Supplier,
    SupplierClaim,
    SupplierContact,
    SupplierContactIn,
    SupplierContactUpdate,
    SupplierCreate,
    SupplierEvent,
    SupplierEventRead,
    SupplierListItem,
    SupplierPage,
    SupplierRead,
    SupplierUpdate,
)
from app.models.types import utcnow
from app.phones import InvalidPhone, to_e164

CREATED, UPDATED, DELETED = "supplier.created", "supplier.updated", "supplier.deleted"
SUPPLIER_COLUMNS = (
    "name",
    "short_name",
    "registration_number",
    "vat_number",
    *shared.ADDRESS_COLUMNS,
    "language",
    "supplies",
    "notes",
)
_name_order = func.coalesce(col(Supplier.name_key), "")


# ---- reading -----------------------------------------------------------------------------------


async def contacts_of(
    session: AsyncSession, supplier_ids: list[int]
) -> dict[int, list[SupplierContact]]:
    if not supplier_ids:
        return {}
    rows = await session.execute(
        select(SupplierContact)
        .where(col(SupplierContact.supplier_id).in_(supplier_ids))
        .order_by(col(SupplierContact.supplier_id), col(SupplierContact.id))
    )
    found: dict[int, list[SupplierContact]] = defaultdict(list)
    for contact in rows.scalars():
        found[contact.supplier_id].append(contact)
    return found


def _fields(supplier: Supplier, contacts: list[SupplierContact]) -> dict[str, Any]:
    return {
        **{c: getattr(supplier, c) for c in SupplierRead.model_fields if hasattr(supplier, c)},
        "address": AddressRead(
            street=supplier.street,
            city=supplier.city,
            postcode=supplier.postcode,
            country=supplier.country,
        ),
        "contacts": [ContactRead.model_validate(c, from_attributes=True) for c in contacts],
    }


async def supplier_read(session: AsyncSession, supplier: Supplier) -> SupplierRead:
    assert supplier.id is not None
    contacts = (await contacts_of(session, [supplier.id])).get(supplier.id, [])
    total = await _claims_total(session, supplier.id)
    return SupplierRead.model_validate({**_fields(supplier, contacts), "claims_total": total})


async def _claims_total(session: AsyncSession, supplier_id: int) -> int:
    return (
        await session.execute(
            select(func.count())
            .select_from(SupplierClaim)
            .where(col(SupplierClaim.supplier_id) == supplier_id)
        )
    ).scalar_one()


async def read_supplier(session: AsyncSession, supplier_id: int) -> SupplierRead:
    supplier = await session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"Supplier {supplier_id} does not exist.")
    return await supplier_read(session, supplier)


def _encode(sort_key: str, supplier_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort_key, supplier_id]).encode()).decode()


def _decode(cursor: str) -> tuple[str, int]:
    try:
        sort_key, supplier_id = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
        if not isinstance(sort_key, str) or type(supplier_id) is not int:
            raise ValueError("not a supplier cursor")
        if "\x00" in sort_key or not 0 <= supplier_id < 2**31:
            raise ValueError("not a supplier cursor")
        sort_key.encode()
        return sort_key, supplier_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[{"field": "query.cursor", "message": "invalid cursor", "type": "value_error"}],
        ) from exc


def _search(q: str, region: str) -> ColumnElement[bool]:
    """Part of the name or short name; the registration or VAT number; what it supplies; a
    contact's email or phone."""
    code = "".join(q.split()).upper()
    found: list[ColumnElement[bool]] = [
        col(Supplier.registration_number) == code,
        col(Supplier.vat_number) == code,
    ]
    key = name_key(q)
    if key:
        found.append(col(Supplier.name_key).like(contains_pattern(key), escape="\\"))
        # short name and supplies are not folded in Python: ASCII case aside on SQLite.
        pattern = contains_pattern(q.strip().lower())
        found += [
            func.lower(col(Supplier.short_name)).like(pattern, escape="\\"),
            func.lower(col(Supplier.supplies)).like(pattern, escape="\\"),
        ]
    if "@" in q:
        found.append(_has_contact(col(SupplierContact.email) == q.strip().lower()))
    try:
        phone = to_e164(q, region)
    except InvalidPhone:
        phone = None
    if phone:
        found.append(_has_contact(col(SupplierContact.phone) == phone))
    return or_(*found)


def _has_contact(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(col(SupplierContact.supplier_id) == col(Supplier.id), condition)


async def list_suppliers(
    session: AsyncSession, *, q: str | None, limit: int, cursor: str | None, region: str
) -> SupplierPage:
    stmt = select(Supplier, _name_order.label("sort_key"))
    if q and q.strip():
        stmt = stmt.where(_search(q, region))
    if cursor:
        after_key, after_id = _decode(cursor)
        stmt = stmt.where(
            or_(
                _name_order > after_key, and_(_name_order == after_key, col(Supplier.id) > after_id)
            )
        )
    rows = (
        await session.execute(stmt.order_by(_name_order, col(Supplier.id)).limit(limit + 1))
    ).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last, last_key = rows[-1]
        assert last.id is not None
        next_cursor = _encode(last_key, last.id)
    suppliers = [row[0] for row in rows]
    contacts = await contacts_of(session, [s.id for s in suppliers if s.id is not None])
    return SupplierPage(
        items=[
            SupplierListItem.model_validate(_fields(s, contacts.get(s.id or 0, [])))
            for s in suppliers
        ],
        next_cursor=next_cursor,
    )


async def history(session: AsyncSession, supplier_id: int) -> list[SupplierEventRead]:
    if await session.get(Supplier, supplier_id) is None:
        raise NotFound(f"Supplier {supplier_id} does not exist.")
    rows = await session.execute(
        select(SupplierEvent)
        .where(col(SupplierEvent.supplier_id) == supplier_id)
        .order_by(col(SupplierEvent.id))
    )
    return [SupplierEventRead.model_validate(e, from_attributes=True) for e in rows.scalars()]


# ---- changing ----------------------------------------------------------------------------------


async def check_fresh(session: AsyncSession, supplier_id: int, expected_version: int) -> None:
    """The If-Match of a change, checked before its body is read (404 unknown, 412 stale)."""
    version = await version_of(session, col(Supplier.version), col(Supplier.id) == supplier_id)
    if version is None:
        raise NotFound(f"Supplier {supplier_id} does not exist.")
    _check_version(supplier_id, version, expected_version)


def _check_version(supplier_id: int | None, version: int, expected: int) -> None:
    if version != expected:
        raise PreconditionFailed(
            f"Supplier {supplier_id} is at version {version}, not {expected}; "
            "read it again and retry if the change still makes sense.",
            current_version=version,
        )


async def _load_for_update(
    session: AsyncSession, supplier_id: int, expected_version: int
) -> Supplier:
    supplier = (
        await session.execute(
            select(Supplier).where(col(Supplier.id) == supplier_id).with_for_update()
        )
    ).scalar_one_or_none()
    if supplier is None:
        raise NotFound(f"Supplier {supplier_id} does not exist.")
    _check_version(supplier.id, supplier.version, expected_version)
    return supplier


def _audit(
    session: AsyncSession, supplier: Supplier, *, actor: str, action: str, payload: dict[str, Any]
) -> None:
    assert supplier.id is not None
    session.add(SupplierEvent(supplier_id=supplier.id, actor=actor, action=action, payload=payload))


def _touch(session: AsyncSession, supplier: Supplier, fields: list[str]) -> None:
    supplier.version += 1
    supplier.updated_at = utcnow()
    outbox.enqueue(
        session,
        event_type=UPDATED,
        data={"id": supplier.id, "version": supplier.version, "fields": fields},
    )


def _values(data: SupplierCreate | SupplierUpdate, fields: set[str]) -> dict[str, Any]:
    values = {f: getattr(data, f) for f in fields - {"address", "contacts"}}
    if "language" in values and values["language"] is not None:
        values["language"] = values["language"].value
    if "address" in fields:
        if data.address is None:
            values.update(dict.fromkeys(shared.ADDRESS_COLUMNS))
        else:
            sent = data.address.model_fields_set if isinstance(data, SupplierUpdate) else None
            address = data.address.model_dump()
            values.update(
                {c: address.get(c) for c in shared.ADDRESS_COLUMNS if sent is None or c in sent}
            )
    return values


async def _add_contact_row(
    session: AsyncSession, supplier: Supplier, values: dict[str, Any], *, actor: str
) -> SupplierContact:
    assert supplier.id is not None
    contact = SupplierContact(supplier_id=supplier.id, **values)
    session.add(contact)
    await session.flush()
    _audit(
        session,
        supplier,
        actor=actor,
        action="contact_added",
        payload={
            "contact_id": contact.id,
            "changes": shared.created(contact, shared.CONTACT_COLUMNS),
        },
    )
    return contact


async def create_supplier(
    session: AsyncSession, *, data: SupplierCreate, principal: Principal, settings: Settings
) -> SupplierRead:
    region = settings.phone_default_region
    contact_rows = [
        shared.contact_values(contact, region=region, path=f"body.contacts.{i}")
        for i, contact in enumerate(data.contacts)
    ]
    values = _values(data, set(SupplierCreate.model_fields) - {"contacts"})
    values["language"] = values.get("language") or settings.default_language
    supplier = Supplier(**values, name_key=name_key(data.name))
    session.add(supplier)
    await session.flush()
    _audit(
        session,
        supplier,
        actor=principal.name,
        action="created",
        payload={"changes": shared.created(supplier, SUPPLIER_COLUMNS)},
    )
    for row in contact_rows:
        await _add_contact_row(session, supplier, row, actor=principal.name)
    outbox.enqueue(
        session, event_type=CREATED, data={"id": supplier.id, "name": supplier.name, "version": 1}
    )
    await session.commit()
    return await supplier_read(session, supplier)


async def update_supplier(
    session: AsyncSession,
    *,
    supplier_id: int,
    data: SupplierUpdate,
    expected_version: int,
    principal: Principal,
) -> SupplierRead:
    supplier = await _load_for_update(session, supplier_id, expected_version)
    changes = shared.assign(supplier, _values(data, data.model_fields_set), SUPPLIER_COLUMNS)
    if changes:
        supplier.name_key = name_key(supplier.name)
        _touch(session, supplier, sorted(changes))
        _audit(
            session, supplier, actor=principal.name, action="updated", payload={"changes": changes}
        )
        await session.commit()
    return await supplier_read(session, supplier)


async def delete_supplier(
    session: AsyncSession, *, supplier_id: int, expected_version: int, principal: Principal
) -> None:
    """Only a supplier no claim names: its claims are records the company keeps. Its contacts
    and audit trail go with it; the outbox event keeps who deleted what."""
    supplier = await _load_for_update(session, supplier_id, expected_version)
    if await _claims_total(session, supplier_id):
        raise Conflict(
            f"Supplier {supplier_id} has claims against it; it cannot be deleted.",
        )
    await session.execute(
        delete(SupplierEvent).where(col(SupplierEvent.supplier_id) == supplier_id)
    )
    await session.execute(
        delete(SupplierContact).where(col(SupplierContact.supplier_id) == supplier_id)
    )
    outbox.enqueue(
        session,
        event_type=DELETED,
        data={"id": supplier_id, "name": supplier.name, "deleted_by": principal.name},
    )
    await session.delete(supplier)
    await session.commit()


async def add_contact(
    session: AsyncSession,
    *,
    supplier_id: int,
    data: SupplierContactIn,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> SupplierRead:
    values = shared.contact_values(data, region=settings.phone_default_region, path="body")
    supplier = await _load_for_update(session, supplier_id, expected_version)
    contact = await _add_contact_row(session, supplier, values, actor=principal.name)
    _touch(session, supplier, [f"contacts.{contact.id}"])
    await session.commit()
    return await supplier_read(session, supplier)


async def update_contact(
    session: AsyncSession,
    *,
    supplier_id: int,
    contact_id: int,
    data: SupplierContactUpdate,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> SupplierRead:
    supplier = await _load_for_update(session, supplier_id, expected_version)
    contact = await session.get(SupplierContact, contact_id)
    if contact is None or contact.supplier_id != supplier.id:
        raise NotFound(f"Supplier {supplier_id} has no contact {contact_id}.")
    values = shared.contact_update_values(
        shared.snapshot(contact, shared.CONTACT_COLUMNS),
        data,
        region=settings.phone_default_region,
    )
    changes = shared.assign(contact, values, shared.CONTACT_COLUMNS)
    if changes:
        contact.updated_at = utcnow()
        _touch(session, supplier, [f"contacts.{contact.id}.{f}" for f in sorted(changes)])
        _audit(
            session,
            supplier,
            actor=principal.name,
            action="contact_updated",
            payload={"contact_id": contact.id, "changes": changes},
        )
        await session.commit()
    return await supplier_read(session, supplier)
