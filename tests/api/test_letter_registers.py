"""Registers (outgoing letters, internal memos, acts: each its own gap-free series and format),
the inspection act laid out as a bilateral act, and record dates that may not lie ahead."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from app.config import Settings, in_language
from app.enums import Action as A
from app.enums import Role
from app.main import create_app
from tests.api.workflow_support import BODIES, Flow, make_unit
from tests.conftest import claim_payload, unique

SP, HD, DS, SV = Role.specialist, Role.head, Role.design, Role.service
CLAIMS, LETTERS = "/api/v1/claims", "/api/v1/letters"
# Two days ahead of the machine's date is tomorrow at least on the plant's calendar too.
AHEAD = (date.today() + timedelta(days=2)).isoformat()

ACT = {
    **BODIES[A.record_inspection_act],
    "place": "Rīga, Krasta iela 82",
    "our_participants": [
        {"name": "I. Petrovs", "position": "service engineer"},
        {"name": "A. Kalniņa", "position": "quality engineer"},
    ],
    "customer_participants": [{"name": "J. Bērziņš", "position": "chief engineer"}],
    "culpability": "manufacturer",
    "cost_bearer": "manufacturer",
}


@asynccontextmanager
async def app_with(settings: Settings, **update: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on the same database with other settings."""
    custom = create_app(settings.model_copy(update=update))
    async with (
        custom.router.lifespan_context(custom),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=custom), base_url="http://t") as c,
    ):
        yield c


async def to_inspection(client: httpx.AsyncClient, auth: Any, language: str = "lv") -> Flow:
    """A claim referred to design (the memo is drafted), returned to the plant and received."""
    code, serial = await make_unit(client, auth)
    tag = unique()
    response = await client.post(
        CLAIMS,
        json=claim_payload(
            customer={
                "name": "Jānis Bērziņš",
                "organisation": f"SIA Ziemeļu Vējš {tag}",
                "email": f"{tag}@example.lv",
                "language": language,
            },
            product={"model_code": code, "serial_number": serial},
        ),
        headers=auth(Role.intake),
    )
    assert response.status_code == 201, response.text
    flow = Flow(client, auth, response.json())
    await flow.act(A.refer_to_design, SP)
    await flow.act(
        A.answer_referral,
        DS,
        {"cause": "manufacturing_defect", "analysis": "Winding fault.", "recommendations": "X."},
    )
    await flow.act(A.report_not_helped, SP)
    await flow.act(A.choose_remedy, SP, {"kind": "return_to_plant"})
    await flow.act(A.unit_received, SV)
    return flow


async def letter_of(client: httpx.AsyncClient, auth: Any, number: str, kind: str) -> dict:
    response = await client.get(f"{CLAIMS}/{number}/letters", headers=auth(Role.auditor))
    assert response.status_code == 200, response.text
    [letter] = [item for item in response.json() if item["kind"] == kind]
    return letter


async def issue(client: httpx.AsyncClient, auth: Any, letter_id: int, **fields: str) -> Any:
    """Fill, submit, approve and issue; the issue's response."""
    if fields:
        edited = await client.patch(
            f"{LETTERS}/{letter_id}", json={"fields": fields}, headers=auth(SP)
        )
        assert edited.status_code == 200, edited.text
    for action, role in (("submit", SP), ("approve", HD)):
        response = await client.post(f"{LETTERS}/{letter_id}/{action}", headers=auth(role))
        assert response.status_code == 200, (action, response.text)
    return await client.post(f"{LETTERS}/{letter_id}/issue", headers=auth(SP))


async def draft(client: httpx.AsyncClient, auth: Any, number: str, kind: str) -> int:
    created = await client.post(f"{CLAIMS}/{number}/letters", json={"kind": kind}, headers=auth(SP))
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


ACT_FIELDS = {"conclusion": "The unit is to be repaired at the plant."}


