"""What a letter is about when it is not a claim's: a corrective action (the proposal to
production) or a supplier claim (the claim to the supplier).

A claim's letter keeps its own rows on the bundle (claim, customer, unit, model); a letter of
one of these carries a `Subject`: the rows its rendering needs, the number printed as its
reference, and where its audit goes (corrective_events, supplier_claim_events). The sign-off,
issue and delivery code is the same for all three. When a subject's letter goes out, the
observers hear of it (`observe_letters_sent`): a supplier claim moves to `sent` there.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app import l10n
from app.letters.addressing import Addressee
from app.letters.context import CorrectiveInfo, Customer, SupplierClaimInfo, TaskInfo
from app.models.claims import Claim
from app.models.corrective import (
    CorrectiveAction,
    CorrectiveEvent,
    CorrectiveTask,
)
from app.models.letters import Letter, SendChannel
from app.models.reference import ProductModel, Unit
from app.models.suppliers import (
    Supplier,
    SupplierClaim,
    SupplierClaimEvent,
    SupplierClaimLink,
    SupplierContact,
)
from app.models.types import utcnow
from app.phones import for_print


class SubjectType(StrEnum):
    corrective_action = "corrective_action"
    supplier_claim = "supplier_claim"


@dataclass(slots=True)
class Subject:
    """A corrective action or a supplier claim, with the rows its letters print."""

    type: SubjectType
    corrective: CorrectiveAction | None = None
    tasks: list[CorrectiveTask] = field(default_factory=list)
    model: ProductModel | None = None
    # Units of the model (of the batch, when the record has one) the registry shows as sold.
    units_sold: int | None = None
    supplier_claim: SupplierClaim | None = None
    supplier: Supplier | None = None
    contact: SupplierContact | None = None
    # The customer claims a supplier claim is made for, oldest first.
    claims: list[Claim] = field(default_factory=list)

    @property
    def number(self) -> str:
        row = self.corrective or self.supplier_claim
        assert row is not None
        return row.number

    @property
    def owner(self) -> str | None:
        row = self.corrective or self.supplier_claim
        assert row is not None
        return row.owner

    @property
    def state(self) -> str:
        row = self.corrective or self.supplier_claim
        assert row is not None
        return str(row.state)

    def outbox_data(self) -> dict[str, Any]:
        """What a letter's outbox event says about its subject (claim letters say
        `claim_number`)."""
        return {f"{self.type.value}_number": self.number}


# ---- loading ---------------------------------------------------------------------------------


async def load_corrective(session: AsyncSession, corrective: CorrectiveAction) -> Subject:
    model = (
        await session.get(ProductModel, corrective.product_model_id)
        if corrective.product_model_id
        else None
    )
    tasks = list(
        (
            await session.execute(
                select(CorrectiveTask)
                .where(col(CorrectiveTask.corrective_action_id) == corrective.id)
                .order_by(col(CorrectiveTask.due_date), col(CorrectiveTask.id))
            )
        ).scalars()
    )
    return Subject(
        SubjectType.corrective_action,
        corrective=corrective,
        tasks=tasks,
        model=model,
        units_sold=await _units_sold(session, corrective) if model else None,
    )


async def _units_sold(session: AsyncSession, corrective: CorrectiveAction) -> int:
    """The units in the field a recall would reach, as the units registry knows them. A batch
    is a serial prefix (app/claims/batches.py), so its units are those whose serial starts
    with it."""
    statement = select(func.count()).where(
        col(Unit.product_model_id) == corrective.product_model_id,
        col(Unit.sale_date).is_not(None),
    )
    if corrective.batch:
        prefix = corrective.batch
        statement = statement.where(func.substr(col(Unit.serial_number), 1, len(prefix)) == prefix)
    return int((await session.execute(statement)).scalar_one())


async def load_supplier_claim(session: AsyncSession, claim: SupplierClaim) -> Subject:
    supplier = await session.get(Supplier, claim.supplier_id)
    contact = await session.get(SupplierContact, claim.contact_id) if claim.contact_id else None
    claims = list(
        (
            await session.execute(
                select(Claim)
                .join(SupplierClaimLink, col(SupplierClaimLink.claim_id) == col(Claim.id))
                .where(col(SupplierClaimLink.supplier_claim_id) == claim.id)
                .order_by(col(Claim.received_at), col(Claim.id))
            )
        ).scalars()
    )
    return Subject(
        SubjectType.supplier_claim,
        supplier_claim=claim,
        supplier=supplier,
        contact=contact,
        claims=claims,
    )


async def load_for(session: AsyncSession, letter: Letter, *, for_update: bool) -> Subject:
    """The subject of a letter that is not a claim's, locked with it when asked."""
    if letter.corrective_action_id is not None:
        stmt = select(CorrectiveAction).where(
            col(CorrectiveAction.id) == letter.corrective_action_id
        )
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        corrective = (await session.execute(stmt)).scalar_one()
        return await load_corrective(session, corrective)
    sc_stmt = select(SupplierClaim).where(col(SupplierClaim.id) == letter.supplier_claim_id)
    if for_update:
        sc_stmt = sc_stmt.with_for_update().execution_options(populate_existing=True)
    return await load_supplier_claim(session, (await session.execute(sc_stmt)).scalar_one())


# ---- audit, and the announcement that a letter went out ----------------------------------------


