"""Formal letters: the table and the request/response schemas of the letters API."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import EmailStr, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from app.enums import LetterKind, LetterState
from app.models.types import JSONType, UTCDateTime, utcnow

FIELD_MAX_LENGTH = 10_000
"""The longest text a letter's free-text field may hold."""


class SendChannel(StrEnum):
    email = "email"
    post = "post"


# A letter is about exactly one thing: a claim, a corrective action or a supplier claim.
ONE_SUBJECT = (
    "(CASE WHEN claim_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN corrective_action_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN supplier_claim_id IS NULL THEN 0 ELSE 1 END) = 1"
)


class Letter(SQLModel, table=True):
    """One formal letter of a claim, a corrective action or a supplier claim (exactly one of
    the three). Once `issued`, its number, rendered HTML and PDF (files under
    CLAIMS_STORAGE_DIR, with their SHA-256) never change; a correction is a new letter."""

    __tablename__ = "letters"
    __table_args__ = (
        Index("ix_letters_series_year_seq", "series", "year", "seq", unique=True),
        CheckConstraint(ONE_SUBJECT, name="one_subject"),
    )

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int | None = Field(default=None, foreign_key="claims.id", index=True)
    corrective_action_id: int | None = Field(
        default=None, foreign_key="corrective_actions.id", index=True
    )
    supplier_claim_id: int | None = Field(
        default=None, foreign_key="supplier_claims.id", index=True
    )
    kind: LetterKind = Field(sa_type=String(40))
    language: str = Field(max_length=8)
    state: LetterState = Field(default=LetterState.draft, sa_type=String(20), index=True)
    # Number parts are set once, when the letter is issued (gap-free per register and year;
    # an act that keeps the number recorded with it has no `seq`).
    # The register the number was taken in (registers.Register: letter, memo, act).
    series: str | None = Field(default=None, max_length=10)
    number: str | None = Field(default=None, sa_column=Column(String(60), unique=True))
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
    # The signing certificate's subject when the frozen PDF was signed at issue; None: unsigned.
    signer: str | None = Field(default=None, max_length=500)
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_by: str | None = Field(default=None, max_length=100)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=100)
    approver_role: str | None = Field(default=None, max_length=20)
    # Approved by a deputy acting for `approver_role`: signed "и. о." / "p.i." with their name.
    approver_acting: bool = False
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
    # What goes with the letter (app/letters/enclosures.py): the chosen claim attachments and
    # issued documents, each as recorded when chosen (name, type, size, hash, storage key).
    enclosures: list[dict[str, Any]] | None = Field(default=None, sa_type=JSONType)
    # The email send under way or last made: its outbox event (the worker reports on it), the
    # gateway's id for the message once accepted, and why it failed (state `send_failed`).
    send_event_id: str | None = Field(default=None, max_length=36)
    gateway_message_id: str | None = Field(default=None, max_length=500)
    send_error: str | None = Field(default=None, max_length=2000)
    version: int = 1


# ---- request and response schemas ------------------------------------------------------------

FIELDS_DESCRIPTION = (
    "Free-text parts the specialist may edit; the names depend on the kind (see "
    "`editable_fields` in a letter). Omitted or empty fields use the template's wording."
)


# An id the database can hold: a larger one is an unknown id, not an overflow.
RowId = Annotated[int, PydanticField(ge=1, le=2_147_483_647)]
MAX_ENCLOSURES = 100