async def test_each_register_numbers_its_own_gap_free_series(client, auth) -> None:
    year = date.today().year
    flow = await to_inspection(client, auth)
    await flow.act(A.record_inspection_act, SV, ACT)
    number = flow.number
    memo = await letter_of(client, auth, number, "design_memo")
    act = await letter_of(client, auth, number, "inspection_act")
    first, second = [await draft(client, auth, number, "acknowledgement") for _ in range(2)]

    issued = {}
    for name, letter_id, fields in (
        ("letter 1", first, {}),
        ("memo", memo["id"], {}),
        ("act", act["id"], ACT_FIELDS),
        ("letter 2", second, {}),
    ):
        response = await issue(client, auth, letter_id, **fields)
        assert response.status_code == 200, response.text
        issued[name] = response.json()["number"]

    letters = [re.fullmatch(rf"L-{year}-(\d{{6}})", issued[n]) for n in ("letter 1", "letter 2")]
    assert all(letters), issued
    # The memo and the act came in between and took nothing from the letters' series.
    assert int(letters[1].group(1)) == int(letters[0].group(1)) + 1  # type: ignore[union-attr]
    assert re.fullmatch(rf"M-{year}-\d{{6}}", issued["memo"]), issued
    assert re.fullmatch(rf"A-{year}-\d{{6}}", issued["act"]), issued


async def test_formats_are_configurable_and_an_act_keeps_its_recorded_number(
    settings, auth
) -> None:
    formats = {
        "register_letter_format": "01-12/{seq}",
        "register_memo_format": "СЗ-{year}/{seq:04}",
        "register_act_format": "АКТ-{seq:05}/{year}",
    }
    year = date.today().year
    async with app_with(settings, **formats) as other:
        flow = await to_inspection(other, auth, "ru")
        recorded = f"АО-117/{unique()}"
        await flow.act(A.record_inspection_act, SV, {**ACT, "act_number": recorded})
        number = flow.number
        act = await letter_of(other, auth, number, "inspection_act")
        preview = await other.get(f"{LETTERS}/{act['id']}/preview.html", headers=auth(SP))
        assert recorded in preview.text  # the act's own number, before it is issued too

        issued_act = await issue(other, auth, act["id"], **ACT_FIELDS)
        assert issued_act.status_code == 200, issued_act.text
        assert issued_act.json()["number"] == recorded
        pdf = await other.get(f"{LETTERS}/{act['id']}/pdf", headers=auth(SP))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

        # A second letter of the same act would carry the same number: refused, no gap.
        again = await draft(other, auth, number, "inspection_act")
        clash = await issue(other, auth, again, **ACT_FIELDS)
        assert clash.status_code == 409 and recorded in clash.json()["detail"]

        # An act recorded without a number takes one from the acts register.
        flow2 = await to_inspection(other, auth, "ru")
        await flow2.act(A.record_inspection_act, SV, ACT)
        act2 = await letter_of(other, auth, flow2.number, "inspection_act")
        numbered = (await issue(other, auth, act2["id"], **ACT_FIELDS)).json()["number"]
        assert re.fullmatch(rf"АКТ-\d{{5}}/{year}", numbered), numbered

        memo = await letter_of(other, auth, number, "design_memo")
        memo_number = (await issue(other, auth, memo["id"])).json()["number"]
        assert re.fullmatch(rf"СЗ-{year}/\d{{4}}", memo_number), memo_number
        letter_ids = [await draft(other, auth, number, "acknowledgement") for _ in range(2)]
        numbers = [(await issue(other, auth, i)).json()["number"] for i in letter_ids]
        seqs = [int(re.fullmatch(r"01-12/(\d+)", n).group(1)) for n in numbers]  # type: ignore[union-attr]
        assert seqs[1] == seqs[0] + 1


@pytest.mark.parametrize(
    "pattern", ["L-{seq", "L-{number}", "L-{year}", "{seq:x>60}", "L-{seq.real.x}"]
)
def test_a_bad_register_format_stops_the_settings(pattern: str) -> None:
    with pytest.raises(ValueError, match="register_letter_format"):
        Settings(register_letter_format=pattern)


LAYOUT = {
    "ru": {
        "title": "АКТ №",
        "commission": "Комиссия в составе:",
        "side": "от ",
        "cause": "Дефект носит производственный характер",
        "never": ["будет установлена", "Исх. №"],
        "signature": ">подпись<",
    },
    "en": {
        "title": "INSPECTION ACT No.",
        "commission": "Members of the commission:",
        "side": "for ",
        "cause": "The defect is a manufacturing defect",
        "never": ["will be established", "Our ref"],
        "signature": ">signature<",
    },
    "lv": {
        "title": "PĀRBAUDES AKTS Nr.",
        "commission": "Komisija šādā sastāvā:",
        "side": "no ",
        "cause": "Defekts ir ražošanas defekts",
        "never": ["noteiks konstruktoru", "Vēstules Nr."],
        "signature": ">paraksts<",
    },
    "bg": {
        "title": "КОНСТАТИВЕН ПРОТОКОЛ №",
        "commission": "Комисия в състав:",
        "side": "от страна на ",
        "cause": "Дефектът е производствен",
        "never": ["ще бъде установена", "Изх. №"],
        "signature": ">подпис<",
    },
}


