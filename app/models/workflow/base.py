"""The base of every workflow action's request body."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

NOTE = Field(default=None, max_length=5000, description="Free-text note for the timeline")


class ActionBody(BaseModel):
    """Base of every action's body; unknown fields are refused (a typo is a 422, not a no-op)."""

    model_config = ConfigDict(extra="forbid")

    def request_facts(self) -> dict[str, Any]:
        """What the body tells the workflow's guards (see `ClaimFacts`)."""
        return {}


class NoteBody(ActionBody):
    note: str | None = NOTE