ATTACHMENT_IDS_DESCRIPTION = (
    "Ids of the claim's attachments to send with the letter (see the claim's `attachments`); "
    "replaces the choice. The design memo takes the claim's photos unless given"
)
DOCUMENT_IDS_DESCRIPTION = (
    "Ids of other issued letters of the claim whose frozen PDF goes with this one (e.g. the "
    "inspection act); replaces the choice"
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
    attachment_ids: list[RowId] | None = Field(
        default=None,
        max_length=MAX_ENCLOSURES,
        description=ATTACHMENT_IDS_DESCRIPTION,
        schema_extra={"examples": [[12, 13]]},
    )
    document_ids: list[RowId] | None = Field(
        default=None,
        max_length=MAX_ENCLOSURES,
        description=DOCUMENT_IDS_DESCRIPTION,
        schema_extra={"examples": [[41]]},
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
    attachment_ids: list[RowId] | None = Field(
        default=None,
        max_length=MAX_ENCLOSURES,
        description=f"{ATTACHMENT_IDS_DESCRIPTION}; [] sends none; omitted keeps the choice",
        schema_extra={"examples": [[12]]},
    )
    document_ids: list[RowId] | None = Field(
        default=None,
        max_length=MAX_ENCLOSURES,
        description=f"{DOCUMENT_IDS_DESCRIPTION}; [] sends none; omitted keeps the choice",
        schema_extra={"examples": [[41]]},
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
    signature: str | None = Field(description="What the frozen PDF's signature says, once issued")


class LetterAttachmentRead(SQLModel):
    type: Literal["attachment", "document"] = Field(
        description="attachment: a file of the claim; document: another issued letter's PDF"
    )
    id: int = Field(description="The attachment's id, or the enclosed letter's id")
    filename: str
    content_type: str
    size: int = Field(description="Bytes")


class LetterRead(SQLModel):
    id: int
    claim_number: str | None = Field(
        description="The claim the letter belongs to; null for a letter of a corrective action "
        "or a supplier claim",
        schema_extra={"examples": ["CLM-2026-000123"]},
    )
    corrective_action_number: str | None = Field(
        default=None,
        description="The corrective action a proposal to production is drafted from",
        schema_extra={"examples": ["CA-2026-000007"]},
    )
    supplier_claim_number: str | None = Field(
        default=None,
        description="The supplier claim a claim letter to the supplier is drafted from",
        schema_extra={"examples": ["SC-2026-000003"]},
    )
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
    approver_acting: bool = Field(
        default=False, description="Approved by a deputy acting for `approver_role`"
    )
    approved_at: datetime | None
    rejected_by: str | None
    rejection_comment: str | None
    issued_by: str | None
    issued_at: datetime | None
    sha256: str | None = Field(description="SHA-256 of the frozen PDF")
    html_sha256: str | None
    signatory_name: str | None
    signatory_title: str | None
    signed: bool = Field(
        description="Whether the frozen PDF carries the company's digital signature (PAdES); "
        "false before issue and for letters issued while no certificate was configured"
    )
    signer: str | None = Field(
        description="The signing certificate's subject",
        schema_extra={"examples": ["Common Name: Example Manufacturing Ltd"]},
    )
    signed_at: datetime | None
    sent_by: str | None = Field(description="Who sent it (by email: who asked to send it)")
    sent_at: datetime | None = Field(
        description="By email: when the gateway accepted it (null while `sending`); by post: "
        "the date given"
    )
    send_channel: SendChannel | None
    sent_to: str | None
    attachments: list[LetterAttachmentRead] = Field(
        description="What goes with the letter's email besides its PDF; frozen once submitted"
    )
    gateway_message_id: str | None = Field(
        default=None,
        description="The email gateway's id for the message, once it accepted it (its own id "
        "when it answers one, else the Message-ID we sent)",
    )
    send_error: str | None = Field(
        default=None,
        description="Why the email was not sent (state `send_failed`): the gateway's refusal, "
        "or the last error once the retries ran out",
        schema_extra={"examples": ["HTTP 400: recipient address rejected"]},
    )
    version: int
    links: LetterLinks


# ---- signatures ------------------------------------------------------------------------------


class CertificateInfo(SQLModel):
    subject: str = Field(
        schema_extra={
            "examples": ["Common Name: Quality Control, Organization: Example Manufacturing Ltd"]
        }
    )
    issuer: str
    serial_number: str = Field(description="Hexadecimal")
    valid_from: datetime
    valid_until: datetime


class SignatureInfo(SQLModel):
    field_name: str = Field(description="The signature field's name")
    intact: bool = Field(
        description="The bytes the signature covers are unchanged and the signature value is "
        "correct for the signer's certificate"
    )
    changed_after_signing: bool = Field(
        description="Revisions were added to the file after this signature (beyond validation "
        "data and timestamps)"
    )
    changes_after_signing: str | None = Field(
        description="What those revisions may change: form_filling, annotations or other"
    )
    trusted: bool = Field(
        description="The signer's certificate chains to a configured trust anchor and was valid "
        "at signing time (revocation is not checked: nothing is fetched)"
    )
    signer: CertificateInfo
    signing_time: datetime | None = Field(description="The time the signer's system claimed")
    timestamp: datetime | None = Field(description="The timestamp authority's time (PAdES B-T)")
    pades_level: Literal["B-B", "B-T"]
    reason: str | None
    name: str | None


class DocumentSignatures(SQLModel):
    status: Literal["unsigned", "intact", "modified"] = Field(
        description="intact: every signature checks out and the file is as last signed; "
        "modified: a signature fails or the file changed after the last one"
    )
    signed: bool
    intact: bool | None = Field(description="Every signature checks out; null when unsigned")
    signatures: list[SignatureInfo]
    pdfa: str | None = Field(
        description="The PDF/A level the metadata declares", schema_extra={"examples": ["PDF/A-3B"]}
    )
    trust_anchors_configured: bool = Field(
        description="Whether any trust anchor is configured; without one nothing is trusted"
    )
    sha256: str | None = Field(default=None, description="SHA-256 of the file checked")
    matches_issued_sha256: bool | None = Field(
        default=None,
        description="For an issued letter: whether the stored file still has the SHA-256 "
        "recorded at issue",
    )


# ---- letters of corrective actions and supplier claims ---------------------------------------


class ProposalKind(StrEnum):
    """What a proposal to production asks for."""

    change_design = "change_design"
    change_process = "change_process"
    hold_output = "hold_output"
    cut_output = "cut_output"
    stop_output = "stop_output"
    recall = "recall"


class ProposalAddressee(StrEnum):
    production_director = "production_director"
    technical_director = "technical_director"


class SupplierRequest(StrEnum):
    """What the claim asks the supplier to do."""

    compensate = "compensate"
    # The member cannot be called `replace` (str.replace); its value is.
    replacement = "replace"
    credit = "credit"


LANGUAGE_PATTERN = r"^[a-zA-Z]{2}([-_][a-zA-Z]{2})?$"


class ProductionProposalCreate(SQLModel):
    kind: Literal["production_proposal"] = Field(
        description="The internal memo to production",
        schema_extra={"examples": ["production_proposal"]},
    )
    proposal: ProposalKind = Field(
        description="What is proposed; `recall` and `stop_output` are approved by the director",
        schema_extra={"examples": ["hold_output"]},
    )
    addressee: ProposalAddressee = Field(
        description="Whom the memo is addressed to",
        schema_extra={"examples": ["production_director"]},
    )
    language: str | None = Field(
        default=None,
        description="Template language; defaults to the company's internal language (ru)",
        schema_extra={"pattern": LANGUAGE_PATTERN, "examples": ["ru"]},
    )
    fields: dict[str, str | None] | None = Field(
        default=None,
        description=FIELDS_DESCRIPTION,
        schema_extra={
            "examples": [{"proposal_details": "Hold shipments of batch PMP24-07 until retest."}]
        },
    )


class SupplierClaimLetterCreate(SQLModel):
    kind: Literal["supplier_claim"] = Field(
        description="The formal claim to the supplier",
        schema_extra={"examples": ["supplier_claim"]},
    )
    request: SupplierRequest = Field(
        description="What the supplier is asked to do", schema_extra={"examples": ["compensate"]}
    )
    reply_by: date | None = Field(
        default=None,
        description="The date the supplier is asked to answer by; defaults to 14 days from today",
        schema_extra={"examples": ["2026-12-15"]},
    )
    language: str | None = Field(
        default=None,
        description="Template language; defaults to the supplier's, with fallback",
        schema_extra={"pattern": LANGUAGE_PATTERN, "examples": ["lv"]},
    )
    fields: dict[str, str | None] | None = Field(
        default=None,
        description=FIELDS_DESCRIPTION,
        schema_extra={"examples": [{"costs_details": "Replacement of 12 motors: 4 800 EUR"}]},
    )
    attachment_ids: list[RowId] | None = Field(
        default=None,
        max_length=MAX_ENCLOSURES,
        description="Ids of the linked customer claims' attachments to enclose; defaults to "
        "the supplier claim's evidence",
        schema_extra={"examples": [[12, 13]]},
    )
