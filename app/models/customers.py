"""Customers as master data: the organisation or private person, the contact persons who write
and call on its behalf, and the audit trail of changes to them."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, EmailStr, StringConstraints
from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from app.enums import ClaimState
from app.models.base import InputModel
from app.models.types import JSONType, UTCDateTime, utcnow

LANGUAGE_PATTERN = r"^[a-z]{2}$"
# How many of its claims a customer's record shows; the claims listing has them all.
RECENT_CLAIMS = 50


class CustomerKind(StrEnum):
    organisation = "organisation"
    person = "person"


class Gender(StrEnum):
    """How a contact is addressed: "Уважаемый"/"Уважаемая", "kungs"/"kundze", Mr/Ms."""

    male = "male"
    female = "female"


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True)
    kind: CustomerKind = Field(default=CustomerKind.person, sa_type=String(16))
    # The legal name of an organisation, the full name of a private person.
    name: str = Field(max_length=300)
    short_name: str | None = Field(default=None, max_length=200)
    # A claim from a new person at a known organisation is matched by either name
    # (app/customers/matching.py, name_key).
    name_key: str | None = Field(default=None, max_length=300, index=True)
    short_name_key: str | None = Field(default=None, max_length=200, index=True)
    registration_number: str | None = Field(default=None, max_length=40, index=True)
    vat_number: str | None = Field(default=None, max_length=40)
    street: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    postcode: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2)
    language: str = Field(default="en", max_length=8)
    is_key_customer: bool = False
    notes: str | None = Field(default=None, sa_type=Text)
    # Set on the duplicate a merge emptied: its claims and contacts now belong to that customer.
    merged_into_id: int | None = Field(default=None, foreign_key="customers.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class Contact(SQLModel, table=True):
    """A person who raises claims for a customer (a private person is their own contact)."""

    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    # The name as it reached us; the parts, once someone has entered them, address letters.
    name: str = Field(max_length=300)
    given_name: str | None = Field(default=None, max_length=100)
    patronymic: str | None = Field(default=None, max_length=100)
    surname: str | None = Field(default=None, max_length=100)
    position: str | None = Field(default=None, max_length=200)
    gender: Gender | None = Field(default=None, sa_type=String(8))
    # Lower case; phones in E.164 (app/phones.py): both are what intake matches on.
    email: str | None = Field(default=None, max_length=320, index=True)
    phone: str | None = Field(default=None, max_length=40, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerEvent(SQLModel, table=True):
    """The audit trail of a customer: who changed what, with the values before and after."""

    __tablename__ = "customer_events"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


# ---- schemas -----------------------------------------------------------------------------------


class CustomerIn(InputModel):
    """The customer as a claim brings them: matched to a known contact by email, else by phone,
    else to a known organisation by its name; what differs from the record is kept on the claim
    for a person to confirm."""

    name: str = Field(
        min_length=1,
        max_length=200,
        description="The person who raised the claim",
        schema_extra={"examples": ["Ivan Petrov"]},
    )
    organisation: str | None = Field(
        default=None, max_length=200, schema_extra={"examples": ["SIA Siltums"]}
    )
    email: EmailStr | None = Field(default=None, schema_extra={"examples": ["ivan@siltums.lv"]})
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="Any common notation; stored in E.164, read in CLAIMS_PHONE_DEFAULT_REGION "
        "when it has no country code",
        schema_extra={"examples": ["+371 2000 0000"]},
    )
    language: str | None = Field(
        default=None,
        schema_extra={"pattern": LANGUAGE_PATTERN, "examples": ["lv"]},
        description="ISO 639-1 language for letters (ru, lv, bg, en); when absent, the known "
        "customer's, else the language the claim is written in",
    )


class CustomerSummary(SQLModel):
    id: int
    kind: CustomerKind
    name: str
    short_name: str | None
    language: str
    is_key_customer: bool


class ContactRead(SQLModel):
    id: int
    name: str
    given_name: str | None
    patronymic: str | None
    surname: str | None
    position: str | None
    gender: Gender | None
    email: str | None
    phone: str | None


class Discrepancy(SQLModel):
    """A value the claim carried that differs from the customer record: kept, never dropped,
    until a person confirms one or the other."""

    field: str = Field(schema_extra={"examples": ["organisation"]})
    on_record: str | None = Field(schema_extra={"examples": ["SIA Siltums"]})
    on_claim: str | None = Field(schema_extra={"examples": ["SIA Siltums Serviss"]})


# ---- the customers API ---------------------------------------------------------------------------

COUNTRY_PATTERN = r"^[A-Z]{2}$"
# After spaces are dropped and letters upper-cased: INN 7701234567, LV reg. nr. 40003012345,
# EIK 131234567, VAT LV40003012345.
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9./-]*$"


def _text(value: Any) -> Any:
    """Trimmed; blank is no value."""
    return (value.strip() or None) if isinstance(value, str) else value


def _code(value: Any) -> Any:
    """A registration or VAT number as one compares it: no spaces, upper case."""
    return ("".join(value.split()).upper() or None) if isinstance(value, str) else value


def _country(value: Any) -> Any:
    return (value.strip().upper() or None) if isinstance(value, str) else value


Trimmed = Annotated[str | None, BeforeValidator(_text)]
Code = Annotated[str | None, BeforeValidator(_code)]
Country = Annotated[str | None, BeforeValidator(_country)]
# Required text: trimmed, never blank (a PATCH may leave it out, never clear it).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Address(InputModel):
    """The postal address. In a PATCH, the fields sent replace the stored ones (null clears
    one); `"address": null` clears all four."""

    street: Trimmed = Field(
        default=None, max_length=300, schema_extra={"examples": ["Brīvības iela 100-5"]}
    )
    city: Trimmed = Field(default=None, max_length=120, schema_extra={"examples": ["Rīga"]})
    postcode: Trimmed = Field(default=None, max_length=20, schema_extra={"examples": ["LV-1010"]})
    country: Country = Field(
        default=None,
        description="ISO 3166-1 alpha-2, upper case (lower case is accepted and upper-cased)",
        schema_extra={"pattern": COUNTRY_PATTERN, "examples": ["LV"]},
    )


class AddressRead(SQLModel):
    street: str | None
    city: str | None
    postcode: str | None
    country: str | None = Field(schema_extra={"examples": ["LV"]})


_CONTACT_NAME_DOC = (
    "The full name as it is written; when left out it is built from the parts "
    "(given name, patronymic, surname)"
)


class ContactIn(InputModel):
    """A contact person: the name as written, or its parts, and how to reach them. Give `name`,
    or at least `given_name` or `surname`."""

    name: Trimmed = Field(
        default=None,
        max_length=300,
        description=_CONTACT_NAME_DOC,
        schema_extra={"examples": ["Jānis Ozoliņš"]},
    )
    given_name: Trimmed = Field(default=None, max_length=100, schema_extra={"examples": ["Иван"]})
    patronymic: Trimmed = Field(
        default=None,
        max_length=100,
        description="Where used (Russian, Bulgarian)",
        schema_extra={"examples": ["Сергеевич"]},
    )
    surname: Trimmed = Field(default=None, max_length=100, schema_extra={"examples": ["Петров"]})
    position: Trimmed = Field(
        default=None, max_length=200, schema_extra={"examples": ["Главный инженер"]}
    )
    gender: Gender | None = Field(
        default=None,
        description="The form of address in letters: male (Уважаемый, Godātais … kungs, Mr), "
        "female (Уважаемая, Godātā … kundze, Ms); unknown, the language's neutral form",
    )
    email: EmailStr | None = Field(
        default=None,
        description="Stored in lower case; claims from this address are matched to this contact",
        schema_extra={"examples": ["janis.ozolins@siltums.lv"]},
    )
    phone: Trimmed = Field(
        default=None,
        max_length=40,
        description="Any common notation; stored in E.164, read in CLAIMS_PHONE_DEFAULT_REGION "
        "when it has no country code",
        schema_extra={"examples": ["+371 2000 0000"]},
    )


class ContactUpdate(InputModel):
    """Only the fields sent change; null clears one (not `name`). When a name part changes and
    `name` is not sent, the name is built anew from the parts."""

    name: Name = Field(default=None, max_length=300, description="The full name as it is written")
    given_name: Trimmed = Field(default=None, max_length=100)
    patronymic: Trimmed = Field(default=None, max_length=100)
    surname: Trimmed = Field(default=None, max_length=100)
    position: Trimmed = Field(default=None, max_length=200)
    gender: Gender | None = None
    email: EmailStr | None = Field(default=None, schema_extra={"examples": ["ivan@teploset.ru"]})
    phone: Trimmed = Field(
        default=None,
        max_length=40,
        description="Any common notation; stored in E.164",
        schema_extra={"examples": ["+7 912 000-00-00"]},
    )


_REG_DOC = (
    "The registration number: INN in Russia, the Enterprise Register number in Latvia, EIK in "
    "Bulgaria; spaces are dropped and letters upper-cased"
)
_KEY_DOC = (
    "A key customer's letters are approved by the director, and its claims may have a shorter "
    "acknowledgement target. Only head and director set or clear it"
)
_LANGUAGE_DOC = "ISO 639-1 language of the customer's letters (ru, lv, bg, en)"


class CustomerCreate(InputModel):
    kind: CustomerKind = Field(description="An organisation or a private person")
    name: Name = Field(
        max_length=300,
        description="The legal name of an organisation, or the person's full name",
        schema_extra={"examples": ["SIA Siltums"]},
    )
    short_name: Trimmed = Field(
        default=None,
        max_length=200,
        description="The name people use; claims naming it are matched to this customer",
        schema_extra={"examples": ["Siltums"]},
    )
    registration_number: Code = Field(
        default=None,
        max_length=40,
        description=_REG_DOC,
        schema_extra={"pattern": CODE_PATTERN, "examples": ["40003012345"]},
    )
    vat_number: Code = Field(
        default=None,
        max_length=40,
        description="The VAT number; spaces are dropped and letters upper-cased",
        schema_extra={"pattern": CODE_PATTERN, "examples": ["LV40003012345"]},
    )
    address: Address | None = None
    language: str | None = Field(
        default=None,
        description=_LANGUAGE_DOC + "; CLAIMS_DEFAULT_LANGUAGE when left out",
        schema_extra={"pattern": LANGUAGE_PATTERN, "examples": ["lv"]},
    )
    is_key_customer: bool = Field(default=False, description=_KEY_DOC)
    notes: Trimmed = Field(default=None, max_length=10000)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=50)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "organisation",
                    "name": "SIA Siltums",
                    "short_name": "Siltums",
                    "registration_number": "40003012345",
                    "vat_number": "LV40003012345",
                    "address": {
                        "street": "Brīvības iela 100-5",
                        "city": "Rīga",
                        "postcode": "LV-1010",
                        "country": "LV",
                    },
                    "language": "lv",
                    "contacts": [
                        {
                            "given_name": "Jānis",
                            "surname": "Ozoliņš",
                            "position": "Galvenais inženieris",
                            "gender": "male",
                            "email": "janis.ozolins@siltums.lv",
                            "phone": "+371 2000 0000",
                        }
                    ],
                },
                {
                    "kind": "organisation",
                    "name": "ООО «Теплосеть»",
                    "short_name": "Теплосеть",
                    "registration_number": "7701234567",
                    "address": {
                        "street": "ул. Тверская, д. 1",
                        "city": "Москва",
                        "postcode": "125009",
                        "country": "RU",
                    },
                    "language": "ru",
                    "contacts": [
                        {
                            "given_name": "Иван",
                            "patronymic": "Сергеевич",
                            "surname": "Петров",
                            "position": "Главный инженер",
                            "gender": "male",
                            "email": "petrov@teploset.ru",
                            "phone": "+7 912 000-00-00",
                        }
                    ],
                },
            ]
        }
    }


class CustomerUpdate(InputModel):
    """Only the fields sent change; null clears an optional one. Send `If-Match` with the
    customer's ETag."""

    kind: CustomerKind = Field(default=None)
    name: Name = Field(
        default=None,
        max_length=300,
        description="The legal name of an organisation, or the person's full name",
    )
    short_name: Trimmed = Field(default=None, max_length=200)
    registration_number: Code = Field(
        default=None,
        max_length=40,
        description=_REG_DOC,
        schema_extra={"pattern": CODE_PATTERN, "examples": ["7701234567"]},
    )
    vat_number: Code = Field(default=None, max_length=40, schema_extra={"pattern": CODE_PATTERN})
    address: Address | None = None
    language: str = Field(
        default=None,
        description=_LANGUAGE_DOC,
        schema_extra={"pattern": LANGUAGE_PATTERN, "examples": ["ru"]},
    )
    is_key_customer: bool = Field(default=None, description=_KEY_DOC)
    notes: Trimmed = Field(default=None, max_length=10000)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"is_key_customer": True},
                {"address": {"city": "Jūrmala", "postcode": "LV-2015"}, "notes": None},
            ]
        }
    }


