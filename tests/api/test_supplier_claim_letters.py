"""The claim letter to a supplier: drafted from a supplier claim in the supplier's language,
addressed to its contact, enclosing the evidence, signed off like every letter; once posted
(or taken by the email gateway) a draft supplier claim becomes `sent`."""

import re
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.enums import Role
from app.models.suppliers import SupplierClaim, SupplierClaimEvent
from app.models.system import OutboxEvent
from tests.api.subject_letters_support import LETTERS, make_supplier_claim, pdf_text

SP, HD, DR = Role.specialist, Role.head, Role.director
SC = "/api/v1/supplier-claims"


async def upload(client: httpx.AsyncClient, auth: Any, number: str, name: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/claims/{number}/attachments",
        headers=auth(Role.intake),
        files={"file": (name, b"%PDF-1.4 test report " + name.encode(), "application/pdf")},
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def supplier_claim(app: Any, client: httpx.AsyncClient, auth: Any, new_claim: Any) -> Any:
    async def create(language: str = "lv", **kwargs: Any) -> tuple[str, list[str]]:
        claims = [(await new_claim())["number"] for _ in range(2)]
        report = await upload(client, auth, claims[0], "test-report.pdf")
        number = await make_supplier_claim(
            app,
            language=language,
            claim_numbers=tuple(claims),
            evidence=(report["id"],),
            **kwargs,
        )
        return number, claims

    return create


async def draft(client: httpx.AsyncClient, auth: Any, number: str, role: Role = SP, **body: Any):
    return await client.post(
        f"{SC}/{number}/letters",
        json={"kind": "supplier_claim", "request": "compensate", **body},
        headers=auth(role),
    )


async def act(client: httpx.AsyncClient, auth: Any, letter_id: int, action: str, role: Role,
              **kwargs: Any):  # fmt: skip
    return await client.post(f"{LETTERS}/{letter_id}/{action}", headers=auth(role), **kwargs)


async def state_and_events(db: Any, number: str) -> tuple[str, Any, list[str]]:
    [(state, sent_at)] = await db(
        select(SupplierClaim.state, SupplierClaim.sent_at).where(SupplierClaim.number == number)
    )
    rows = await db(
        select(SupplierClaimEvent.action)
        .join(SupplierClaim, SupplierClaim.id == SupplierClaimEvent.supplier_claim_id)
        .where(SupplierClaim.number == number)
        .order_by(SupplierClaimEvent.id)
    )
    return state, sent_at, [r[0] for r in rows]


async def test_draft_in_the_suppliers_language_with_the_evidence(client, auth, db, supplier_claim):
    number, _ = await supplier_claim("lv")
    created = await draft(client, auth, number, reply_by="2026-12-15")
    assert created.status_code == 201, created.text
    letter = created.json()
    assert letter["supplier_claim_number"] == number and letter["claim_number"] is None
    assert letter["language"] == "lv" and letter["approver_roles"] == ["director", "head"]
    assert letter["fields"]["request"] == "compensate"
    assert letter["fields"]["reply_by"] == "15.12.2026"
    assert [a["filename"] for a in letter["attachments"]] == ["test-report.pdf"]
    listed = await client.get(f"{SC}/{number}/letters", headers=auth(Role.auditor))
    assert [x["id"] for x in listed.json()] == [letter["id"]]
    assert (await state_and_events(db, number))[2] == ["letter_drafted"]
    english = await draft(client, auth, number, HD, language="en", attachment_ids=[])
    assert english.status_code == 201 and english.json()["attachments"] == []


async def test_refusals(client, auth, supplier_claim, new_claim):
    number, _ = await supplier_claim()
    assert (await draft(client, auth, "SC-1999-000001")).status_code == 404
    assert (await client.get(f"{SC}/SC-1999-000001/letters", headers=auth(SP))).status_code == 404
    for role in (Role.design, Role.service, Role.auditor, Role.intake):
        assert (await draft(client, auth, number, role)).status_code == 403, role
    assert (await draft(client, auth, number, request="pay_double")).status_code == 422
    stranger = await new_claim()
    foreign = await upload(client, auth, stranger["number"], "other.pdf")
    refused = await draft(client, auth, number, attachment_ids=[foreign["id"]])
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "attachment_ids"
    wrong = await client.post(
        f"/api/v1/claims/{stranger['number']}/letters",
        json={"kind": "supplier_claim"},
        headers=auth(SP),
    )
    assert wrong.status_code == 422


async def test_sign_off_issue_and_posting_moves_the_claim_to_sent(client, auth, db, supplier_claim):
    number, claims = await supplier_claim("ru", contact={
        "name": "Иван Сергеевич Петров", "given_name": "Иван", "patronymic": "Сергеевич",
        "surname": "Петров", "gender": "male", "position": "Генеральный директор",
        "email": "petrov@motory.example.ru",
    })  # fmt: skip
    letter = (await draft(client, auth, number, reply_by="2026-12-15")).json()
    edited = await client.patch(
        f"{LETTERS}/{letter['id']}",
        json={"fields": {"costs_details": "Замена 12 электродвигателей у заказчиков."}},
        headers=auth(SP),
    )
    assert edited.status_code == 200, edited.text
    assert (await act(client, auth, letter["id"], "approve", HD)).status_code == 409
    assert (await act(client, auth, letter["id"], "submit", SP)).status_code == 200
    assert (await act(client, auth, letter["id"], "approve", SP)).status_code == 403
    assert (await act(client, auth, letter["id"], "mark-sent", SP, json={})).status_code == 409
    assert (await act(client, auth, letter["id"], "approve", HD)).status_code == 200
    issued = await act(client, auth, letter["id"], "issue", SP)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert re.fullmatch(rf"L-{date.today().year}-\d{{6}}", body["number"]), body["number"]
    signature = await client.get(f"{LETTERS}/{letter['id']}/signature", headers=auth(SP))
    assert signature.json()["pdfa"] == "PDF/A-3B"
    text = pdf_text((await client.get(f"{LETTERS}/{letter['id']}/pdf", headers=auth(SP))).content)
    for expected in (
        "Генеральному директору",
        "И. С. Петрову",
        "Уважаемый Иван Сергеевич!",
        "Претензия по качеству комплектующего изделия «Electric motor M-90»",
        f"Претензия № {number}",
        "Delivery note 2026/0815",
        "Motor windings burn out after 200 hours of operation.",
        "(всего: 2)",
        f"№ {claims[0]}, № {claims[1]}",
        "4 800,00 €",
        "Замена 12 электродвигателей у заказчиков.",
        "просим возместить понесённые нами расходы в размере 4 800,00 €",
        "в срок до 15 декабря 2026 г.",
        "Приложение: test-report.pdf",
        "С уважением,",
    ):
        assert expected in text, (expected, text)
    assert (await state_and_events(db, number))[0] == "draft"

    posted = await act(
        client, auth, letter["id"], "mark-sent", SP, json={"note": "Registered mail RR1"}
    )
    assert posted.status_code == 200, posted.text
    state, sent_at, actions = await state_and_events(db, number)
    assert state == "sent" and sent_at is not None
    # The same move as a person marking it sent (app/suppliers/claims.py mark_sent), naming the
    # letter: audit row, channel and the supplier_claim.state_changed event.
    assert actions[-2:] == ["letter_sent", "mark_sent"]
    sc = (await client.get(f"{SC}/{number}", headers=auth(Role.auditor))).json()
    assert (sc["sent_channel"], sc["version"]) == ("post", 2)
    assert sc["events"][-1]["payload"]["letter_number"] == body["number"]
    rows = await db(
        select(OutboxEvent.payload)
        .where(OutboxEvent.type == "supplier_claim.state_changed")
        .order_by(OutboxEvent.id)
    )
    [changed] = [p for (p,) in rows if p["number"] == number]
    assert (changed["action"], changed["to_state"], changed["channel"]) == (
        "mark_sent",
        "sent",
        "post",
    )
    assert (changed["letter_id"], changed["letter_number"]) == (letter["id"], body["number"])

    # A second letter (a reminder, say) sent later leaves a claim past draft alone.
    again = (await draft(client, auth, number)).json()
    for action, role in (("submit", SP), ("approve", HD), ("issue", SP), ("mark-sent", SP)):
        kwargs = {"json": {}} if action == "mark-sent" else {}
        done = await act(client, auth, again["id"], action, role, **kwargs)
        assert done.status_code == 200, (action, done.text)
    assert (await state_and_events(db, number))[2].count("mark_sent") == 1


PHRASES = {
    "ru": ("Уважаемый господин Bērziņš!", "просим возместить", "Рекламации наших заказчиков"),
    "lv": (
        "Godātais Bērziņa kungs!",
        "lūdzam atlīdzināt",
        "Mūsu klientu reklamācijas",
        "4 800,00 €",
        "līdz 15.12.2026",
        "Pielikumā: test-report.pdf",
        "Ar cieņu",
    ),
    "bg": (
        "Уважаеми господин Bērziņš,",
        "Ви молим да ни възстановите",
        "Рекламации на нашите клиенти",
        "4 800,00 €",
        "до 15 декември 2026 г.",
        "С уважение,",
    ),
    "en": (
        "Dear Mr Bērziņš,",
        "reimburse the costs",
        "Our customers’ claims",
        "€4,800.00",
        "by 15 December 2026",
        "Enclosures: test-report.pdf",
        "Yours sincerely,",
    ),
}


@pytest.mark.parametrize("lang", ["ru", "lv", "bg", "en"])
async def test_the_claim_reads_in_each_language(client, auth, supplier_claim, lang):
    number, claims = await supplier_claim(lang)
    letter = (await draft(client, auth, number, reply_by="2026-12-15")).json()
    assert letter["language"] == lang
    pdf = await client.get(f"{LETTERS}/{letter['id']}/preview.pdf", headers=auth(SP))
    assert pdf.status_code == 200, pdf.text
    text = pdf_text(pdf.content)
    for phrase in PHRASES[lang]:
        assert phrase in text, (lang, phrase, text)
    assert number in text and claims[0] in text and "Electric motor M-90" in text
    assert "None" not in text
