"""Inbound email: every delivery from the email gateway, stored raw before it is parsed."""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class InboundStatus(StrEnum):
    received = "received"  # stored raw, not yet processed (or processing crashed)
    processed = "processed"  # became a claim or a message on one
    failed = "failed"  # could not be parsed or matched; waits for a specialist
    ignored = "ignored"  # an auto-reply or bounce: kept, never opens a claim


class InboundSource(StrEnum):
    rfc822 = "rfc822"
    json = "json"
    mailgun = "mailgun"


class InboundOutcome(StrEnum):
    created = "created"  # registered a new claim
    threaded = "threaded"  # added as a customer message to an existing claim
    internal = "internal"  # from the company's own domains: an internal note on the claim
    review = "review"  # on the claim, flagged for review, the claim's state unchanged
    assigned = "assigned"  # a specialist put it on a claim by hand
    ignored = "ignored"


# Rows are committed with their outcome, never `received`; earlier versions committed the raw
# row first, and one of theirs still `received` this long after arrival was abandoned
# mid-processing (a crash): it is listed with the failed ones and may be retried.
STALE_AFTER = timedelta(minutes=10)


class InboundEmail(SQLModel, table=True):
    __tablename__ = "inbound_emails"

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    source: InboundSource = Field(sa_type=String(16))
    content_type: str = Field(max_length=200)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    headers: dict[str, Any] = Field(sa_type=JSONType, description="The delivery's HTTP headers")
    size: int
    received_by: str = Field(max_length=100, description="hmac, mailgun, or the API key's name")
    # The Message-ID, or a hash of the body when there is none: one row per message, ever.
    dedup_key: str = Field(sa_column=Column(String(500), unique=True, nullable=False))
    message_id: str | None = Field(default=None, max_length=500, index=True)
    status: InboundStatus = Field(default=InboundStatus.received, sa_type=String(16), index=True)
    outcome: InboundOutcome | None = Field(default=None, sa_type=String(16))
    error: str | None = Field(default=None, sa_type=Text)
    notes: list[str] | None = Field(default=None, sa_type=JSONType)
    from_address: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=500)
    claim_id: int | None = Field(default=None, foreign_key="claims.id", index=True)
    message_row_id: int | None = Field(default=None, foreign_key="messages.id")
    attempts: int = 0
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MailgunToken(SQLModel, table=True):
    """Mailgun signs only a timestamp and a token, not the content: each token is taken once
    (app/mail/gateway_auth.py). Rows older than the signature window are purged."""

    __tablename__ = "mailgun_tokens"

    token: str = Field(primary_key=True, max_length=64, description="SHA-256 of the token")
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


# ---- request and response schemas ------------------------------------------------------------


class InboundEmailRead(SQLModel):
    id: int = Field(schema_extra={"examples": [42]})
    received_at: datetime
    source: InboundSource
    status: InboundStatus
    outcome: InboundOutcome | None = Field(
        description="What became of it: created a claim, threaded into one, assigned, ignored"
    )
    message_id: str | None = Field(schema_extra={"examples": ["CAF=abc123@mail.example.com"]})
    from_address: str | None
    subject: str | None
    claim_number: str | None = Field(schema_extra={"examples": ["CLM-2026-000123"]})
    error: str | None = Field(description="Why processing failed or the message was ignored")
    notes: list[str] | None = Field(
        default=None, description="Things worth knowing, e.g. attachments that were refused"
    )
    attempts: int
    size: int


class IntakeResult(InboundEmailRead):
    duplicate: bool = Field(
        description="True when this Message-ID was delivered before: the first result, unchanged"
    )


class InboundEmailPage(SQLModel):
    items: list[InboundEmailRead]
    next_before: int | None = Field(description="Pass as `before` to get the next (older) page")


class AssignRequest(SQLModel):
    claim_number: str = Field(
        min_length=1,
        max_length=20,
        schema_extra={"examples": ["CLM-2026-000123"]},
        description="The claim this message belongs to",
    )
