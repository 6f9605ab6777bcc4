"""Corrective actions, suppliers and supplier claims made as rows through the app's session
(their own APIs are other work), for the letters drafted from them."""

import io
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from app.enums import CorrectiveTaskKind, CorrectiveTaskStatus, IshikawaCategory
from app.models.claims import Claim
from app.models.corrective import CorrectiveAction, CorrectiveTask
from app.models.reference import ProductModel
from app.models.suppliers import Supplier, SupplierClaim, SupplierClaimLink, SupplierContact

LETTERS = "/api/v1/letters"


def tag() -> str:
    return uuid.uuid4().hex[:8]


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with whitespace squeezed to single spaces (non-breaking ones too)."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


async def make_corrective(app: Any, *, model_code: str | None = None, **values: Any) -> str:
    """A corrective action with D2 filled, a root cause and two actions; returns its number."""
    number = f"CA-T-{tag()}"
    async with app.state.session_factory() as s:
        model_id = None
        if model_code:
            model_id = (
                await s.execute(select(ProductModel.id).where(ProductModel.code == model_code))
            ).scalar_one()
        row = CorrectiveAction(
            number=number,
            year=2026,
            seq=int(uuid.uuid4().int % 1_000_000_000),
            title="Motor winding failures",
            owner="test-specialist",
            product_model_id=model_id,
            batch="PMP24-07",
            problem={
                "claims": 7,
                "first_received_on": "2026-09-02",
                "last_received_on": "2026-11-20",
                "serial_min": "PMP24-07-0001",
                "serial_max": "PMP24-07-0450",
            },
            root_cause="Insulation class B wire used instead of class F.",
            root_cause_category=IshikawaCategory.material,
            created_by="test-specialist",
            **values,
        )
        s.add(row)
        await s.flush()
        s.add(
            CorrectiveTask(
                corrective_action_id=row.id,
                kind=CorrectiveTaskKind.corrective,
                description="Switch the winding wire to class F",
                owner="I. Petrovs",
                due_date=date(2026, 12, 15),
                status=CorrectiveTaskStatus.in_progress,
            )
        )
        s.add(
            CorrectiveTask(
                corrective_action_id=row.id,
                kind=CorrectiveTaskKind.preventive,
                description="Add the wire class to incoming inspection",
                owner="A. Kalniņa",
                due_date=date(2027, 1, 20),
            )
        )
        await s.commit()
    return number


async def make_supplier_claim(
    app: Any,
    *,
    language: str = "lv",
    claim_numbers: tuple[str, ...] = (),
    evidence: tuple[int, ...] = (),
    contact: dict[str, Any] | None = None,
    amount: str = "4800.00",
) -> str:
    """A draft supplier claim against a new supplier with one contact; returns its number."""
    number = f"SC-T-{tag()}"
    async with app.state.session_factory() as s:
        supplier = Supplier(
            name=f"SIA Motori {tag()}",
            street="Krasta iela 82",
            city="Rīga",
            postcode="LV-1019",
            country="LV",
            language=language,
            supplies="motors",
        )
        s.add(supplier)
        await s.flush()
        person = SupplierContact(
            supplier_id=supplier.id,
            **(
                contact
                or {
                    "name": "Jānis Bērziņš",
                    "given_name": "Jānis",
                    "surname": "Bērziņš",
                    "gender": "male",
                    "position": "valdes loceklis",
                    "email": f"janis.{tag()}@motori.example.lv",
                }
            ),
        )
        s.add(person)
        await s.flush()
        claim = SupplierClaim(
            number=number,
            year=2026,
            seq=int(uuid.uuid4().int % 1_000_000_000),
            supplier_id=supplier.id,
            contact_id=person.id,
            component="Electric motor M-90",
            supplier_reference="Delivery note 2026/0815",
            defect_description="Motor windings burn out after 200 hours of operation.",
            evidence_attachment_ids=list(evidence),
            currency="EUR",
            amount_claimed=Decimal(amount),
            language=language,
            owner="test-specialist",
            created_by="test-specialist",
        )
        s.add(claim)
        await s.flush()
        for claim_number in claim_numbers:
            claim_id = (
                await s.execute(select(Claim.id).where(Claim.number == claim_number))
            ).scalar_one()
            s.add(SupplierClaimLink(supplier_claim_id=claim.id, claim_id=claim_id))
        await s.commit()
    return number


def now() -> datetime:
    return datetime.now(UTC)
