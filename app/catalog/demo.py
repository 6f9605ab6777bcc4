"""Demo reference data for trying the service in /docs."""

from datetime import date

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.reference import ProductModel, Unit

# Code, name, warranty months, and the name per letter language.
MODELS = [
    (
        "PMP-200",
        "Circulation pump PMP-200",
        24,
        {
            "en": "Circulation pump PMP-200",
            "lv": "Cirkulācijas sūknis PMP-200",
            "ru": "Циркуляционный насос PMP-200",
            "bg": "Циркулационна помпа PMP-200",
        },
    ),
    (
        "BLR-35",
        "Gas boiler BLR-35",
        36,
        {
            "en": "Gas boiler BLR-35",
            "lv": "Gāzes katls BLR-35",
            "ru": "Газовый котёл BLR-35",
            "bg": "Газов котел BLR-35",
        },
    ),
    (
        "VNT-12",
        "Ventilation unit VNT-12",
        12,
        {
            "en": "Ventilation unit VNT-12",
            "lv": "Ventilācijas iekārta VNT-12",
            "ru": "Вентиляционная установка VNT-12",
            "bg": "Вентилационен агрегат VNT-12",
        },
    ),
]
UNITS = [
    ("PMP200-2025-001234", "PMP-200", date(2025, 5, 14), None, 0, None),
    ("PMP200-2022-000077", "PMP-200", date(2022, 3, 1), None, 0, None),
    ("BLR35-2024-000310", "BLR-35", date(2024, 1, 20), date(2024, 2, 10), 12, None),
    ("VNT12-2025-000042", "VNT-12", date(2025, 9, 1), None, 0, "Installed outdoors, unprotected"),
]


async def seed_demo(session: AsyncSession) -> str:
    existing = set((await session.execute(select(col(ProductModel.code)))).scalars())
    models = {}
    for code, name, months, names in MODELS:
        if code not in existing:
            session.add(ProductModel(code=code, name=name, names=names, warranty_months=months))
    await session.flush()
    for model in (await session.execute(select(ProductModel))).scalars():
        models[model.code] = model.id
    serials = set((await session.execute(select(col(Unit.serial_number)))).scalars())
    added = 0
    for serial, code, sold, commissioned, extension, void in UNITS:
        if serial not in serials:
            session.add(
                Unit(
                    serial_number=serial,
                    product_model_id=models[code],
                    sale_date=sold,
                    commissioning_date=commissioned,
                    warranty_extension_months=extension,
                    warranty_void_reason=void,
                    owner_name="Demo customer",
                )
            )
            added += 1
    await session.commit()
    return f"demo data ready: {len(MODELS)} models, {added} new units"
