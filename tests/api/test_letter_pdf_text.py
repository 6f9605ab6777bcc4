"""The issued PDFs read as a claims department would sign them (issue 15, item 12): a claim run
end to end through the real API in each language, every issued letter's text extracted from its
PDF, checked for the salutation, the addressee block, the facts the workflow carried in, and the
absence of placeholders, "(ая)", doubled words, ISO dates and stray Cyrillic."""

import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from app.enums import Action as A
from app.enums import Role
from app.letters.dates import format_date
from app.models.claims import Claim
from app.models.customers import Contact, Customer
from tests.api.workflow_support import Flow, make_unit

SP, HD, DS, SV = Role.specialist, Role.head, Role.design, Role.service
LETTERS = "/api/v1/letters"
TODAY = date.today()
DUE = TODAY + timedelta(days=14)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Any bracketed gap: "[заполнить]", "[jāaizpilda]", "[to be completed]", "[за попълване]".
PLACEHOLDER = re.compile(r"\[[^\]]*\]")
# A gendered ending left for the reader to choose: "Уважаемый(ая)", "получил(а)", "Godātais(ā)".
GENDER_SLOT = re.compile(r"\w?\s?\((?:ая|а|ий|ый|я|ое|ā|ais)\)")
DOUBLED = re.compile(r"(?<![\w])([^\W\d_]+)\s+\1(?![\w])", re.IGNORECASE)
CYRILLIC = re.compile(r"\S*[\u0400-\u04ff]+\S*")
# The polite "Вы" is capitalised throughout a Russian business letter.
LOWER_VY = re.compile(r"(?<![\w])(вы|вас|вам|вами|ваш\w*)(?![\w])")


@dataclass
class Lang:
    """One language's customer and what its letters must say to them."""

    contact: dict[str, Any]
    organisation: str
    address: dict[str, str]
    salutation: str
    addressee: list[str]
    questions: str
    findings: str
    analysis: str
    recommendations: str
    reason: str
    act_number: str
    cost: str


LANGS: dict[str, Lang] = {
    "ru": Lang(
        contact={
            "name": "Петров Иван Сергеевич",
            "given_name": "Иван",
            "patronymic": "Сергеевич",
            "surname": "Петров",
            "position": "Главный инженер-механик",
            "gender": "male",
        },
        organisation="АО «Северная верфь»",
        address={"street": "ул. Корабельная, 6", "postcode": "198096", "city": "Санкт-Петербург"},
        salutation="Уважаемый Иван Сергеевич!",
        addressee=["Главному инженеру-механику", "И. С. Петрову", "ул. Корабельная, 6"],
        questions="Фотография заводской таблички",
        findings="Обмотка статора сгорела.",
        analysis="Питание подано 36 В вместо 24 В.",
        recommendations="Подключать только к сети 24 В.",
        reason="Корпус треснул, ремонт нецелесообразен.",
        act_number="АО-117/2026",
        cost="85 000",
    ),
    "lv": Lang(
        contact={
            "name": "Jānis Bērziņš",
            "given_name": "Jānis",
            "surname": "Bērziņš",
            "position": "galvenais inženieris",
            "gender": "male",
        },
        organisation="SIA «Ziemeļu Vējš»",
        address={"street": "Krasta iela 82", "postcode": "LV-1019", "city": "Rīga"},
        salutation="Godātais Bērziņa kungs!",
        addressee=["J. Bērziņam", "Krasta iela 82"],
        questions="Datu plāksnītes fotoattēls",
        findings="Statora tinums izdedzis.",
        analysis="Pieslēgts 36 V spriegums 24 V vietā.",
        recommendations="Pieslēgt tikai 24 V tīklam.",
        reason="Korpuss ieplaisājis, remonts nav lietderīgs.",
        act_number="AA-117/2026",
        cost="85 000",
    ),
    "en": Lang(
        contact={
            "name": "John Smith",
            "given_name": "John",
            "surname": "Smith",
            "position": "Chief Engineer",
            "gender": "male",
        },
        organisation="Northern Yard Ltd",
        address={"street": "12 Dock Road", "postcode": "SO14 3GG", "city": "Southampton"},
        salutation="Dear Mr Smith,",
        addressee=["Mr John Smith", "12 Dock Road"],
        questions="Photo of the rating plate",
        findings="Stator winding burnt.",
        analysis="Supplied with 36 V instead of 24 V.",
        recommendations="Connect to a 24 V supply only.",
        reason="Housing cracked, repair not worthwhile.",
        act_number="IA-117/2026",
        cost="85,000",
    ),
    "bg": Lang(
        contact={
            "name": "Георги Димитров",
            "given_name": "Георги",
            "surname": "Димитров",
            "position": "Главен инженер",
            "gender": "male",
        },
        organisation="„Черноморски корабостроителници“ АД",
        address={"street": "ул. Пристанищна 3", "postcode": "9000", "city": "Варна"},
        salutation="Уважаеми господин Димитров,",
        addressee=["Димитров", "ул. Пристанищна 3"],
        questions="Снимка на фабричната табелка",
        findings="Намотката на статора е изгоряла.",
        analysis="Подадено е захранване 36 V вместо 24 V.",
        recommendations="Свързвайте само към мрежа 24 V.",
        reason="Корпусът е напукан, ремонтът е нецелесъобразен.",
        act_number="КП-117/2026",
        cost="85 000",
    ),
}

