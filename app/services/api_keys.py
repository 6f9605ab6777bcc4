"""API keys: created by the CLI or an admin, looked up by hash on every request."""

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound
from app.models.base import InputModel
from app.models.system import ApiKey
from app.models.types import utcnow
from app.security import Principal, generate_key, hash_key
from app.workflow import Role


class ApiKeyCreate(InputModel):
    name: str = Field(min_length=1, max_length=100, examples=["telephony-gateway"])
    roles: list[Role] = Field(min_length=1, examples=[["intake"]])


class ApiKeyRead(BaseModel):
    id: int
    name: str
    prefix: str
    roles: list[Role]
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself; shown once, store it now")


async def create_key(session: AsyncSession, *, name: str, roles: list[Role]) -> ApiKeyCreated:
    key, prefix, key_hash = generate_key()
    row = ApiKey(name=name, prefix=prefix, key_hash=key_hash, roles=[r.value for r in roles])
    session.add(row)
    await session.commit()
    return ApiKeyCreated(
        **ApiKeyRead.model_validate(row, from_attributes=True).model_dump(), key=key
    )


async def authenticate(session: AsyncSession, key: str) -> Principal | None:
    row = (
        await session.execute(
            select(ApiKey.id, ApiKey.name, ApiKey.roles).where(
                ApiKey.key_hash == hash_key(key),
                ApiKey.revoked_at.is_(None),  # type: ignore[union-attr]
            )
        )
    ).first()
    if row is None:
        return None
    roles = frozenset(Role(r) for r in row.roles if r in Role.__members__)
    return Principal(key_id=row.id, name=row.name, roles=roles)


async def list_keys(session: AsyncSession) -> list[ApiKeyRead]:
    rows = (await session.execute(select(ApiKey).order_by(ApiKey.id))).scalars()
    return [ApiKeyRead.model_validate(r, from_attributes=True) for r in rows]


async def revoke_key(session: AsyncSession, *, key_id: int) -> None:
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} does not exist.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.commit()
