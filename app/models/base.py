"""The base of every request schema."""

from typing import Any

from pydantic import field_validator
from sqlmodel import SQLModel


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class InputModel(SQLModel):
    """Refuses NUL characters in any text field: PostgreSQL cannot store them, and no honest
    client sends them. The error names the field like any other validation error."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value