class CustomerClaim(SQLModel):
    number: str = Field(schema_extra={"examples": ["CLM-2026-000123"]})
    state: ClaimState
    received_at: datetime
    title: str | None
    contact_id: int | None = Field(description="The contact who raised it")


class CustomerListItem(SQLModel):
    id: int
    kind: CustomerKind
    name: str = Field(schema_extra={"examples": ["SIA Siltums"]})
    short_name: str | None
    registration_number: str | None
    vat_number: str | None
    address: AddressRead
    language: str
    is_key_customer: bool
    merged_into_id: int | None = Field(
        description="Set when this record was merged into another: that one holds its claims "
        "and contacts now"
    )
    contacts: list[ContactRead]
    version: int
    updated_at: datetime


class CustomerRead(CustomerListItem):
    notes: str | None
    created_at: datetime
    claims: list[CustomerClaim] = Field(
        description=f"The customer's {RECENT_CLAIMS} most recent claims, newest first; "
        "`GET /api/v1/claims?customer_id=N` lists them all"
    )
    claims_total: int = Field(description="How many claims the customer has in all")


class CustomerPage(SQLModel):
    items: list[CustomerListItem]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page")


class CustomerMerge(InputModel):
    duplicate_id: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The duplicate record: its claims and contacts move to this customer, and "
        "it is marked merged",
        schema_extra={"examples": [42]},
    )


class CustomerEventRead(SQLModel):
    id: int
    at: datetime
    actor: str = Field(description="The API key's name")
    action: str = Field(
        description="created, updated, contact_added, contact_updated, merge (on the customer "
        "that absorbed a duplicate), merged_into (on the duplicate)",
        schema_extra={"examples": ["updated"]},
    )
    payload: dict[str, Any] | None = Field(
        description='`changes`: {field: {"before": …, "after": …}}, only the fields that '
        "changed; contact events add `contact_id`, merges the ids and claim numbers that moved",
        schema_extra={
            "examples": [{"changes": {"is_key_customer": {"before": False, "after": True}}}]
        },
    )
