"""Letters address their reader by each language's convention, through the real app: the
salutation, the addressee block in the dative, quoted product names, non-breaking spaces and
dates from CLDR, in the preview and in the issued PDF."""

import io
import re
import uuid
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from app.enums import Role
from app.models.claims import Claim
from app.models.customers import Contact, Customer

LETTERS = "/api/v1/letters"
NBSP = "\u00a0"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


async def claim_with_contact(
    new_claim: Any, app: Any, lang: str, organisation: str, contact: dict[str, Any]
) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    claim = await new_claim(
        customer={
            "name": contact["name"],
            "organisation": f"{organisation} {tag}",
            "email": f"{tag}@example.lv",
            "language": lang,
        },
        product={"model_name": "Блок управления судовой БУ-7М", "serial_number": f"BU7M-{tag}"},
    )
    async with app.state.session_factory() as s:
        customer_id, contact_id = (
            await s.execute(
                select(Claim.customer_id, Claim.contact_id).where(Claim.number == claim["number"])
            )
        ).one()
        await s.execute(update(Contact).where(Contact.id == contact_id).values(**contact))
        await s.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(street="ул. Корабельная, 6", postcode="198096", city="Санкт-Петербург")
        )
        await s.commit()
    claim["organisation"] = f"{organisation} {tag}"
    return claim


async def preview(client: Any, auth: Any, number: str, kind: str = "acknowledgement") -> Any:
    created = await client.post(
        f"/api/v1/claims/{number}/letters", json={"kind": kind}, headers=auth(Role.specialist)
    )
    assert created.status_code == 201, created.text
    letter = created.json()
    page = await client.get(f"{LETTERS}/{letter['id']}/preview.html", headers=auth(Role.auditor))
    assert page.status_code == 200
    return letter, page.text


def text_of(html: str) -> str:
    """The visible text of a letter: tags out, entities as characters."""
    import html as html_lib

    body = html.split("<body", 1)[1]
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


async def test_russian_letter_addresses_the_chief_engineer_in_the_dative(
    client, auth, new_claim, app
) -> None:
    claim = await claim_with_contact(
        new_claim,
        app,
        "ru",
        "АО «Северная верфь»",
        {
            "name": "Петров Иван Сергеевич",
            "given_name": "Иван",
            "patronymic": "Сергеевич",
            "surname": "Петров",
            "position": "Главный инженер-механик",
            "gender": "male",
        },
    )
    letter, html = await preview(client, auth, claim["number"])
    text = text_of(html)
    assert "Уважаемый Иван Сергеевич!" in text
    block = [line.strip() for line in re.findall(r'class="addressee-line">([^<]*)<', html)]
    assert block == [
        "Главному инженеру-механику",
        claim["organisation"],
        f"И.{NBSP}С.{NBSP}Петрову",
    ]
    assert "ул. Корабельная, 6" in text and f"198096{NBSP}Санкт-Петербург" in text
    assert "(ая)" not in text and "Контактное лицо" not in text
    assert not ISO_DATE.search(text)
    # The product in running text: generic noun, the name in quotes, "№" held to its number.
    _, request = await preview(client, auth, claim["number"], "information_request")
    assert "изделие «Блок управления судовой БУ-7М», заводской №" + NBSP in text_of(request)
    # The salutation field still overrides.
    changed = await client.patch(
        f"{LETTERS}/{letter['id']}",
        json={"fields": {"salutation": "Дорогой Иван!"}},
        headers={**auth(Role.specialist), "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    page = await client.get(f"{LETTERS}/{letter['id']}/preview.html", headers=auth(Role.auditor))
    assert "Дорогой Иван!" in page.text and "Уважаемый Иван Сергеевич!" not in page.text


@pytest.mark.parametrize(
    ("lang", "contact", "salutation", "person_line"),
    [
        (
            "lv",
            {"name": "Jānis Bērziņš", "position": "galvenais inženieris"},
            "Godātais Bērziņa kungs!",
            f"J.{NBSP}Bērziņam",
        ),
        (
            "lv",
            {"name": "Anna Liepiņa"},
            "Godātā Liepiņas kundze!",
            f"A.{NBSP}Liepiņai",
        ),
        (
            "en",
            {"name": "Jānis Bērziņš", "gender": "male"},
            "Dear Mr Bērziņš,",
            "Mr Jānis Bērziņš",
        ),
        (
            "ru",
            {"name": "Волкова Ольга Петровна"},
            "Уважаемая Ольга Петровна!",
            f"О.{NBSP}П.{NBSP}Волковой",
        ),
        (
            "bg",
            {"name": "Георги Димитров", "position": "Управител"},
            "Уважаеми господин Димитров,",
            "г-н Георги Димитров",
        ),
        (
            "bg",
            {"name": "Мария Иванова"},
            "Уважаема госпожо Иванова,",
            "г-жа Мария Иванова",
        ),
    ],
)
async def test_each_language_greets_by_its_convention(
    client, auth, new_claim, app, lang, contact, salutation, person_line
) -> None:
    claim = await claim_with_contact(new_claim, app, lang, "SIA «Kuģis»", contact)
    _, html = await preview(client, auth, claim["number"])
    text = text_of(html)
    assert salutation in text
    assert person_line in re.findall(r'class="addressee-line">([^<]*)<', html)
    assert "(ая)" not in text and "Cien." not in text and "Kontaktpersona" not in text
    assert "Лице за контакт" not in text and "Уважаеми(а)" not in text
    assert not ISO_DATE.search(text)
    if lang == "en":
        assert "Yours sincerely," in text  # a named reader
        _, request = await preview(client, auth, claim["number"], "information_request")
        assert "the product “Блок управления судовой БУ-7М”" in text_of(request)
    if lang == "bg":
        assert "С уважение," in text
        _, request = await preview(client, auth, claim["number"], "information_request")
        quoted = "изделие „Блок управления судовой БУ-7М“, фабричен №" + NBSP
        assert quoted in text_of(request)


async def test_an_organisation_without_a_named_contact_gets_the_collective_form(
    client, auth, new_claim, app
) -> None:
    claim = await claim_with_contact(
        new_claim, app, "ru", "ООО «Ромашка»", {"name": "Отдел снабжения"}
    )
    # A department, not a person: nobody to decline, no gendered adjective.
    _, html = await preview(client, auth, claim["number"])
    assert "(ая)" not in text_of(html)
    assert "Уважаемый Отдел" not in text_of(html) and "Уважаемая Отдел" not in text_of(html)


async def test_issued_russian_pdf_carries_the_salutation_and_the_block(
    client, auth, new_claim, app
) -> None:
    claim = await claim_with_contact(
        new_claim,
        app,
        "ru",
        "АО «Северная верфь»",
        {"name": "Петров Иван Сергеевич", "position": "Главный инженер-механик"},
    )
    letter, _ = await preview(client, auth, claim["number"])
    for action, role in (
        ("submit", Role.specialist),
        ("approve", Role.head),
        ("issue", Role.specialist),
    ):
        done = await client.post(f"{LETTERS}/{letter['id']}/{action}", headers=auth(role))
        assert done.status_code == 200, (action, done.text)
    pdf = await client.get(f"{LETTERS}/{letter['id']}/pdf", headers=auth(Role.auditor))
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    flat = re.sub(r"\s+", " ", text.replace(NBSP, " "))
    assert "Уважаемый Иван Сергеевич!" in flat
    assert "Главному инженеру-механику" in flat and "И. С. Петрову" in flat
    assert "(ая)" not in flat and not ISO_DATE.search(flat)
