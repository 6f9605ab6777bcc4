"""The 8D report (issue 19, part 5) through the real app on the real database: the JSON built
from real rows (claims through the claims API, the corrective action and its tasks as rows),
the PDF in ru, lv, bg and en read back with pypdf (section titles, Ishikawa category and the
record's facts in the language asked for, PDF/A markers), a signed PDF, roles and refusals."""

import io
import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlmodel import col

from app.auth.api_keys import create_key
from app.enums import CorrectiveState, CorrectiveTaskKind, CorrectiveTaskStatus, Role
from app.l10n import format_date
from app.models.claims import Claim
from app.models.customers import Customer
from app.models.reference import ProductModel
from tests.api.test_letter_signatures import dev_cert, signing_client  # noqa: F401
from tests.corrective_data import make_action

BASE = "/api/v1/corrective-actions"
TODAY = date.today()
READERS = (Role.head, Role.specialist, Role.design, Role.director, Role.auditor)
REFUSED = (Role.intake, Role.service, Role.admin)


async def _set_country(app: Any, number: str, country: str, name: str) -> None:
    async with app.state.session_factory() as s:
        customer_id = (
            await s.execute(select(col(Claim.customer_id)).where(col(Claim.number) == number))
        ).scalar_one()
        await s.execute(
            update(Customer)
            .where(col(Customer.id) == customer_id)
            .values(country=country, name=name)
        )
        await s.commit()


@pytest.fixture
async def record(app: Any, new_claim: Any) -> dict[str, Any]:
    """A corrective action in `verifying` with two linked claims (LV and BG customers), a
    team, five whys, a root cause in the `material` category, tasks of every kind (one
    overdue) and effectiveness figures."""
    tag = uuid.uuid4().hex[:6].upper()
    async with app.state.session_factory() as s:
        model = ProductModel(code=f"PMP-8D-{tag}", name="Circulation pump", warranty_months=24)
        s.add(model)
        await s.commit()
        model_id = model.id
    first = await new_claim(
        product={"model_code": f"PMP-8D-{tag}", "serial_number": f"PMP8D-{tag}-0017"},
        defect_description="The pump leaks at the shaft seal after two weeks.",
    )
    second = await new_claim(
        product={"model_code": f"PMP-8D-{tag}", "serial_number": f"PMP8D-{tag}-0042"},
        defect_description="Water under the pump; the seal is worn.",
    )
    async with app.state.session_factory() as s:
        await create_key(s, name=f"ca-design-{tag}", roles=[Role.design], full_name="Jānis Ozols")
    await _set_country(app, first["number"], "LV", f"SIA Siltums {tag}")
    await _set_country(app, second["number"], "BG", f"Термо ООД {tag}")
    ca = await make_action(
        app,
        claims=[first["number"], second["number"]],
        title=f"Shaft seal leaks {tag}",
        state=CorrectiveState.verifying,
        owner="test-head",
        product_model_id=model_id,
        batch=f"PMP8D-{tag}",
        team=[
            {"name": "Anna Kalniņa", "role": "leader", "function": "Quality"},
            {"name": "Ivan Petrov", "role": "member", "function": "Design"},
        ],
        problem={"kind": "model", "claims": 2},
        problem_statement=f"Seal leaks within a month of commissioning {tag}.",
        root_cause_whys=["Seal wears out", "Wrong elastomer", "Supplier changed compound"],
        root_cause_category="material",
        root_cause=f"The supplier's new NBR compound is not rated for 90 °C {tag}.",
        purchased_component="Shaft seal 22 mm",
        fix_effective_on=TODAY - timedelta(days=60),
        fix_first_serial=f"PMP8D-{tag}-0100",
        effectiveness_due_on=TODAY,
        effectiveness={"rate_before": 0.042, "rate_after": 0.005, "claims_before": 21},
        tasks=[
            {
                "kind": CorrectiveTaskKind.containment,
                "description": f"Quarantine seals in stock {tag}",
                "owner": "test-specialist",
                "due_date": TODAY - timedelta(days=30),
                "status": CorrectiveTaskStatus.done,
                "done_on": TODAY - timedelta(days=31),
            },
            {
                "kind": CorrectiveTaskKind.corrective,
                "description": f"Switch to FKM seals {tag}",
                "owner": f"ca-design-{tag}",
                "due_date": TODAY - timedelta(days=3),
                "status": CorrectiveTaskStatus.in_progress,
            },
            {
                "kind": CorrectiveTaskKind.preventive,
                "description": f"Add compound to incoming inspection {tag}",
                "owner": "test-head",
                "due_date": TODAY + timedelta(days=30),
            },
        ],
    )
    return {"ca": ca, "tag": tag, "claims": [first, second]}


