"""Product models and the sold-units registry (with its CSV import)."""

import csv
import io
from datetime import datetime
from typing import Any, cast

import anyio
from pydantic import ValidationError
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, NotFound
from app.models.claims import Claim
from app.models.reference import (
    ProductModel,
    ProductModelCreate,
    ProductModelRead,
    ProductModelUpdate,
    Unit,
    UnitCreate,
    UnitImportResult,
    UnitRead,
    UnitUpdate,
)
from app.models.types import utcnow

UNIT_CSV_COLUMNS = (
    "serial_number",
    "model_code",
    "sale_date",
    "commissioning_date",
    "owner_name",
    "warranty_extension_months",
    "warranty_void_reason",
)


async def list_models(session: AsyncSession) -> list[ProductModelRead]:
    rows = (await session.execute(select(ProductModel).order_by(col(ProductModel.code)))).scalars()
    return [ProductModelRead.model_validate(m, from_attributes=True) for m in rows]


# Built once: registration looks a model up by code on every claim without a registered unit.
_MODEL_BY_CODE = select(ProductModel).where(col(ProductModel.code) == bindparam("code"))


async def find_model(session: AsyncSession, code: str) -> ProductModel | None:
    return (await session.execute(_MODEL_BY_CODE, {"code": code})).scalar_one_or_none()


async def _model_by_code(session: AsyncSession, code: str) -> ProductModel:
    model = await find_model(session, code)
    if model is None:
        raise NotFound(f"Product model {code} does not exist.")
    return model


async def get_model(session: AsyncSession, code: str) -> ProductModelRead:
    return ProductModelRead.model_validate(
        await _model_by_code(session, code), from_attributes=True
    )


async def create_model(session: AsyncSession, *, data: ProductModelCreate) -> ProductModelRead:
    model = ProductModel(**data.model_dump(exclude={"names"}), names=data.names or None)
    session.add(model)
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"Product model {data.code} already exists.") from exc
    return ProductModelRead.model_validate(model, from_attributes=True)


async def update_model(
    session: AsyncSession, *, code: str, data: ProductModelUpdate
) -> ProductModelRead:
    model = await _model_by_code(session, code)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            # `{}` removes the names: letters then print `name` in every language.
            setattr(model, key, (value or None) if key == "names" else value)
    await session.commit()
    return ProductModelRead.model_validate(model, from_attributes=True)


async def delete_model(session: AsyncSession, *, code: str) -> None:
    model = await _model_by_code(session, code)
    in_use = (
        await session.execute(
            select(func.count()).select_from(Unit).where(col(Unit.product_model_id) == model.id)
        )
    ).scalar_one() + (
        await session.execute(
            select(func.count()).select_from(Claim).where(col(Claim.product_model_id) == model.id)
        )
    ).scalar_one()
    if in_use:
        raise Conflict(f"Product model {code} is used by units or claims and cannot be deleted.")
    await session.delete(model)
    await session.commit()


def _unit_read(unit: Unit, model_code: str) -> UnitRead:
    return UnitRead(
        **unit.model_dump(exclude={"product_model_id", "created_at", "updated_at"}),
        model_code=model_code,
    )


async def _unit_with_code(session: AsyncSession, serial: str) -> tuple[Unit, str]:
    row = (
        await session.execute(
            select(Unit, col(ProductModel.code))
            .join(ProductModel, col(Unit.product_model_id) == col(ProductModel.id))
            .where(col(Unit.serial_number) == serial)
        )
    ).first()
    if row is None:
        raise NotFound(f"Unit {serial} is not in the registry.")
    return row[0], row[1]


async def get_unit(session: AsyncSession, serial: str) -> UnitRead:
    return _unit_read(*await _unit_with_code(session, serial))


async def list_units(
    session: AsyncSession, *, model_code: str | None, limit: int, offset: int
) -> list[UnitRead]:
    stmt = select(Unit, col(ProductModel.code)).join(
        ProductModel, col(Unit.product_model_id) == col(ProductModel.id)
    )
    if model_code:
        stmt = stmt.where(col(ProductModel.code) == model_code)
    rows = await session.execute(stmt.order_by(col(Unit.serial_number)).limit(limit).offset(offset))
    return [_unit_read(unit, code) for unit, code in rows.all()]