@pytest.mark.parametrize("lang", sorted(LAYOUT))
async def test_the_inspection_act_is_a_bilateral_act(
    client, auth, settings: Settings, lang: str
) -> None:
    words = LAYOUT[lang]
    flow = await to_inspection(client, auth, lang)
    await flow.act(A.record_inspection_act, SV, {**ACT, "act_number": f"AO-{unique()}"})
    act = await letter_of(client, auth, flow.number, "inspection_act")
    html = (await client.get(f"{LETTERS}/{act['id']}/preview.html", headers=auth(SP))).text
    html = html.replace("\u00a0", " ")  # the renderer's non-breaking spaces (after "№", initials)

    assert words["title"] in html and 'class="meta"' not in html  # no reference block
    for never in words["never"]:
        assert never not in html
    assert words["commission"] in html and "Rīga, Krasta iela 82" in html
    # Non-breaking spaces keep initials with their surname (typography.py): compare as text.
    commission = html[html.index('class="commission"') : html.index("</div>\n<p>")]
    commission = commission.replace("\xa0", " ")
    claim = await flow.read()
    ours = in_language(settings.letter_company_name, lang)  # the letterhead in the act's language
    for side in (ours, claim["customer"]["name"]):
        assert f'<div class="side">{words["side"]}{side}' in commission
    for member in ACT["our_participants"] + ACT["customer_participants"]:
        assert f"{member['name']}, {member['position']}" in commission
    assert words["cause"] in html
    # A signature line for every member, of both sides, and nobody else's.
    signatures = html[html.index("act-signatures") :].replace("\xa0", " ")
    assert signatures.count('class="party member"') == 3
    assert signatures.count(words["signature"]) == 3
    for member in ACT["our_participants"] + ACT["customer_participants"]:
        assert f'<td class="sig-name">{member["name"]}</td>' in signatures


async def test_the_cause_follows_what_was_recorded(client, auth) -> None:
    flow = await to_inspection(client, auth, "ru")
    await flow.act(
        A.record_inspection_act, SV, {**ACT, "culpability": "undetermined", "cost_bearer": "shared"}
    )
    act = await letter_of(client, auth, flow.number, "inspection_act")
    html = (await client.get(f"{LETTERS}/{act['id']}/preview.html", headers=auth(SP))).text
    assert "Причина дефекта комиссией не установлена." in html
    assert "производственный" not in html and "будет установлена" not in html


async def test_what_happened_cannot_be_dated_ahead(client, auth) -> None:
    flow = await to_inspection(client, auth)
    problem = await flow.act(
        A.record_inspection_act, SV, {**ACT, "inspected_on": AHEAD}, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["body.inspected_on"]
    assert (await flow.read())["state"] == "inspection"  # nothing was recorded

    code, serial = await make_unit(client, auth)
    claim = await client.post(
        CLAIMS,
        json=claim_payload(product={"model_code": code, "serial_number": serial}),
        headers=auth(Role.intake),
    )
    visit = Flow(client, auth, claim.json())
    await visit.act(A.refer_to_design, SP)
    await visit.act(
        A.answer_referral, DS, {"cause": "manufacturing_defect", "analysis": "Winding fault."}
    )
    await visit.act(A.choose_remedy, SP, {"kind": "field_service"})
    await visit.act(A.schedule_field_visit, SV, {"visit_date": AHEAD, "technicians": ["A. O."]})
    body = {**BODIES[A.field_visit_done], "visited_on": AHEAD}
    problem = await visit.act(A.field_visit_done, SV, body, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["body.visited_on"]
    await visit.act(A.field_visit_done, SV)  # today is fine

    received = Flow(
        client,
        auth,
        (await client.post(CLAIMS, json=claim_payload(), headers=auth(Role.intake))).json(),
    )
    await received.act(A.refer_to_design, SP)
    await received.act(
        A.answer_referral, DS, {"cause": "manufacturing_defect", "analysis": "Winding fault."}
    )
    await received.act(A.choose_remedy, SP, {"kind": "return_to_plant"})
    problem = await received.act(A.unit_received, SV, {"received_on": AHEAD}, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["body.received_on"]