async def test_json_report_is_built_from_the_rows(client, auth, record) -> None:
    ca, tag = record["ca"], record["tag"]
    response = await client.get(f"{BASE}/{ca.number}/report", headers=auth(Role.auditor))
    assert response.status_code == 200, response.text
    r = response.json()
    assert r["header"]["number"] == ca.number and r["header"]["state"] == "verifying"
    assert r["header"]["product_model"] == f"PMP-8D-{tag}"
    assert r["header"]["batch"] == f"PMP8D-{tag}" and r["header"]["owner"] == "test-head"
    assert [m["name"] for m in r["d1_team"]] == ["Anna Kalniņa", "Ivan Petrov"]
    d2 = r["d2_problem"]
    assert d2["recorded"] == {"kind": "model", "claims": 2} and d2["claims"] == 2
    assert d2["countries"] == ["BG", "LV"]
    assert (d2["serial_min"], d2["serial_max"]) == (f"PMP8D-{tag}-0017", f"PMP8D-{tag}-0042")
    assert d2["first_received_on"] == TODAY.isoformat() or d2["first_received_on"]
    assert "The pump leaks at the shaft seal after two weeks." in d2["symptoms"]
    [containment] = r["d3_containment"]
    assert containment["status"] == "done" and containment["overdue"] is False
    assert r["d4_root_cause"]["category"] == "material"
    assert r["d4_root_cause"]["whys"][1] == "Wrong elastomer"
    [corrective] = r["d5_corrective"]
    assert corrective["overdue"] is True and corrective["owner"] == f"ca-design-{tag}"
    assert corrective["owner_name"] == "Jānis Ozols"  # from the owner's key
    assert r["header"]["owner_name"] is None  # test-head's key has no full name
    d6 = r["d6_implementation"]
    assert (d6["rate_before"], d6["rate_after"]) == (0.042, 0.005)
    assert d6["fix_first_serial"] == f"PMP8D-{tag}-0100" and d6["result"] is None
    assert [t["description"] for t in r["d7_preventive"]] == [
        f"Add compound to incoming inspection {tag}"
    ]
    assert r["d8_closure"]["closed_at"] is None
    assert sorted(c["number"] for c in r["claims"]) == sorted(c["number"] for c in record["claims"])
    assert {c["customer"] for c in r["claims"]} == {f"SIA Siltums {tag}", f"Термо ООД {tag}"}


async def test_figures_are_read_defensively(app, client, auth) -> None:
    ca = await make_action(
        app,
        state=CorrectiveState.effective,
        effectiveness={"rate_before": "a lot", "rate_after": True},
        team=["Anna", {"role": "no name"}],
        root_cause_whys=["", "Why 2"],
    )
    r = (await client.get(f"{BASE}/{ca.number}/report", headers=auth(Role.head))).json()
    d6 = r["d6_implementation"]
    assert (d6["rate_before"], d6["rate_after"], d6["result"]) == (None, None, "effective")
    assert [m["name"] for m in r["d1_team"]] == ["Anna"]
    assert r["d4_root_cause"]["whys"] == ["Why 2"]
    assert r["claims"] == [] and r["d2_problem"]["claims"] == 0


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join((page.extract_text() or "") for page in reader.pages).replace("\u00a0", " ")


