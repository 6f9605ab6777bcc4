"""Customers: matched by email address, else by phone, else created."""

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.reference import Customer, CustomerIn


async def match_or_create(session: AsyncSession, *, data: CustomerIn) -> Customer:
    match = None
    if data.email:
        match = Customer.email == data.email.lower()
    elif data.phone:
        match = Customer.phone == normalise_phone(data.phone)
    if match is not None:
        found = (
            await session.execute(select(Customer).where(match).order_by(Customer.id).limit(1))
        ).scalar_one_or_none()
        if found is not None:
            return found
    customer = Customer(
        name=data.name,
        organisation=data.organisation,
        email=data.email.lower() if data.email else None,
        phone=normalise_phone(data.phone) if data.phone else None,
        language=data.language,
    )
    session.add(customer)
    return customer


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return ("+" + digits) if phone.strip().startswith("+") else digits
