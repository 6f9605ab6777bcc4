"""Correcting a claim (`PATCH /api/v1/claims/{number}`): the edited defect statement, the
product (with the warranty checked again), the customer and contact, the language, the owner,
and clearing the customer discrepancies once a person has dealt with them.

One transaction: the claim is locked, its version checked (412), a closed claim refused (409:
reopen it first), every value that needs the database checked at once (one 422 naming each
field), then only what really changes is written. Each change is audited with its value before
and after (`update`; a new owner in a `reassign` event of its own), and one `claim.updated`
outbox row names the changed fields. A PATCH that changes nothing writes nothing and keeps the
version.

The customer's own words (`defect_description`) are never changed: the schema refuses them.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.api_keys import assignable_owner
from app.auth.principal import Principal
from app.catalog import service as catalog
from app.catalog import warranty_check
from app.claims.audit import record_event
from app.claims.changes import followed, notify_claim_changed
from app.claims.reading import ClaimBundle, load_bundle
from app.config import Settings
from app.customers.deadlines import ack_due_date
from app.enums import ClaimState
from app.errors import Conflict, InvalidInput, PreconditionFailed
from app.events.outbox import enqueue
from app.models.claims import Claim, ClaimUpdate, ProductUpdate
from app.models.customers import Contact, Customer
from app.models.reference import ProductModel, Unit
from app.models.types import utcnow
from app.workdays import local_date

UPDATED = "claim.updated"


class ClaimClosed(Conflict):
    type_slug, title = "claim-closed", "The claim is closed"


@dataclass(slots=True)
class Correction:
    number: str
    version: int
    # {field: {"before": ..., "after": ...}}, JSON-ready; empty for a PATCH that changed nothing.
    changes: dict[str, dict[str, Any]]


@dataclass(slots=True)
class _Plan:
    """What the request asks for, checked against the database before anything is written."""

    customer: Customer | None = None
    contact: Contact | None = None
    unit: Unit | None = None
    model: ProductModel | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def refuse(self, name: str, message: str) -> None:
        self.errors.append({"field": name, "message": message, "type": "value_error"})


async def correct_claim(
    session: AsyncSession,
    *,
    number: str,
    data: ClaimUpdate,
    expected_version: int,
    principal: Principal,
    settings: Settings,
) -> Correction:
    bundle = await load_bundle(session, number, for_update=True)
    claim = bundle.claim
    if claim.version != expected_version:
        raise PreconditionFailed(
            f"Claim {number} is at version {claim.version}, not {expected_version}: "
            "read it again and retry if the correction still makes sense.",
            current_version=claim.version,
        )
    if claim.state == ClaimState.closed:
        raise ClaimClosed(f"Claim {number} is closed: reopen it to correct it.")
    plan = await _check(session, bundle, data)
    if plan.errors:
        raise InvalidInput(
            "Check these fields: " + ", ".join(e["field"] for e in plan.errors),
            errors=plan.errors,
        )
    changes = _Changes(claim)
    before = followed(claim)
    sent = data.model_fields_set
    if "defect_statement" in sent:
        changes.set("defect_statement", data.defect_statement)
    if "language" in sent:
        changes.set("language", data.language)
    if "customer_discrepancies" in sent and claim.customer_discrepancies:
        changes.record("customer_discrepancies", claim.customer_discrepancies, [])
        claim.customer_discrepancies = None
    if "owner" in sent:
        changes.set("owner", data.owner)
    _apply_customer(changes, bundle, plan, settings)
    if data.product is not None:
        _apply_product(changes, bundle, plan, data.product, settings)
    if not changes.done:
        await session.commit()  # releases the lock; nothing was written
        return Correction(claim.number, claim.version, {})

    claim.version += 1
    claim.updated_at = utcnow()
    _audit(session, claim, changes.done, actor=principal.name)
    # A corrective action's D2 follows its claims (app/claims/changes.py), in this transaction.
    await notify_claim_changed(
        session, claim=claim, before=before, actor=principal.name, settings=settings
    )
    await session.commit()
    return Correction(claim.number, claim.version, changes.done)


class _Changes:
    """Sets a claim's columns and remembers, JSON-ready, the values that really changed."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.done: dict[str, dict[str, Any]] = {}

    def record(self, name: str, before: Any, after: Any) -> None:
        if before != after:
            self.done[name] = {"before": _plain(before), "after": _plain(after)}

    def set(self, column: str, value: Any, *, name: str | None = None) -> None:
        self.record(name or column, getattr(self.claim, column), value)
        setattr(self.claim, column, value)


def _plain(value: Any) -> Any:
    # The columns hold text, numbers, lists of text or of JSON objects, and dates.
    return value.isoformat() if isinstance(value, date) else value


