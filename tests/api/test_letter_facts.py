"""Facts flow: what an action records reaches the letter it drafts, and later facts reach a
draft made before they existed (issue 15)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from app.enums import Action as A
from app.enums import LetterKind as K
from app.enums import Role
from app.letters.dates import format_date
from app.letters.kinds import REQUIRED_FIELDS
from app.workflow.rules import RULES
from tests.api.workflow_support import Flow, make_unit
from tests.conftest import unique

SP, HD, DS, SV = Role.specialist, Role.head, Role.design, Role.service
DUE = date.today() + timedelta(days=14)
VISIT = date.today() + timedelta(days=5)
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")

Step = tuple[A, Role, dict[str, Any] | None]
REFER: list[Step] = [(A.refer_to_design, SP, None)]
UNDETERMINED: list[Step] = [
    *REFER,
    (A.answer_referral, DS, {"cause": "undetermined", "analysis": "Needs an inspection."}),
]
AT_PLANT: list[Step] = [
    *UNDETERMINED,
    (A.choose_remedy, HD, {"kind": "return_to_plant"}),
    (A.unit_received, SV, None),
]
INSPECTED: list[Step] = [*AT_PLANT, (A.record_inspection_act, SV, None)]
REPAIRING: list[Step] = [*INSPECTED, (A.plan_repair, SV, None)]
REPAIRED: list[Step] = [
    *REPAIRING,
    (A.repair_done, SV, {"completed_on": date.today().isoformat(), "work_done": "Stator rewound."}),
]
RETURNED: list[Step] = [*REPAIRED, (A.return_unit, SV, None)]
WITHDRAWAL: list[Step] = [*RETURNED, (A.request_withdrawal, SP, None)]


def _date(lang: str, value: date) -> str:
    return format_date(value, lang)


@dataclass
class Case:
    """One action that drafts a letter: how to get there, the body, and what must reach it."""

    name: str
    action: A
    role: Role
    body: dict[str, Any]
    kind: K
    before: list[Step] = field(default_factory=list)
    expired: bool = False
    # field -> the text it must hold (a function of the letter's language), from the body.
    carried: dict[str, Callable[[str], str]] = field(default_factory=dict)


CASES = [
    Case(
        "request_info_in_triage",
        A.request_info,
        SP,
        {"questions": "Photo of the rating plate\nWiring diagram", "response_due": str(DUE)},
        K.information_request,
        carried={
            "requested_items": lambda _: "Photo of the rating plate\nWiring diagram",
            "response_due": lambda lang: _date(lang, DUE),
        },
    ),
    Case(
        "request_info_in_design_review",
        A.request_info,
        SP,
        {"questions": "Supply voltage under load?"},
        K.information_request,
        before=REFER,
        carried={"requested_items": lambda _: "Supply voltage under load?"},
    ),
    Case(
        "offer_paid_repair",
        A.offer_paid_repair,
        SP,
        {
            "estimated_cost": "85000",
            "currency": "EUR",
            "repair_duration": "10 working days",
            "guarantee_due": str(DUE),
        },
        K.paid_repair_offer,
        expired=True,
        carried={
            "repair_cost": lambda lang: "85\u00a0000" if lang != "en" else "85,000",
            "repair_duration": lambda _: "10 working days",
            "guarantee_due": lambda lang: _date(lang, DUE),
        },
    ),
    Case(
        "decline_paid_repair",
        A.decline_paid_repair,
        SP,
        {"reason": "Too expensive"},
        K.closure,
        before=[(A.offer_paid_repair, SP, None)],
        expired=True,
    ),
    Case(
        "refer_to_design",
        A.refer_to_design,
        SP,
        {"memo": "Unit does not switch on after 2 hours.", "questions": "Cause?"},
        K.design_memo,
        carried={
            "defect_details": lambda _: "Unit does not switch on after 2 hours.",
            "questions": lambda _: "Cause?",
        },
    ),
    Case(
        "answer_referral_misuse",
        A.answer_referral,
        DS,
        {"cause": "misuse", "analysis": "Wrong supply: 36 V.", "recommendations": "Use 24 V."},
        K.explanation,
        before=REFER,
        carried={
            "explanation_text": lambda _: "Wrong supply: 36 V.",
            # The designers' recommendations belong in the explanation.
            "explanation_text ": lambda _: "Use 24 V.",
        },
    ),
    Case(
        "answer_referral_needs_info",
        A.answer_referral,
        DS,
        {"cause": "needs_info", "analysis": "Unclear.", "information_needed": "Photos of X1"},
        K.information_request,
        before=REFER,
        carried={"requested_items": lambda _: "Photos of X1"},
    ),
    Case(
        "answer_referral_recommendations",
        A.answer_referral,
        DS,
        {"cause": "design_defect", "analysis": "Relay.", "recommendations": "Replace relay K2."},
        K.recommendations,
        before=REFER,
        carried={"recommendations": lambda _: "Replace relay K2."},
    ),
    Case(
        "confirm_resolved",
        A.confirm_resolved,
        SP,
        {"how": "phone"},
        K.withdrawal_request,
        before=[*REFER, (A.answer_referral, DS, None)],
    ),
    Case(
        "choose_field_service",
        A.choose_remedy,
        HD,
        {"kind": "field_service"},
        K.service_visit,
        before=UNDETERMINED,
    ),
    Case(
        "choose_return",
        A.choose_remedy,
        HD,
        {"kind": "return_to_plant"},
        K.return_instructions,
        before=UNDETERMINED,
    ),
    Case(
        "field_visit_needs_return",
        A.field_visit_done,
        SV,
        {"visited_on": date.today().isoformat(), "outcome": "needs_return", "report": "Bench."},
        K.return_instructions,
        before=[
            *UNDETERMINED,
            (A.choose_remedy, HD, {"kind": "field_service"}),
            (A.schedule_field_visit, SV, None),
        ],
    ),
    Case(
        "record_inspection_act",
        A.record_inspection_act,
        SV,
        {
            "inspected_on": date.today().isoformat(),
            "our_participants": [{"name": "I. Petrov"}],
            "findings": "Stator winding burnt.",
            "culpability": "manufacturer",
            "cost_bearer": "manufacturer",
        },
        K.inspection_act,
        before=AT_PLANT,
        carried={
            "findings": lambda _: "Stator winding burnt.",
            "inspection_date": lambda lang: _date(lang, date.today()),
            "cost_bearer": lambda _: "manufacturer",
        },
    ),
    Case(
        "offer_replacement_after_inspection",
        A.offer_replacement,
        SP,
        {"reason": "Housing cracked.", "replacement_product": "BU-7M, new"},
        K.replacement_offer,
        before=INSPECTED,
        carried={
            "replacement_reason": lambda _: "Housing cracked.",
            "replacement_product": lambda _: "BU-7M, new",
        },
    ),
    Case(
        "offer_replacement_during_repair",
        A.offer_replacement,
        SP,
        {"reason": "Spare board discontinued."},
        K.replacement_offer,
        before=REPAIRING,
        carried={"replacement_reason": lambda _: "Spare board discontinued."},
    ),
    Case(
        "return_unit",
        A.return_unit,
        SV,
        {"shipped_on": date.today().isoformat(), "carrier": "DHL", "tracking_number": "1Z9"},
        K.repair_completed,
        before=REPAIRED,
        carried={
            "repair_summary": lambda _: "Stator rewound.",
            "shipment_details": lambda lang: f"DHL, 1Z9, {_date(lang, date.today())}",
        },
    ),
    Case("request_withdrawal", A.request_withdrawal, SP, {}, K.withdrawal_request, RETURNED),
    Case("remind_withdrawal", A.remind_withdrawal, SP, {}, K.withdrawal_request, WITHDRAWAL),
    Case(
        "withdrawal_received",
        A.withdrawal_received,
        SP,
        {"received_on": DUE.isoformat(), "document_reference": "12/345"},
        K.closure,
        WITHDRAWAL,
        carried={
            "withdrawal_received_on": lambda lang: _date(lang, DUE),
            "withdrawal_reference": lambda _: "12/345",
        },
    ),
    Case(
        "close_rejected",
        A.close,
        SP,
        {"resolution": "rejected", "reason": "Stored outdoors in the rain for a winter."},
        K.rejection,
        carried={"rejection_reasons": lambda _: "Stored outdoors in the rain for a winter."},
    ),
    Case(
        "close_withdrawn",
        A.close,
        SP,
        {"resolution": "withdrawn", "reason": "The customer withdrew the claim."},
        K.closure,
    ),
]


def test_the_cases_walk_every_rule_that_drafts_a_letter() -> None:
    drafting = {(rule.action, rule.letter) for rule in RULES if rule.letter}
    assert drafting == {(case.action, case.kind) for case in CASES}


async def _flow(client: Any, auth: Any, new_claim: Any, *, expired: bool, lang: str) -> Flow:
    sale = date(2020, 1, 1) if expired else date.today() - timedelta(days=100)
    code, serial = await make_unit(client, auth, sale_date=sale, months=12 if expired else 24)
    tag = unique("c")
    claim = await new_claim(
        product={"model_code": code, "serial_number": serial},
        customer={"name": f"Customer {tag}", "email": f"{tag}@example.lv", "language": lang},
    )
    return Flow(client, auth, claim)


async def _letter(client: Any, auth: Any, letter_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/letters/{letter_id}", headers=auth(SP))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_the_draft_holds_what_the_action_recorded(client, auth, new_claim, case) -> None:
    lang = "ru"
    flow = await _flow(client, auth, new_claim, expired=case.expired, lang=lang)
    for action, role, body in case.before:
        await flow.act(action, role, body)
    result = await flow.act(case.action, case.role, case.body)
    assert result["letter"] == case.kind.value
    letter = await _letter(client, auth, result["letter_id"])
    assert letter["language"] == lang
    fields = letter["fields"]
    for name, expected in case.carried.items():
        assert expected(lang) in (fields[name.strip()] or ""), (name, fields)
    carried = {name.strip() for name in case.carried}
    required = set(REQUIRED_FIELDS.get(case.kind, ()))
    # Every required field the action's body (or the records before it) carried is filled.
    assert not (required & carried) & set(letter["missing_fields"]), letter["missing_fields"]
    for value in fields.values():
        assert not ISO.search(value or ""), fields


async def test_an_ungiven_cost_leaves_the_required_field_to_fill(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim, expired=True, lang="en")
    result = await flow.act(A.offer_paid_repair, SP, {})
    letter = await _letter(client, auth, result["letter_id"])
    assert letter["missing_fields"] == ["repair_cost"]


@pytest.mark.parametrize("lang", ["ru", "en", "lv"])
async def test_paid_repair_cost_is_written_in_the_letters_language(
    client, auth, new_claim, lang
) -> None:
    flow = await _flow(client, auth, new_claim, expired=True, lang=lang)
    result = await flow.act(A.offer_paid_repair, SP, {"estimated_cost": "85000", "currency": "EUR"})
    cost = (await _letter(client, auth, result["letter_id"]))["fields"]["repair_cost"]
    assert (
        cost
        == {"ru": "85\u00a0000,00\u00a0€", "en": "€85,000.00", "lv": "85\u00a0000,00\u00a0€"}[lang]
    )


async def _patch(client: Any, auth: Any, letter: dict[str, Any], fields: dict[str, str]) -> Any:
    return await client.patch(
        f"/api/v1/letters/{letter['id']}",
        json={"fields": fields},
        headers=auth(SP, **{"If-Match": f'"{letter["version"]}"'}),
    )


async def test_the_service_visit_draft_picks_up_the_scheduled_visit(
    client, auth, new_claim
) -> None:
    flow = await _flow(client, auth, new_claim, expired=False, lang="ru")
    for action, role, body in UNDETERMINED:
        await flow.act(action, role, body)
    result = await flow.act(A.choose_remedy, HD, {"kind": "field_service"})
    draft = await _letter(client, auth, result["letter_id"])
    assert draft["missing_fields"] == ["visit_date"]
    # A person's own text is theirs: the record never overwrites it.
    response = await _patch(client, auth, draft, {"access_requirements": "Pass at gate 3"})
    assert response.status_code == 200, response.text
    schedule = {
        "visit_date": VISIT.isoformat(),
        "technicians": ["A. Ozols", "P. Liepa"],
        "site_address": "Pier 4, Riga",
    }
    await flow.act(A.schedule_field_visit, SV, schedule)
    letter = await _letter(client, auth, draft["id"])
    assert letter["fields"]["visit_date"] == format_date(VISIT, "ru")
    assert letter["fields"]["technicians"] == "A. Ozols\nP. Liepa"
    assert letter["fields"]["site_address"] == "Pier 4, Riga"
    assert letter["fields"]["access_requirements"] == "Pass at gate 3"
    assert letter["missing_fields"] == [] and letter["version"] > draft["version"] + 1
    timeline = [e["action"] for e in (await flow.read())["timeline"]]
    assert timeline[-2:] == ["schedule_field_visit", "letter_refreshed"]

    # Rescheduled: the date follows the record, but the address a person corrected stays.
    response = await _patch(client, auth, letter, {"site_address": "Pier 4, berth 12, Riga"})
    assert response.status_code == 200, response.text
    later = VISIT + timedelta(days=2)
    await flow.act(A.schedule_field_visit, SV, {**schedule, "visit_date": later.isoformat()})
    letter = await _letter(client, auth, draft["id"])
    assert letter["fields"]["visit_date"] == format_date(later, "ru")
    assert letter["fields"]["site_address"] == "Pier 4, berth 12, Riga"

    # Once in sign-off the letter is no longer the workflow's to change.
    submitted = await client.post(
        f"/api/v1/letters/{draft['id']}/submit",
        headers=auth(SP, **{"If-Match": f'"{letter["version"]}"'}),
    )
    assert submitted.status_code == 200, submitted.text
    await flow.act(
        A.schedule_field_visit, SV, {**schedule, "visit_date": (later + timedelta(1)).isoformat()}
    )
    frozen = await _letter(client, auth, draft["id"])
    assert frozen["fields"] == submitted.json()["fields"]
    assert frozen["version"] == submitted.json()["version"]


async def test_a_person_typed_field_at_drafting_is_kept(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim, expired=False, lang="en")
    for action, role, body in UNDETERMINED:
        await flow.act(action, role, body)
    await flow.act(A.choose_remedy, HD, {"kind": "field_service"})
    response = await client.post(
        f"/api/v1/claims/{flow.number}/letters",
        json={"kind": "service_visit", "fields": {"technicians": "Our senior engineer"}},
        headers=auth(SP),
    )
    assert response.status_code == 201, response.text
    await flow.act(
        A.schedule_field_visit, SV, {"visit_date": VISIT.isoformat(), "technicians": ["A. Ozols"]}
    )
    letter = await _letter(client, auth, response.json()["id"])
    assert letter["fields"]["technicians"] == "Our senior engineer"
    assert letter["fields"]["visit_date"] == format_date(VISIT, "en")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("transfer", "takes over the remaining warranty"), ("fresh", "full new warranty period")],
)
async def test_the_replacement_offer_states_the_warranty_as_recorded(
    client, auth, new_claim, mode, expected
) -> None:
    flow = await _flow(client, auth, new_claim, expired=False, lang="en")
    for action, role, body in INSPECTED:
        await flow.act(action, role, body)
    result = await flow.act(A.offer_replacement, SP, {"reason": "Housing cracked."})
    draft = await _letter(client, auth, result["letter_id"])
    assert draft["fields"]["warranty_terms"] is None
    preview = await client.get(f"/api/v1/letters/{draft['id']}/preview.html", headers=auth(SP))
    assert "date of its delivery" not in preview.text and "warranty period" not in preview.text
    await flow.act(
        A.record_replacement, SV, {"replacement_serial": unique("NEW"), "warranty": mode}
    )
    letter = await _letter(client, auth, draft["id"])
    assert expected in letter["fields"]["warranty_terms"]
    if mode == "transfer":
        end = (await flow.read())["warranty_end_date"]
        assert format_date(date.fromisoformat(end), "en") in letter["fields"]["warranty_terms"]
    preview = await client.get(f"/api/v1/letters/{draft['id']}/preview.html", headers=auth(SP))
    assert expected in preview.text


async def test_the_repair_letter_carries_the_agreed_cost_split(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim, expired=False, lang="ru")
    for action, role, body in INSPECTED:
        await flow.act(action, role, body)
    await flow.act(A.open_dispute, SP, None)
    await flow.act(A.settle_dispute, HD, {"outcome": "Расходы 50/50.", "cost_bearer": "shared"})
    for action, role, body in REPAIRED[len(INSPECTED) :]:
        await flow.act(action, role, body)
    result = await flow.act(A.return_unit, SV, None)
    letter = await _letter(client, auth, result["letter_id"])
    assert letter["fields"]["cost_terms"] == "Расходы 50/50."
    preview = await client.get(f"/api/v1/letters/{letter['id']}/preview.html", headers=auth(SP))
    assert "Расходы 50/50." in preview.text
    assert "полностью работоспособно" not in preview.text


# The closure letter answers the customer's written withdrawal, by its date and reference.
WITHDRAWAL_ANSWER = {
    "ru": "Благодарим Вас за письмо от {date} № 12/345, которым Вы подтвердили урегулирование",
    "lv": "Pateicamies par Jūsu vēstuli Nr. 12/345 no {date}, ar kuru apliecinājāt",
    "bg": "Благодарим Ви за писмото с изх. № 12/345 от {date}, с което потвърждавате",
    "en": "Thank you for your letter of {date} (your ref. 12/345) confirming that your claim",
}


@pytest.mark.parametrize("lang", sorted(WITHDRAWAL_ANSWER))
async def test_the_closure_letter_names_the_customers_withdrawal(
    client, auth, new_claim, lang
) -> None:
    flow = await _flow(client, auth, new_claim, expired=False, lang=lang)
    for action, role, body in WITHDRAWAL:
        await flow.act(action, role, body)
    received = date.today() - timedelta(days=2)
    body = {"received_on": received.isoformat(), "document_reference": "12/345"}
    result = await flow.act(A.withdrawal_received, SP, body)
    preview = await client.get(
        f"/api/v1/letters/{result['letter_id']}/preview.html", headers=auth(SP)
    )
    assert preview.status_code == 200, preview.text
    text = " ".join(preview.text.split())
    assert WITHDRAWAL_ANSWER[lang].format(date=_date(lang, received)) in text


async def test_a_closure_without_a_withdrawal_letter_does_not_mention_one(
    client, auth, new_claim
) -> None:
    flow = await _flow(client, auth, new_claim, expired=False, lang="en")
    body = {"resolution": "withdrawn", "reason": "The customer withdrew the claim by phone."}
    result = await flow.act(A.close, SP, body)
    letter = await _letter(client, auth, result["letter_id"])
    assert letter["fields"]["withdrawal_received_on"] is None
    preview = await client.get(f"/api/v1/letters/{letter['id']}/preview.html", headers=auth(SP))
    assert "Thank you for your letter" not in preview.text
    assert "has been completed and the claim has been closed" in " ".join(preview.text.split())