def record(
    session: AsyncSession, subject: Subject, *, actor: str, action: str, payload: dict[str, Any]
) -> None:
    """A letter's change on its subject's audit trail; the subject's own state is unchanged."""
    state = subject.state
    if subject.corrective is not None:
        assert subject.corrective.id is not None
        session.add(
            CorrectiveEvent(
                corrective_action_id=subject.corrective.id,
                actor=actor,
                action=action,
                from_state=state,
                to_state=state,
                payload=payload,
                at=utcnow(),
            )
        )
        return
    assert subject.supplier_claim is not None and subject.supplier_claim.id is not None
    session.add(
        SupplierClaimEvent(
            supplier_claim_id=subject.supplier_claim.id,
            actor=actor,
            action=action,
            from_state=state,
            to_state=state,
            payload=payload,
            at=utcnow(),
        )
    )


class LetterSentObserver(Protocol):
    """Follows a subject's letter going out, inside the transaction that records it; never
    commits."""

    def __call__(
        self,
        session: AsyncSession,
        *,
        subject: Subject,
        letter: Letter,
        at: datetime,
        channel: SendChannel,
        actor: str,
    ) -> Awaitable[object]: ...


_sent_observers: dict[str, LetterSentObserver] = {}


def observe_letters_sent(name: str, observer: LetterSentObserver) -> None:
    """Subscribe `observer` to a subject's letter going out (again under `name`: replaced).

    A supplier claim becomes `sent` when its letter goes out, but its states belong to
    app/suppliers, which sits above letters (letters must not import it): the app wires the
    reaction at start-up, in the server and in the worker (`app.suppliers.letters.follow`).
    """
    _sent_observers[name] = observer


async def notify_letter_sent(
    session: AsyncSession,
    subject: Subject,
    letter: Letter,
    *,
    at: datetime,
    channel: SendChannel,
    actor: str,
) -> None:
    """Tell the observers that `subject`'s letter went out at `at` by `channel`. Called only
    once it has: the gateway took the email, or a person marked it posted."""
    for observer in _sent_observers.values():
        await observer(session, subject=subject, letter=letter, at=at, channel=channel, actor=actor)


# ---- what the templates read -------------------------------------------------------------------


def _model_name(model: ProductModel | None, lang: str) -> tuple[str | None, str | None]:
    if model is None:
        return None, None
    name = (model.names or {}).get(lang) or model.name
    code: str | None = model.code
    if name and code and code in name:
        code = None
    return code, name


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def corrective_info(subject: Subject, lang: str) -> CorrectiveInfo:
    ca = subject.corrective
    assert ca is not None
    problem = ca.problem or {}
    code, name = _model_name(subject.model, lang)
    # The keys of D2 as app/corrective/problem.py fills it from the linked claims.
    count = problem.get("claims")
    return CorrectiveInfo(
        number=ca.number,
        title=ca.title,
        product_model=code,
        product_name=name,
        batch=ca.batch,
        claims_count=count if isinstance(count, int) else None,
        first_date=_date(problem.get("first_received_on")),
        last_date=_date(problem.get("last_received_on")),
        serial_first=problem.get("serial_min") or None,
        serial_last=problem.get("serial_max") or None,
        units_sold=subject.units_sold,
        root_cause=ca.root_cause,
        root_cause_category=str(ca.root_cause_category) if ca.root_cause_category else None,
        tasks=tuple(
            TaskInfo(
                kind=str(t.kind),
                description=t.description,
                owner=t.owner,
                due_date=t.due_date,
                status=str(t.status),
            )
            for t in subject.tasks
            if str(t.status) != "cancelled"
        ),
    )


def supplier_claim_info(subject: Subject, lang: str) -> SupplierClaimInfo:
    sc = subject.supplier_claim
    assert sc is not None
    dates = [c.received_at.date() for c in subject.claims]
    return SupplierClaimInfo(
        number=sc.number,
        component=sc.component,
        supplier_reference=sc.supplier_reference,
        defect_description=sc.defect_description,
        claim_numbers=tuple(c.number for c in subject.claims),
        first_date=min(dates) if dates else None,
        last_date=max(dates) if dates else None,
        amount_claimed=(
            l10n.format_money(Decimal(sc.amount_claimed), sc.currency, lang)
            if Decimal(sc.amount_claimed) > 0
            else None
        ),
    )


def supplier_as_customer(subject: Subject, lang: str) -> Customer:
    """The supplier in the shape the letter layout prints an addressee's address from."""
    supplier, contact = subject.supplier, subject.contact
    assert supplier is not None
    town = " ".join(part for part in (supplier.postcode, supplier.city) if part)
    country = l10n.country_name(supplier.country, lang) if supplier.country else None
    return Customer(
        name=supplier.name,
        contact_person=contact.name if contact else None,
        address_lines=tuple(line for line in (supplier.street, town, country) if line),
        email=contact.email if contact else None,
        phone=for_print(contact.phone) if contact and contact.phone else None,
        is_organisation=True,
    )


def supplier_addressee(subject: Subject) -> Addressee:
    """The supplier's contact, addressed as a customer's contact is (addressing.py)."""
    supplier, contact = subject.supplier, subject.contact
    assert supplier is not None
    if contact is None:
        return Addressee(organisation=supplier.name)
    return Addressee(
        organisation=supplier.name,
        name=contact.name,
        given_name=contact.given_name,
        patronymic=contact.patronymic,
        surname=contact.surname,
        position=contact.position,
        gender=contact.gender,
    )
