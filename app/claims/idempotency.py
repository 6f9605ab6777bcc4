"""Idempotency-Key: the same key and body replays the first response; another body is 409."""

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.errors import Conflict
from app.models.system import IdempotencyRecord
from app.models.types import utcnow


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def find(
    session: AsyncSession, *, principal: Principal, key: str, body_hash: str
) -> IdempotencyRecord | None:
    record = (
        await session.execute(
            select(IdempotencyRecord).where(
                col(IdempotencyRecord.api_key_id) == principal.key_id,
                col(IdempotencyRecord.key) == key,
            )
        )
    ).scalar_one_or_none()
    if record is not None and record.request_hash != body_hash:
        raise Conflict("This Idempotency-Key was already used with a different request body.")
    return record


def new_record(
    *, principal: Principal, key: str, body_hash: str, status_code: int, response: dict[str, Any]
) -> dict[str, Any]:
    """An idempotency record's column values, for writing it with a Core insert (whose unique
    constraint refuses a key used before)."""
    return {
        "api_key_id": principal.key_id,
        "key": key,
        "request_hash": body_hash,
        "status_code": status_code,
        "response": response,
        "created_at": utcnow(),
    }
