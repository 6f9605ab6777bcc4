"""API keys: created by the CLI or an admin, looked up by hash, remembered for a few seconds."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.keys import generate_key, hash_key
from app.auth.principal import Principal
from app.enums import Role
from app.errors import NotFound
from app.models.base import InputModel
from app.models.system import ApiKey
from app.models.types import utcnow
from app.phones import e164_or_422

# The roles whose keys may own claims.
OWNER_ROLES = frozenset({Role.specialist.value, Role.head.value})
# The signers a deputy may stand in for.
ACTING_ROLES = frozenset({Role.head.value, Role.director.value})

LanguageCode = Annotated[str, StringConstraints(pattern="^[a-z]{2,3}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class KeyPerson(InputModel):
    """The person behind a key: a claim's owner is named in its letters as the executor."""

    full_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Printed in letters; the key's name when unset",
        examples=["Anna Kalniņa"],
    )
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="Any common notation; stored in E.164, read in CLAIMS_PHONE_DEFAULT_REGION "
        "when it has no country code",
        examples=["+371 2000 0000"],
    )
    email: EmailStr | None = Field(default=None, examples=["anna.kalnina@example.com"])
    titles: dict[LanguageCode, Title] | None = Field(
        default=None,
        max_length=20,
        description="The person's title per language, printed under their name when they "
        "sign; the settings' title of their role when unset",
        examples=[{"ru": "Начальник отдела контроля качества", "lv": "Kvalitātes vadītāja"}],
    )
    acting_for: Literal["head", "director"] | None = Field(
        default=None,
        description="A deputy who approves letters for the head or the director, and signs "
        'them as acting ("и. о.", "p.i.") with their own name',
    )


class ApiKeyCreate(KeyPerson):
    name: str = Field(min_length=1, max_length=100, examples=["telephony-gateway"])
    roles: list[Role] = Field(min_length=1, examples=[["intake"]])


class ApiKeyUpdate(KeyPerson):
    """Only the fields sent change; `null` clears one."""

    model_config = {"extra": "forbid"}


class ApiKeyRead(BaseModel):
    id: int
    name: str
    prefix: str
    roles: list[Role]
    full_name: str | None
    phone: str | None
    email: str | None
    titles: dict[str, str] | None = None
    acting_for: str | None = None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself; shown once, store it now")


def person_phone(raw: str | None, region: str, *, field: str = "body.phone") -> str | None:
    """A phone in E.164, or a 422 naming `field`."""
    return e164_or_422(raw, region, field=field) if raw else None


async def create_key(
    session: AsyncSession,
    *,
    name: str,
    roles: list[Role],
    full_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    titles: dict[str, str] | None = None,
    acting_for: str | None = None,
) -> ApiKeyCreated:
    """`phone` in E.164 already (person_phone)."""
    key, prefix, key_hash = generate_key()
    row = ApiKey(
        name=name,
        prefix=prefix,
        key_hash=key_hash,
        roles=[r.value for r in roles],
        full_name=full_name,
        phone=phone,
        email=email,
        titles=titles or None,
        acting_for=acting_for,
    )
    session.add(row)
    await session.commit()
    return ApiKeyCreated(
        **ApiKeyRead.model_validate(row, from_attributes=True).model_dump(), key=key
    )


async def update_key(
    session: AsyncSession,
    *,
    key_id: int,
    data: ApiKeyUpdate,
    phone_region: str,
    cache: PrincipalCache | None = None,
) -> ApiKeyRead:
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} does not exist.")
    changes = data.model_dump(exclude_unset=True)
    if "phone" in changes:
        changes["phone"] = person_phone(changes["phone"], phone_region)
    if "titles" in changes:
        changes["titles"] = changes["titles"] or None
    for field, value in changes.items():
        setattr(row, field, value)
    if changes:
        await session.commit()
    if "acting_for" in changes and cache is not None:
        # Whom a deputy stands in for is part of the principal this server remembers.
        cache.clear()
    return ApiKeyRead.model_validate(row, from_attributes=True)


async def assignable_owner(session: AsyncSession, name: str) -> bool:
    """Whether `name` is a live key that may own claims: one holding the specialist or head
    role."""
    rows = await session.execute(
        select(col(ApiKey.roles)).where(col(ApiKey.name) == name, col(ApiKey.revoked_at).is_(None))
    )
    return any(OWNER_ROLES & set(roles) for roles in rows.scalars())


async def newest_live_key(session: AsyncSession, name: str | None) -> ApiKey | None:
    """The newest live key of that name: a rotated key keeps its name, and the newest says best
    who the person behind it is now (a claim owner's name and phone in letters)."""
    if not name:
        return None
    return (
        await session.execute(
            select(ApiKey)
            .where(col(ApiKey.name) == name, col(ApiKey.revoked_at).is_(None))
            .order_by(col(ApiKey.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()


class PrincipalCache:
    """Keys this server has recently found valid, by hash. Unknown keys are never remembered,
    so a new key works at once and guessing costs a lookup per guess."""

    def __init__(self, ttl_seconds: float, max_entries: int = 1024) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        expires, principal = entry
        if expires <= time.monotonic():
            del self._entries[key_hash]
            return None
        return principal

    def put(self, key_hash: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            # Oldest first (dicts keep insertion order): enough to bound the memory.
            del self._entries[next(iter(self._entries))]
        self._entries[key_hash] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        self._entries.clear()


async def authenticate(
    session: AsyncSession, key: str, cache: PrincipalCache | None = None
) -> Principal | None:
    key_hash = hash_key(key)
    if cache is not None and (principal := cache.get(key_hash)) is not None:
        return principal
    row = (
        await session.execute(
            select(
                col(ApiKey.id), col(ApiKey.name), col(ApiKey.roles), col(ApiKey.acting_for)
            ).where(
                col(ApiKey.key_hash) == key_hash,
                col(ApiKey.revoked_at).is_(None),
            )
        )
    ).first()
    if row is None:
        return None
    principal = _principal(row)
    if cache is not None:
        cache.put(key_hash, principal)
    return principal


def _principal(row: Any) -> Principal:
    roles = frozenset(Role(r) for r in row.roles if r in Role.__members__)
    acting = Role(row.acting_for) if row.acting_for in ACTING_ROLES else None
    return Principal(key_id=row.id, name=row.name, roles=roles, acting_for=acting)


async def principal_by_id(session: AsyncSession, key_id: int) -> Principal | None:
    """The principal of a live key, by id (the dashboard's session names its key so)."""
    row = (
        await session.execute(
            select(
                col(ApiKey.id), col(ApiKey.name), col(ApiKey.roles), col(ApiKey.acting_for)
            ).where(col(ApiKey.id) == key_id, col(ApiKey.revoked_at).is_(None))
        )
    ).first()
    return None if row is None else _principal(row)


async def list_keys(session: AsyncSession) -> list[ApiKeyRead]:
    rows = (await session.execute(select(ApiKey).order_by(col(ApiKey.id)))).scalars()
    return [ApiKeyRead.model_validate(r, from_attributes=True) for r in rows]


async def revoke_key(
    session: AsyncSession, *, key_id: int, cache: PrincipalCache | None = None
) -> None:
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} does not exist.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.commit()
    if cache is not None:
        cache.clear()
