"""Formal letters: the table and the request/response schemas of the letters API."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import EmailStr, field_validator
from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from app.enums import LetterKind, LetterState
from app.models.types import JSONType, UTCDateTime, utcnow

FIELD_MAX_LENGTH = 10_000
"""The longest text a letter's free-text field may hold."""


class SendChannel(StrEnum):
    email = "email"
    post = "post"


class Letter(SQLModel, table=True):
    """One formal letter of a claim. Once `issued`, its number, rendered HTML and PDF (files
    under CLAIMS_STORAGE_DIR, with their SHA-256) never change; a correction is a new letter."""

    __tablename__ = "letters"
    __table_args__ = (Index("ix_letters_year_seq", "year", "seq", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    kind: LetterKind = Field(sa_type=String(40))
    language: str = Field(max_length=8)
    state: LetterState = Field(default=LetterState.draft, sa_type=String(20), index=True)
    # Number parts are set once, when the letter is issued (gap-free per year).
    number: str | None = Field(default=None, sa_column=Column(String(20), unique=True))
    year: int | None = None
    seq: int | None = None
    letter_date: date | None = None
    fields: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    subject: str | None = Field(default=None, max_length=500)
    html_path: str | None = Field(default=None, max_length=300)
    pdf_path: str | None = Field(default=None, max_length=300)
    html_sha256: str | None = Field(default=None, max_length=64)
    sha256: str | None = Field(default=None, max_length=64, description="SHA-256 of the PDF")
    signatory_name: str | None = Field(default=None, max_length=200)
    signatory_title: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_by: str | None = Field(default=None, max_length=100)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=100)
    approver_role: str | None = Field(default=None, max_length=20)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rejected_by: str | None = Field(default=None, max_length=100)
    rejection_comment: str | None = Field(default=None, sa_type=Text)
    issued_by: str | None = Field(default=None, max_length=100)
    issued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_by: str | None = Field(default=None, max_length=100)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    send_channel: SendChannel | None = Field(default=None, sa_type=String(10))
    sent_to: str | None = Field(default=None, max_length=320)
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    version: int = 1


# ---- request and response schemas ------------------------------------------------------------

FIELDS_DESCRIPTION = (
    "Free-text parts the specialist may edit; the names depend on the kind (see "
    "`editable_fields` in a letter). Omitted or empty fields use the template's wording."
)


class LetterCreate(SQLModel):
    kind: LetterKind = Field(description="Which letter", schema_extra={"examples": ["explanation"]})
    language: str | None = Field(
        default=None,
        description="Template language; defaults to the claim's, with fallback (e.g. bg -> en)",
        schema_extra={"pattern": r"^[a-zA-Z]{2}([-_][a-zA-Z]{2})?$", "examples": ["lv"]},
    )
    fields: dict[str, str | None] | None = Field(
        default=None,
        description=FIELDS_DESCRIPTION,
        schema_extra={"examples": [{"explanation_text": "Connect the pump to 230 V, not 400 V."}]},
    )


class LetterUpdate(SQLModel):
    fields: dict[str, str | None] | None = Field(
        default=None,
        description="Fields to change; a field set to null returns to the template's wording. "
        f"Each at most {FIELD_MAX_LENGTH} characters.",
        schema_extra={"examples": [{"body_extra": "We apologise for the delay."}]},
    )
    language: str | None = Field(
        default=None,
        schema_extra={"pattern": r"^[a-zA-Z]{2}([-_][a-zA-Z]{2})?$", "examples": ["ru"]},
    )


def _no_nul(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; refuse it as input rather than fail on insert.
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class LetterReject(SQLModel):
    comment: str = Field(
        min_length=1,
        max_length=5000,
        description="What the specialist should change",
        schema_extra={"examples": ["Please name the manual's section on connection."]},
    )

    _check_comment = field_validator("comment")(_no_nul)


class LetterSend(SQLModel):
    to: EmailStr | None = Field(
        default=None,
        description="Recipient; defaults to the customer's email (the design department's "
        "address for the internal memo)",
        schema_extra={"examples": ["janis@siltums.lv"]},
    )


class LetterMarkSent(SQLModel):
    sent_at: datetime | None = Field(
        default=None, description="When it was posted; defaults to now"
    )
    note: str | None = Field(
        default=None,
        max_length=1000,
        description="E.g. the registered-mail number",
        schema_extra={"examples": ["Registered mail RR123456789LV"]},
    )

    _check_note = field_validator("note")(_no_nul)


class LetterLinks(SQLModel):
    self: str
    preview_html: str
    preview_pdf: str
    html: str | None = Field(description="The frozen HTML, once issued")
    pdf: str | None = Field(description="The frozen PDF, once issued")


class LetterRead(SQLModel):
    id: int
    claim_number: str = Field(schema_extra={"examples": ["CLM-2026-000123"]})
    kind: LetterKind
    language: str
    state: LetterState
    number: str | None = Field(schema_extra={"examples": ["L-2026-000045"]})
    letter_date: date | None
    subject: str | None
    fields: dict[str, str | None] = Field(description="Every editable field of the kind")
    editable_fields: list[str]
    missing_fields: list[str] = Field(description="Required fields still empty; block submit")
    key_customer: bool
    approver_roles: list[str] = Field(description="Who may approve this letter")
    allowed_actions: list[str] = Field(description="Lifecycle actions the caller may take now")
    created_by: str
    created_at: datetime
    updated_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    approved_by: str | None
    approver_role: str | None
    approved_at: datetime | None
    rejected_by: str | None
    rejection_comment: str | None
    issued_by: str | None
    issued_at: datetime | None
    sha256: str | None = Field(description="SHA-256 of the frozen PDF")
    html_sha256: str | None
    signatory_name: str | None
    signatory_title: str | None
    sent_by: str | None
    sent_at: datetime | None
    send_channel: SendChannel | None
    sent_to: str | None
    version: int
    links: LetterLinks