async def create_unit(session: AsyncSession, *, data: UnitCreate) -> UnitRead:
    model = await _model_by_code(session, data.model_code)
    assert model.id is not None  # a loaded row
    unit = Unit(**data.model_dump(exclude={"model_code"}), product_model_id=model.id)
    session.add(unit)
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"Unit {data.serial_number} is already registered.") from exc
    return _unit_read(unit, model.code)


async def update_unit(session: AsyncSession, *, serial: str, data: UnitUpdate) -> UnitRead:
    unit, code = await _unit_with_code(session, serial)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None and key == "warranty_extension_months":
            continue  # null clears the nullable fields; this one has no "unknown"
        setattr(unit, key, value)
    unit.updated_at = utcnow()
    await session.commit()
    return _unit_read(unit, code)


# Rows per statement of the import: the event loop gets a turn between statements, and a
# serial lookup stays far below the drivers' limit on bound parameters (32,767 on asyncpg).
_IMPORT_CHUNK = 500


def _read_units_csv(
    content: bytes, models: dict[str, int], now: datetime
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The rows as unit column values by serial, and the rejected rows. Pure CPU work (a
    10 MB file is seconds of it): run in a thread, off the event loop."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1251", errors="replace")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
        fieldnames = reader.fieldnames or []
        rows = list(reader)
    except csv.Error as exc:
        return {}, [f"file: not a readable CSV ({exc})"]
    missing = {"serial_number", "model_code"} - set(fieldnames)
    if missing:
        return {}, [f"header: missing column(s) {', '.join(sorted(missing))}"]
    parsed: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for line_no, row in enumerate(rows, start=2):
        cleaned = {
            k: (v.strip() or None) if isinstance(v, str) else v
            for k, v in row.items()
            if k in UNIT_CSV_COLUMNS
        }
        if cleaned.get("warranty_extension_months") is None:
            cleaned.pop("warranty_extension_months", None)
        try:
            unit = UnitCreate.model_validate(cleaned)
        except ValidationError as exc:
            fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            errors.append(f"row {line_no}: {fields}")
            continue
        if unit.model_code not in models:
            errors.append(f"row {line_no}: unknown model_code {unit.model_code}")
            continue
        values = unit.model_dump(exclude={"model_code"})
        values.update(product_model_id=models[unit.model_code], updated_at=now)
        parsed[unit.serial_number] = values
    return parsed, errors


async def import_units_csv(
    session: AsyncSession, *, content: bytes, dry_run: bool
) -> UnitImportResult:
    """Upsert units by serial number. Rows with errors are reported and skipped."""
    models = {m.code: m.id for m in (await session.execute(select(ProductModel))).scalars()}
    if session.in_transaction():
        await session.rollback()  # no transaction (SQLite: no write lock) held while reading
    assert all(model_id is not None for model_id in models.values())
    now = utcnow()
    parsed, errors = await anyio.to_thread.run_sync(
        _read_units_csv, content, cast(dict[str, int], models), now
    )
    serials = list(parsed)
    existing: dict[str, int] = {}
    for i in range(0, len(serials), _IMPORT_CHUNK):
        found = await session.execute(
            select(col(Unit.serial_number), col(Unit.id)).where(
                col(Unit.serial_number).in_(serials[i : i + _IMPORT_CHUNK])
            )
        )
        existing.update({serial: unit_id for serial, unit_id in found.all()})
    # Bulk statements, not the unit of work: thousands of ORM objects are seconds of CPU on
    # the event loop.
    inserts = [{**v, "created_at": now} for k, v in parsed.items() if k not in existing]
    updates = [{**v, "id": existing[k]} for k, v in parsed.items() if k in existing]
    if dry_run:
        await session.rollback()
        return UnitImportResult(created=len(inserts), updated=len(updates), errors=errors)
    for i in range(0, len(inserts), _IMPORT_CHUNK):
        await session.execute(insert(Unit), inserts[i : i + _IMPORT_CHUNK])
    for i in range(0, len(updates), _IMPORT_CHUNK):
        await session.execute(update(Unit), updates[i : i + _IMPORT_CHUNK])
    await session.commit()
    return UnitImportResult(created=len(inserts), updated=len(updates), errors=errors)