async def _check(session: AsyncSession, bundle: ClaimBundle, data: ClaimUpdate) -> _Plan:
    plan = _Plan(customer=bundle.customer, contact=bundle.contact)
    claim, sent = bundle.claim, data.model_fields_set
    if "customer_id" in sent and data.customer_id != claim.customer_id:
        assert data.customer_id is not None  # the schema refuses null
        plan.customer = await session.get(Customer, data.customer_id)
        if plan.customer is None:
            plan.refuse("body.customer_id", f"no customer {data.customer_id}")
        elif plan.customer.merged_into_id is not None:
            plan.refuse(
                "body.customer_id",
                f"customer {data.customer_id} was merged into {plan.customer.merged_into_id}; "
                "use that one",
            )
            plan.customer = None
    customer_id = plan.customer.id if plan.customer else None
    if "contact_id" in sent:
        plan.contact = await session.get(Contact, data.contact_id) if data.contact_id else None
        if data.contact_id and plan.contact is None:
            plan.refuse("body.contact_id", f"no contact {data.contact_id}")
        elif plan.contact and customer_id and plan.contact.customer_id != customer_id:
            plan.refuse("body.contact_id", f"not a contact of customer {customer_id}")
    elif plan.contact and customer_id and plan.contact.customer_id != customer_id:
        plan.refuse(
            "body.contact_id",
            f"the claim's contact is not one of customer {customer_id}: send contact_id "
            "(one of its contacts, or null)",
        )
    owner = data.owner if "owner" in sent else claim.owner
    if owner is not None and owner != claim.owner and not await assignable_owner(session, owner):
        plan.refuse(
            "body.owner", f"no live API key named {owner!r} with the specialist or head role"
        )
    if data.product is not None:
        await _check_product(session, bundle, data.product, plan)
    return plan


async def _check_product(
    session: AsyncSession, bundle: ClaimBundle, product: ProductUpdate, plan: _Plan
) -> None:
    """The unit by serial, else the model by code, as at registration; but a code must be the
    catalogue's here, and agree with the unit's model when both are sent."""
    claim, sent = bundle.claim, product.model_fields_set
    serial = product.serial_number if "serial_number" in sent else claim.reported_serial
    plan.unit, plan.model = (
        await warranty_check.find_unit(session, serial) if serial else (None, None)
    )
    if "model_code" not in sent:
        if plan.unit is None:
            plan.model = bundle.model  # a corrected serial keeps the model already known
        return
    code = product.model_code
    if code is None:
        if plan.unit is None:
            plan.model = None
        return
    if plan.model is not None and plan.unit is not None:
        if plan.model.code != code:
            plan.refuse(
                "body.product.model_code",
                f"unit {serial} is a {plan.model.code}, not a {code}",
            )
        return
    plan.model = await catalog.find_model(session, code)
    if plan.model is None:
        plan.refuse(
            "body.product.model_code",
            f"no product model {code} in the catalogue (the customer's wording goes in model_name)",
        )


def _apply_customer(
    changes: _Changes, bundle: ClaimBundle, plan: _Plan, settings: Settings
) -> None:
    claim = bundle.claim
    assert plan.customer is not None and plan.customer.id is not None
    moved = plan.customer.id != claim.customer_id
    changes.set("customer_id", plan.customer.id)
    changes.set("contact_id", plan.contact.id if plan.contact else None)
    if moved and claim.acknowledged_at is None:
        # The acknowledgement deadline follows the customer until it is met: a key customer's
        # is shorter (CLAIMS_KEY_CUSTOMER_ACK_DUE_WORKING_DAYS).
        due = ack_due_date(
            local_date(claim.received_at, settings),
            key_customer=plan.customer.is_key_customer,
            settings=settings,
        )
        changes.set("ack_due_date", due)


def _apply_product(
    changes: _Changes,
    bundle: ClaimBundle,
    plan: _Plan,
    product: ProductUpdate,
    settings: Settings,
) -> None:
    claim, sent = bundle.claim, product.model_fields_set
    before = len(changes.done)
    changes.record(
        "model_code",
        bundle.model.code if bundle.model else None,
        plan.model.code if plan.model else None,
    )
    claim.product_model_id = plan.model.id if plan.model else None
    changes.set("unit_id", plan.unit.id if plan.unit else None)
    if "serial_number" in sent:
        changes.set("reported_serial", product.serial_number, name="serial_number")
    if "model_name" in sent:
        changes.set("reported_model", product.model_name, name="model_name")
    if "purchase_date" in sent:
        changes.set("purchase_date", product.purchase_date)
    if len(changes.done) == before:
        return
    # The product changed: check the warranty again, as of the day the claim was received (as
    # at registration and in the check-warranty action).
    result = warranty_check.evaluate_unit(
        plan.unit,
        plan.model,
        on=local_date(claim.received_at, settings),
        serial=claim.reported_serial,
    )
    changes.set("warranty_status", result.status.value)
    changes.set("warranty_end_date", result.end_date)
    changes.set("warranty_reasons", list(result.reasons))


def _audit(
    session: AsyncSession, claim: Claim, changes: dict[str, dict[str, Any]], *, actor: str
) -> None:
    corrected = {k: v for k, v in changes.items() if k != "owner"}
    if corrected:
        record_event(
            session,
            claim=claim,
            actor=actor,
            action="update",
            from_state=claim.state,
            to_state=claim.state,
            payload={"changes": corrected},
        )
    if "owner" in changes:
        record_event(
            session,
            claim=claim,
            actor=actor,
            action="reassign",
            from_state=claim.state,
            to_state=claim.state,
            payload={"changes": {"owner": changes["owner"]}},
        )
    enqueue(
        session,
        event_type=UPDATED,
        claim_id=claim.id,
        data={
            "number": claim.number,
            "version": claim.version,
            "changed": sorted(changes),
            "actor": actor,
        },
    )
