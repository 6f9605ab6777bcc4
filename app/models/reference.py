"""Reference data: product models and the sold-units registry."""

from datetime import date, datetime
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import InputModel
from app.models.types import JSONType, UTCDateTime, utcnow

# A model's name per letter language: {"lv": "Cirkulācijas sūknis PMP-200", "ru": ...}.
ModelNames = dict[
    Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")],
    Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)],
]
NAMES_DESCRIPTION = (
    "The model's name per language (ISO 639-1 code: name), as letters in that language print "
    "it; a language without one uses `name`"
)
NAMES_EXAMPLE = {
    "en": "Circulation pump PMP-200",
    "lv": "Cirkulācijas sūknis PMP-200",
    "ru": "Циркуляционный насос PMP-200",
    "bg": "Циркулационна помпа PMP-200",
}


class ProductModelBase(InputModel):
    code: str = Field(
        max_length=64,
        description="Catalogue code of the model",
        schema_extra={"examples": ["PMP-200"]},
    )
    name: str = Field(max_length=200, schema_extra={"examples": ["Circulation pump PMP-200"]})
    names: ModelNames | None = Field(
        default=None,
        sa_type=JSONType,
        description=NAMES_DESCRIPTION,
        schema_extra={"examples": [NAMES_EXAMPLE]},
    )
    warranty_months: int = Field(
        default=24, ge=0, le=240, description="Standard warranty period from sale or commissioning"
    )


class ProductModel(ProductModelBase, table=True):
    __tablename__ = "product_models"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProductModelCreate(ProductModelBase):
    pass


class ProductModelUpdate(InputModel):
    name: str | None = Field(default=None, max_length=200)
    names: ModelNames | None = Field(
        default=None,
        description=NAMES_DESCRIPTION + "; replaces the names given before, `{}` removes them",
    )
    warranty_months: int | None = Field(default=None, ge=0, le=240)


class ProductModelRead(ProductModelBase):
    id: int


class UnitBase(InputModel):
    serial_number: str = Field(
        min_length=1, max_length=64, schema_extra={"examples": ["PMP200-2025-001234"]}
    )
    sale_date: date | None = Field(default=None, description="Date of sale to the customer")
    commissioning_date: date | None = Field(
        default=None, description="Commissioning date; the warranty runs from it when set"
    )
    owner_name: str | None = Field(default=None, max_length=200)
    warranty_extension_months: int = Field(
        default=0, ge=0, le=240, description="Extra months granted by contract"
    )
    warranty_void_reason: str | None = Field(
        default=None, max_length=500, description="Set when the customer broke the operating rules"
    )


class Unit(UnitBase, table=True):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("serial_number", name="uq_units_serial_number"),)

    id: int | None = Field(default=None, primary_key=True)
    product_model_id: int = Field(foreign_key="product_models.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UnitCreate(UnitBase):
    model_code: str = Field(max_length=64, schema_extra={"examples": ["PMP-200"]})


class UnitUpdate(InputModel):
    sale_date: date | None = None
    commissioning_date: date | None = None
    owner_name: str | None = Field(default=None, max_length=200)
    warranty_extension_months: int | None = Field(default=None, ge=0, le=240)
    warranty_void_reason: str | None = Field(default=None, max_length=500)


class UnitRead(UnitBase):
    id: int
    model_code: str


class UnitImportResult(SQLModel):
    created: int
    updated: int
    errors: list[str] = Field(description="One line per rejected row: `row N: reason`")
