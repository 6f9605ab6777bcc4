"""Infrastructure tables: API keys, number counters, idempotency records, the outbox."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, PrimaryKeyConstraint, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, description="Shown to identify a key; not secret")
    key_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    roles: list[str] = Field(sa_type=JSONType)
    # The person behind a specialist's key: letters name the claim's owner as their executor.
    full_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    # The title printed under the person's name when they sign, per language ({"ru": "…"}).
    titles: dict[str, str] | None = Field(default=None, sa_type=JSONType)
    # A deputy who may approve, and then signs, for the head or the director ("и. о.").
    acting_for: str | None = Field(default=None, max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Counter(SQLModel, table=True):
    """Per-year sequences for claim and letter numbers; incremented inside the caller's
    transaction, so a rolled-back registration leaves no gap."""

    __tablename__ = "counters"
    __table_args__ = (PrimaryKeyConstraint("name", "year", name="pk_counters"),)

    name: str = Field(max_length=20)
    year: int
    value: int = 0


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_keys.id")
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = Field(sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxEvent(SQLModel, table=True):
    """Everything that must leave the service, written in the transaction that caused it."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(sa_column=Column(String(36), unique=True, nullable=False))
    type: str = Field(max_length=60, index=True)
    claim_id: int | None = Field(default=None, foreign_key="claims.id", index=True)
    payload: dict[str, Any] = Field(sa_type=JSONType)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    available_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=2000)