LANG_PARAMS = list(LANGS)


def flat(text: str) -> str:
    """Extracted text with every kind of space and line break as one plain space."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def defects(text: str, lang: str, customer_wrote: str = "") -> list[str]:
    """What no issued letter may contain, in any language."""
    found = [f"placeholder {m}" for m in PLACEHOLDER.findall(text)]
    found += [f"gender slot {m}" for m in GENDER_SLOT.findall(text)]
    found += [f"doubled {m.group(0)!r}" for m in DOUBLED.finditer(text)]
    found += [f"ISO date {m}" for m in ISO_DATE.findall(text)]
    if lang in ("lv", "en"):
        rest = text.replace(customer_wrote, "") if customer_wrote else text
        found += [f"Cyrillic in {m!r}" for m in CYRILLIC.findall(rest)]
    if lang == "ru":
        found += [f"lowercase {m}" for m in LOWER_VY.findall(text)]
    return found


async def start(client: Any, auth: Any, app: Any, lang: str, *, expired: bool = False) -> Flow:
    """A claim from a named contact at an organisation with a postal address."""
    spec = LANGS[lang]
    sale = date(2020, 1, 1) if expired else TODAY - timedelta(days=100)
    code, serial = await make_unit(client, auth, sale_date=sale, months=12 if expired else 24)
    tag = uuid.uuid4().hex[:8]
    response = await client.post(
        "/api/v1/claims",
        json={
            "channel": "web",
            "customer": {
                "name": spec.contact["name"],
                "organisation": spec.organisation,
                "email": f"{tag}@example.lv",
                "language": lang,
            },
            "product": {"model_code": code, "serial_number": serial},
            "defect_description": "The unit does not switch on.",
        },
        headers=auth(Role.intake),
    )
    assert response.status_code == 201, response.text
    claim = response.json()
    async with app.state.session_factory() as s:
        customer_id, contact_id = (
            await s.execute(
                select(Claim.customer_id, Claim.contact_id).where(Claim.number == claim["number"])
            )
        ).one()
        await s.execute(update(Contact).where(Contact.id == contact_id).values(**spec.contact))
        await s.execute(update(Customer).where(Customer.id == customer_id).values(**spec.address))
        await s.commit()
    return Flow(client, auth, claim)


async def issued_text(flow: Flow, letter_id: int, **fields: str) -> str:
    """Fill what is asked, take the letter through sign-off and issue it; its PDF's text."""
    client, auth = flow.client, flow.auth
    if fields:
        edited = await client.patch(
            f"{LETTERS}/{letter_id}", json={"fields": fields}, headers=auth(SP)
        )
        assert edited.status_code == 200, edited.text
    for action, role in (("submit", SP), ("approve", HD), ("issue", SP)):
        response = await client.post(f"{LETTERS}/{letter_id}/{action}", headers=auth(role))
        assert response.status_code == 200, (action, response.text)
    pdf = await client.get(f"{LETTERS}/{letter_id}/pdf", headers=auth(Role.auditor))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # Issuing is on the claim's timeline: the flow goes on from the claim's new version.
    flow.version = (await flow.read())["version"]
    out = flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages))
    return out


def addressed(text: str, lang: str) -> None:
    spec = LANGS[lang]
    assert spec.salutation in text, text
    for line in spec.addressee:
        assert line in text, (line, text)
    assert spec.organisation in text, text


