"""Reference data: product models and the sold-units registry."""

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status

from app.catalog import service as catalog
from app.deps import Admin, AnyPrincipal, SessionDep, SettingsDep
from app.errors import PayloadTooLarge, problem_responses
from app.models.reference import (
    ProductModelCreate,
    ProductModelRead,
    ProductModelUpdate,
    UnitCreate,
    UnitImportResult,
    UnitRead,
    UnitUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get(
    "/product-models",
    response_model=list[ProductModelRead],
    summary="List product models",
    responses=problem_responses(401, 403),
)
async def list_models(principal: AnyPrincipal, session: SessionDep) -> list[ProductModelRead]:
    """All product models with their warranty periods."""
    return await catalog.list_models(session)


@router.post(
    "/product-models",
    status_code=201,
    response_model=ProductModelRead,
    summary="Add a product model",
    responses=problem_responses(401, 403, 409, 422),
)
async def create_model(
    principal: Admin, data: ProductModelCreate, session: SessionDep
) -> ProductModelRead:
    """Add a model to the catalogue (admin)."""
    return await catalog.create_model(session, data=data)


@router.get(
    "/product-models/{code}",
    response_model=ProductModelRead,
    summary="Read a product model",
    responses=problem_responses(401, 403, 404),
)
async def get_model(code: str, principal: AnyPrincipal, session: SessionDep) -> ProductModelRead:
    """One model by its code."""
    return await catalog.get_model(session, code)


@router.patch(
    "/product-models/{code}",
    response_model=ProductModelRead,
    summary="Change a product model",
    responses=problem_responses(401, 403, 404, 422),
)
async def update_model(
    code: str, principal: Admin, data: ProductModelUpdate, session: SessionDep
) -> ProductModelRead:
    """Change the name or warranty period (admin)."""
    return await catalog.update_model(session, code=code, data=data)


@router.delete(
    "/product-models/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an unused product model",
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_model(code: str, principal: Admin, session: SessionDep) -> None:
    """Only a model no unit or claim refers to (admin)."""
    await catalog.delete_model(session, code=code)


@router.get(
    "/units",
    response_model=list[UnitRead],
    summary="List registered units",
    responses=problem_responses(401, 403, 422),
)
async def list_units(
    principal: AnyPrincipal,
    session: SessionDep,
    model: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[UnitRead]:
    """Sold units, by serial number."""
    return await catalog.list_units(session, model_code=model, limit=limit, offset=offset)


@router.post(
    "/units",
    status_code=201,
    response_model=UnitRead,
    summary="Register a sold unit",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_unit(principal: Admin, data: UnitCreate, session: SessionDep) -> UnitRead:
    """Add a unit to the sold-units registry (admin)."""
    return await catalog.create_unit(session, data=data)


@router.get(
    "/units/{serial}",
    response_model=UnitRead,
    summary="Read a unit",
    responses=problem_responses(401, 403, 404),
)
async def get_unit(serial: str, principal: AnyPrincipal, session: SessionDep) -> UnitRead:
    """One unit by its serial number."""
    return await catalog.get_unit(session, serial)


@router.patch(
    "/units/{serial}",
    response_model=UnitRead,
    summary="Change a unit",
    responses=problem_responses(401, 403, 404, 422),
)
async def update_unit(
    serial: str, principal: Admin, data: UnitUpdate, session: SessionDep
) -> UnitRead:
    """Dates, owner, contract extension or voiding of the warranty (admin)."""
    return await catalog.update_unit(session, serial=serial, data=data)


@router.post(
    "/units/import",
    response_model=UnitImportResult,
    summary="Import units from CSV",
    responses=problem_responses(401, 403, 413, 422),
)
async def import_units(
    principal: Admin,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[
        UploadFile,
        File(description="CSV with a header row: " + ", ".join(catalog.UNIT_CSV_COLUMNS)),
    ],
    dry_run: Annotated[bool, Query(description="Check without saving")] = False,
) -> UnitImportResult:
    """Upsert units by serial number (comma, semicolon or tab separated; UTF-8 or windows-1251).
    Rows with errors are skipped and listed."""
    content = await file.read(settings.max_units_csv_bytes + 1)
    if len(content) > settings.max_units_csv_bytes:
        raise PayloadTooLarge(f"The CSV is larger than {settings.max_units_csv_bytes} bytes.")
    return await catalog.import_units_csv(session, content=content, dry_run=dry_run)
