"""The customer's rating of how a claim was handled, asked for at closure (1 to 5 and a comment).

One row per claim: a later answer replaces the earlier one, whose values stay in the claim's
audit trail (the `claim_rated` events)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import InputModel
from app.models.types import UTCDateTime, utcnow

RATING_MIN, RATING_MAX = 1, 5
COMMENT_MAX = 5000


class RatingChannel(StrEnum):
    web = "web"
    email = "email"
    phone = "phone"


class ClaimRating(SQLModel, table=True):
    __tablename__ = "claim_ratings"
    __table_args__ = (
        UniqueConstraint("claim_id"),
        CheckConstraint(f"rating BETWEEN {RATING_MIN} AND {RATING_MAX}", name="rating_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id")
    rating: int = Field(sa_column=Column(Integer, nullable=False))
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    channel: RatingChannel = Field(sa_type=String(10))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # An API key's name, `web-form` or the email gateway's key: who put the answer on record.
    recorded_by: str = Field(max_length=100)


class SatisfactionRead(SQLModel):
    rating: int = Field(description="1 (very dissatisfied) to 5 (very satisfied)")
    comment: str | None
    channel: RatingChannel = Field(description="How the answer reached us")
    received_at: datetime


class SatisfactionCreate(InputModel):
    """The customer's answer as an operator took it on the phone."""

    rating: int = Field(
        ge=RATING_MIN,
        le=RATING_MAX,
        description="1 (very dissatisfied) to 5 (very satisfied)",
        schema_extra={"examples": [4]},
    )
    comment: str | None = Field(
        default=None,
        max_length=COMMENT_MAX,
        schema_extra={"examples": ["Quick repair, but the technician came a day late."]},
    )