@pytest.mark.parametrize("lang", LANG_PARAMS)
async def test_a_claim_repaired_at_the_plant_reads_clean(client, auth, app, lang) -> None:
    spec = LANGS[lang]
    flow = await start(client, auth, app, lang)
    texts: dict[str, str] = {}

    created = await client.post(
        f"/api/v1/claims/{flow.number}/letters",
        json={"kind": "acknowledgement"},
        headers=auth(SP),
    )
    assert created.status_code == 201, created.text
    texts["acknowledgement"] = await issued_text(flow, created.json()["id"])
    assert flow.number in texts["acknowledgement"]

    done = await flow.act(
        A.request_info, SP, {"questions": spec.questions, "response_due": DUE.isoformat()}
    )
    texts["information_request"] = text = await issued_text(flow, done["letter_id"])
    assert spec.questions in text and flat(format_date(DUE, lang)) in text

    await flow.act(A.customer_info_received, SP)
    await flow.act(A.refer_to_design, SP)
    done = await flow.act(
        A.answer_referral,
        DS,
        {"cause": "misuse", "analysis": spec.analysis, "recommendations": spec.recommendations},
    )
    texts["explanation"] = text = await issued_text(flow, done["letter_id"])
    assert spec.analysis in text and spec.recommendations in text

    await flow.act(A.report_not_helped, SP)
    await flow.act(A.choose_remedy, HD, {"kind": "return_to_plant"})
    await flow.act(A.unit_received, SV)
    done = await flow.act(
        A.record_inspection_act,
        SV,
        {
            "inspected_on": TODAY.isoformat(),
            "act_number": spec.act_number,
            "our_participants": [{"name": "I. Petrovs", "position": "engineer"}],
            "customer_participants": [{"name": "J. Ozols", "position": "mechanic"}],
            "findings": spec.findings,
            "culpability": "manufacturer",
            "cost_bearer": "manufacturer",
        },
    )
    text = await issued_text(flow, done["letter_id"], conclusion=spec.findings)
    assert spec.act_number in text and spec.findings in text
    assert flat(format_date(TODAY, lang)) in text
    # The act has no outgoing-letter number of its own.
    assert not re.search(r"\bL-\d{4}-\d{6}\b", text), text
    act_text = text

    await flow.act(A.plan_repair, SV)
    await flow.act(A.repair_done, SV, {"completed_on": TODAY.isoformat(), "work_done": "OK-7"})
    done = await flow.act(
        A.return_unit,
        SV,
        {"shipped_on": TODAY.isoformat(), "carrier": "DHL", "tracking_number": "1Z9"},
    )
    texts["repair_completed"] = text = await issued_text(flow, done["letter_id"])
    assert "OK-7" in text and "1Z9" in text and flat(format_date(TODAY, lang)) in text

    done = await flow.act(A.request_withdrawal, SP, {})
    texts["withdrawal_request"] = await issued_text(flow, done["letter_id"])
    done = await flow.act(A.withdrawal_received, SP, {"received_on": TODAY.isoformat()})
    texts["closure"] = await issued_text(flow, done["letter_id"])

    for kind, text in texts.items():
        addressed(text, lang)
        assert not defects(text, lang), (kind, defects(text, lang), text)
    # The act names the members; the customer's own words (the act number aside) are Latin.
    assert not defects(act_text, lang), ("inspection_act", defects(act_text, lang), act_text)


@pytest.mark.parametrize("lang", LANG_PARAMS)
async def test_a_paid_repair_offer_and_its_closure_read_clean(client, auth, app, lang) -> None:
    spec = LANGS[lang]
    flow = await start(client, auth, app, lang, expired=True)
    done = await flow.act(
        A.offer_paid_repair,
        SP,
        {"estimated_cost": "85000", "currency": "EUR", "guarantee_due": DUE.isoformat()},
    )
    offer = await issued_text(flow, done["letter_id"])
    assert spec.cost in offer and flat(format_date(DUE, lang)) in offer
    done = await flow.act(A.decline_paid_repair, SP, {"reason": "Too expensive"})
    closure = await issued_text(flow, done["letter_id"])
    for kind, text in (("paid_repair_offer", offer), ("closure", closure)):
        addressed(text, lang)
        assert not defects(text, lang, "Too expensive"), (kind, defects(text, lang), text)


@pytest.mark.parametrize("lang", LANG_PARAMS)
async def test_a_replacement_offer_reads_clean(client, auth, app, lang) -> None:
    spec = LANGS[lang]
    flow = await start(client, auth, app, lang)
    await flow.act(A.refer_to_design, SP)
    await flow.act(A.answer_referral, DS, {"cause": "manufacturing_defect", "analysis": "K2."})
    await flow.act(A.choose_remedy, HD, {"kind": "return_to_plant"})
    await flow.act(A.unit_received, SV)
    await flow.act(
        A.record_inspection_act,
        SV,
        {
            "inspected_on": TODAY.isoformat(),
            "our_participants": [{"name": "I. Petrovs"}],
            "findings": spec.findings,
            "culpability": "manufacturer",
            "cost_bearer": "manufacturer",
        },
    )
    done = await flow.act(
        A.offer_replacement, SP, {"reason": spec.reason, "replacement_product": "BU-7M"}
    )
    text = await issued_text(flow, done["letter_id"])
    addressed(text, lang)
    assert spec.reason in text and "BU-7M" in text
    assert not defects(text, lang), defects(text, lang)
