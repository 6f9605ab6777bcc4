"""Test data for the reports, inserted through the ORM: real rows in the real database.

The workflow actions (acknowledge, close, code a cause) live on another branch, so these
helpers set the claim's columns directly. Each test works in its own past year and with its
own product models, so the figures stay exact while other tests add claims of their own.
"""

import itertools
import random
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.models.claims import Claim
from app.models.customers import Customer
from app.models.reference import ProductModel, Unit
from app.workdays import Calendar

RIGA = ZoneInfo("Europe/Riga")
WEEKENDS = Calendar()  # the tests' settings count weekends only (tests/conftest.py)
_seq = itertools.count(random.randint(100000, 800000))


def tag() -> str:
    return uuid.uuid4().hex[:8].upper()


async def make_model(session: Any, code: str | None = None, name: str = "Pump") -> ProductModel:
    model = ProductModel(code=code or f"RPT-{tag()}", name=name, warranty_months=24)
    session.add(model)
    await session.flush()
    return model


async def make_unit(session: Any, model: ProductModel, serial: str) -> Unit:
    unit = Unit(serial_number=serial, product_model_id=model.id, sale_date=date(2002, 1, 1))
    session.add(unit)
    await session.flush()
    return unit


async def make_customer(session: Any) -> Customer:
    customer = Customer(name=f"Report customer {tag()}")
    session.add(customer)
    await session.flush()
    return customer


async def make_claim(
    session: Any,
    *,
    customer: Customer,
    received_at: datetime,
    model: ProductModel | None = None,
    unit: Unit | None = None,
    reported_serial: str | None = None,
    channel: str = "web",
    state: str = "new",
    description: str = "The pump stops after ten minutes of work.",
    acknowledged_at: datetime | None = None,
    closed_at: datetime | None = None,
    resolution: str | None = None,
    cause: str | None = None,
    cost_bearer: str | None = None,
) -> Claim:
    local_day = received_at.astimezone(RIGA).date()
    seq = next(_seq)
    claim = Claim(
        number=f"CLM-{received_at.year}-{seq:06d}",
        year=received_at.year,
        seq=seq,
        channel=channel,
        state=state,
        customer_id=customer.id,
        product_model_id=model.id if model else None,
        unit_id=unit.id if unit else None,
        reported_serial=reported_serial or (unit.serial_number if unit else None),
        defect_description=description,
        received_at=received_at,
        ack_due_date=WEEKENDS.add_working_days(local_day, 3),
        ack_deadline_date=WEEKENDS.add_working_days(local_day, 5),
        acknowledged_at=acknowledged_at,
        closed_at=closed_at,
        resolution=resolution,
        defect_cause=cause,
        cost_bearer=cost_bearer,
        created_by="tests",
    )
    session.add(claim)
    await session.flush()
    return claim


async def open_session(app: Any) -> AsyncIterator[Any]:
    """For a `session` fixture: a session of the app's own factory. Commit before calling the
    API (on SQLite an open transaction holds the write lock)."""
    async with app.state.session_factory() as s:
        yield s