def xmp(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


EXPECTED = {
    "ru": ["Отчёт 8D", "Сдерживающие меры", "Коренная причина", "диаграмме Исикавы", "Материал",
           "Предупреждающие действия", "Связанные рекламации", "Латвия", "Болгария", "Проверка результативности"],
    "lv": ["8D ziņojums", "Pagaidu pasākumi", "Pamatcēlonis", "Išikavas", "Materiāls",
           "Preventīvās darbības", "Saistītās reklamācijas", "Latvija", "Bulgārija"],
    "bg": ["Доклад 8D", "Ограничаващи мерки", "Коренна причина", "Ишикава", "Материал",
           "Превантивни действия", "Свързани рекламации", "Латвия", "България"],
    "en": ["8D report", "Containment actions", "Root cause", "Ishikawa category", "Material",
           "Preventive actions", "Linked claims", "Latvia", "Bulgaria"],
}  # fmt: skip
# The claim rate per 100 units, written with the language's decimal mark.
RATES = {"ru": "4,2", "lv": "4,2", "bg": "4,2", "en": "4.2"}


@pytest.mark.parametrize("lang", sorted(EXPECTED))
async def test_pdf_in_each_language(client, auth, record, lang) -> None:
    ca, tag = record["ca"], record["tag"]
    response = await client.get(
        f"{BASE}/{ca.number}/report.pdf", params={"language": lang}, headers=auth(Role.director)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-language"] == lang
    text = pdf_text(response.content)
    flat = " ".join(text.split())
    for words in EXPECTED[lang]:
        assert words in flat, (lang, words)
    # The record's facts, as the rows hold them.
    for fact in (ca.number, f"Switch to FKM seals {tag}", f"PMP8D-{tag}-0100", "Anna Kalniņa",
                 f"SIA Siltums {tag}", "Wrong elastomer", RATES[lang], "Jānis Ozols"):  # fmt: skip
        assert fact in flat, (lang, fact)
    for claim in record["claims"]:
        assert claim["number"] in flat
    # Dates in the language's own form, never ISO.
    assert format_date(TODAY - timedelta(days=3), lang) in flat
    assert not re.search(r"\d{4}-\d{2}-\d{2}", flat.replace(ca.number, ""))
    # Archival: PDF/A-3b, naming the record, its claims and the language.
    packet = xmp(response.content)
    assert re.search(r'pdfaid:part(="|>)3', packet) and re.search(
        r'pdfaid:conformance(="|>)B', packet
    )
    assert ca.number in packet and record["claims"][0]["number"] in packet
    assert f"<rdf:li>{lang}</rdf:li>" in packet


async def test_pdf_defaults_to_the_company_language(app, client, auth, record) -> None:
    original = app.state.settings
    app.state.settings = original.model_copy(update={"letter_default_language": "lv"})
    try:
        response = await client.get(
            f"{BASE}/{record['ca'].number}/report.pdf", headers=auth(Role.specialist)
        )
    finally:
        app.state.settings = original
    assert response.status_code == 200 and response.headers["content-language"] == "lv"
    assert "8D ziņojums" in pdf_text(response.content)


async def test_unknown_language_is_422_naming_it(client, auth, record) -> None:
    response = await client.get(
        f"{BASE}/{record['ca'].number}/report.pdf",
        params={"language": "de"},
        headers=auth(Role.head),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["query.language"]


@pytest.mark.parametrize("suffix", ["report", "report.pdf"])
async def test_unknown_record_is_404(client, auth, suffix) -> None:
    response = await client.get(f"{BASE}/CA-1999-999999/{suffix}", headers=auth(Role.auditor))
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")


@pytest.mark.parametrize("suffix", ["report", "report.pdf"])
async def test_roles(app, client, auth, suffix) -> None:
    ca = await make_action(app)
    url = f"{BASE}/{ca.number}/{suffix}"
    for role in READERS if suffix == "report" else (Role.design,):
        assert (await client.get(url, headers=auth(role))).status_code == 200, role
    for role in REFUSED:
        refused = await client.get(url, headers=auth(role))
        assert refused.status_code == 403, role
    assert (await client.get(url)).status_code == 401
    # The role is checked before the record is looked up, and before the language.
    assert (
        await client.get(f"{BASE}/CA-1999-999999/{suffix}", headers=auth(Role.intake))
    ).status_code == 403
    assert (await client.get(f"{url}?language=xx", headers=auth(Role.intake))).status_code == 403


async def test_signed_with_the_company_certificate(
    signing_client,  # noqa: F811
    auth,
    record,
    dev_cert,  # noqa: F811
) -> None:
    ca = record["ca"]
    response = await signing_client.get(
        f"{BASE}/{ca.number}/report.pdf", params={"language": "ru"}, headers=auth(Role.head)
    )
    assert response.status_code == 200, response.text
    reader = PdfFileReader(io.BytesIO(response.content))
    [embedded] = reader.embedded_signatures
    status = await async_validate_pdf_signature(
        embedded,
        signer_validation_context=ValidationContext(
            trust_roots=[load_cert_from_pemder(str(dev_cert.ca_pem))]
        ),
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.sig_object["/Reason"] == f"Отчёт 8D {ca.number}"
    # The visible box sits where the report's layout reserved it.
    widget = embedded.sig_field["/Kids"][0] if "/Kids" in embedded.sig_field else embedded.sig_field
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert x2 - x1 > 150 and y2 - y1 > 40
    assert re.search(r'pdfaid:part(="|>)3', xmp(response.content))
