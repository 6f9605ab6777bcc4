"""The paths of domain.md, end to end through the HTTP API."""

from datetime import date, timedelta
from typing import Any

from app.enums import Action as A
from app.enums import Role
from tests.api.workflow_support import BODIES, CLAIMS, Flow, make_unit
from tests.conftest import unique

SP, HD, DS, SV, IN = Role.specialist, Role.head, Role.design, Role.service, Role.intake


async def _flow(client: Any, auth: Any, new_claim: Any, **unit: Any) -> Flow:
    code, serial = await make_unit(client, auth, **unit)
    claim = await new_claim(product={"model_code": code, "serial_number": serial})
    return Flow(client, auth, claim)


async def _events(flow: Flow) -> list[str]:
    """The claim's workflow events (the letters they draft are checked on their own)."""
    timeline = (await flow.read())["timeline"]
    return [e["action"] for e in timeline if e["action"] != "letter_drafted"]


async def test_misuse_explained_and_confirmed(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim)
    claim = await flow.read()
    assert claim["warranty_status"] == "in_warranty"
    assert claim["allowed_actions"] == [
        "check_warranty",
        "request_info",
        "refer_to_design",
        "close",
    ]
    result = await flow.act(A.refer_to_design, SP)
    assert (result["state"], result["letter"]) == ("design_review", "design_memo")
    assert result["allowed_actions"] == ["check_warranty", "request_info", "close"]
    result = await flow.act(A.answer_referral, DS)
    assert (result["state"], result["letter"]) == ("awaiting_customer_confirmation", "explanation")
    await flow.act(A.confirm_resolved, SP)
    await flow.act(A.remind_withdrawal, SP)
    result = await flow.act(A.withdrawal_received, SP)
    assert (result["state"], result["resolution"], result["letter"]) == (
        "closed",
        "explained",
        "closure",
    )
    claim = await flow.read()
    assert claim["defect_cause"] == "misuse" and claim["resolution"] == "explained"
    assert claim["closed_at"] is not None
    assert claim["allowed_actions"] == []
    assert (await flow.read(HD))["allowed_actions"] == ["reopen"]


async def test_recommendations_that_helped(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim)
    await flow.act(A.refer_to_design, SP)
    result = await flow.act(
        A.answer_referral,
        DS,
        {
            "cause": "design_defect",
            "analysis": "Start relay undersized.",
            "recommendations": "Set the start delay to 5 s.",
        },
    )
    assert result["letter"] == "recommendations"
    await flow.act(A.confirm_resolved, SP)
    await flow.act(A.request_withdrawal, SP, expect=409)  # only from `returned`
    result = await flow.act(
        A.withdrawal_received,
        SP,
        {"received_on": date.today().isoformat(), "document_reference": "W-1"},
    )
    assert result["resolution"] == "fixed_by_recommendations"


async def test_not_helped_return_inspect_repair_return_withdraw(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim)
    await flow.act(A.refer_to_design, SP)
    await flow.act(
        A.answer_referral,
        DS,
        {
            "cause": "manufacturing_defect",
            "analysis": "Possible winding fault.",
            "recommendations": "Check the supply voltage under load.",
        },
    )
    result = await flow.act(A.report_not_helped, SP)
    assert result["state"] == "remedy"
    result = await flow.act(A.choose_remedy, SP, {"kind": "return_to_plant"})
    assert (result["state"], result["letter"]) == ("awaiting_return", "return_instructions")
    await flow.act(A.lend_substitute, SV, {"substitute_serial": "SUB-7", "lent_on": "2026-11-01"})
    await flow.act(A.return_shipped, SV)
    assert (await flow.act(A.unit_received, SV))["state"] == "inspection"
    # no repair before the act and the cost bearer
    problem = await flow.act(A.plan_repair, SV, expect=409)
    assert "inspection act" in problem["detail"] and problem["reasons"]
    result = await flow.act(A.record_inspection_act, SV)
    assert (result["state"], result["letter"]) == ("inspection", "inspection_act")
    assert (await flow.read())["cost_bearer"] == "manufacturer"
    assert (await flow.act(A.plan_repair, SP))["state"] == "repair"
    await flow.act(A.return_unit, SV, expect=409)  # repair not done yet
    await flow.act(A.repair_done, SV)
    result = await flow.act(A.return_unit, SV)
    assert (result["state"], result["letter"]) == ("returned", "repair_completed")
    await flow.act(A.request_withdrawal, SP)
    problem = await flow.act(A.withdrawal_received, SP, expect=409)
    assert "substitute unit" in problem["detail"]
    await flow.act(A.substitute_returned, SV)
    result = await flow.act(A.withdrawal_received, SP)
    assert (result["state"], result["resolution"]) == ("closed", "repaired")
    events = await _events(flow)
    assert events[0] == "register" and events[-1] == "withdrawal_received"
    assert "record_inspection_act" in events and "repair_done" in events


async def test_field_visit_then_repair_impossible_then_replacement(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim, sale_date=date.today() - timedelta(days=200))
    faulty = (await flow.read())["serial_number"]
    before = (await client.get(f"/api/v1/warranty/{faulty}", headers=auth(SP))).json()
    assert before["status"] == "in_warranty"
    await flow.act(A.refer_to_design, SP)
    result = await flow.act(
        A.answer_referral, DS, {"cause": "undetermined", "analysis": "Needs inspection on site."}
    )
    assert result["state"] == "remedy" and result["letter"] is None
    result = await flow.act(A.choose_remedy, HD, {"kind": "field_service"})
    assert (result["state"], result["letter"]) == ("field_service", "service_visit")
    await flow.act(A.field_visit_done, SV, expect=409)  # not scheduled
    await flow.act(A.schedule_field_visit, SV)
    assert (await flow.act(A.field_visit_done, SV))["state"] == "inspection"
    await flow.act(A.record_inspection_act, SV)
    await flow.act(A.plan_repair, SV)
    result = await flow.act(A.offer_replacement, SP)
    assert (result["state"], result["letter"]) == ("replacement", "replacement_offer")
    new_serial = unique("NEW")
    await flow.act(A.ship_replacement, SV, expect=409)  # replacement not recorded
    await flow.act(A.record_replacement, SV, {"replacement_serial": new_serial})
    await flow.act(A.record_replacement, SV, {"replacement_serial": unique("X")}, expect=409)
    assert (await flow.act(A.ship_replacement, SV))["state"] == "returned"
    await flow.act(A.request_withdrawal, SP)
    result = await flow.act(A.withdrawal_received, SP)
    assert result["resolution"] == "replaced"
    moved = (await client.get(f"/api/v1/warranty/{new_serial}", headers=auth(SP))).json()
    assert moved["status"] == "in_warranty" and moved["end_date"] == before["end_date"]
    old = (await client.get(f"/api/v1/warranty/{faulty}", headers=auth(SP))).json()
    assert old["status"] == "void" and new_serial in old["void_reason"]


async def test_out_of_warranty_paid_repair_declined(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim, sale_date=date(2020, 1, 1), months=12)
    claim = await flow.read()
    assert claim["warranty_status"] == "expired"
    assert claim["warranty_end_date"] == "2020-12-31"
    assert any("Expired" in r for r in claim["warranty_reasons"])
    assert "offer_paid_repair" in claim["allowed_actions"]
    result = await flow.act(A.offer_paid_repair, SP)
    assert (result["state"], result["letter"]) == (
        "awaiting_payment_guarantee",
        "paid_repair_offer",
    )
    result = await flow.act(A.decline_paid_repair, SP)
    assert (result["state"], result["resolution"]) == ("closed", "declined_paid_repair")


async def test_paid_repair_accepted_returns_to_triage_with_customer_paying(
    client, auth, new_claim
) -> None:
    flow = await _flow(
        client,
        auth,
        new_claim,
        sale_date=date(2025, 1, 1),
        void_reason="Stored outdoors in the rain",
    )
    assert (await flow.read())["warranty_status"] == "void"
    await flow.act(A.offer_paid_repair, SP)
    result = await flow.act(A.accept_paid_repair, SP)
    assert result["state"] == "new" and "offer_paid_repair" not in result["allowed_actions"]
    assert (await flow.read())["cost_bearer"] == "customer"


async def test_cost_bearer_disputed_then_settled(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim)
    await flow.act(A.refer_to_design, SP)
    await flow.act(A.answer_referral, DS, {"cause": "wear", "analysis": "Seal worn."})
    await flow.act(A.choose_remedy, SP, {"kind": "return_to_plant"})
    await flow.act(A.unit_received, SV)
    act = {**BODIES[A.record_inspection_act], "culpability": "customer", "cost_bearer": "customer"}
    await flow.act(A.record_inspection_act, SV, act)
    assert (await flow.act(A.open_dispute, SP))["state"] == "disputed"
    await flow.act(A.settle_dispute, SP, expect=403)  # the head decides
    result = await flow.act(
        A.settle_dispute,
        HD,
        {
            "outcome": "Independent expertise found a casting defect.",
            "cost_bearer": "manufacturer",
            "legal_review": "No grounds to charge the customer.",
            "independent_expertise": {"organisation": "TÜV", "conclusion": "Casting porosity"},
        },
    )
    assert result["state"] == "inspection"
    claim = await flow.read()
    assert claim["cost_bearer"] == "manufacturer"
    assert "plan_repair" in (await flow.read(SV))["allowed_actions"]


async def test_design_asks_for_info_and_a_customer_message_resumes_review(
    client, auth, new_claim
) -> None:
    flow = await _flow(client, auth, new_claim)
    await flow.act(
        A.refer_to_design, SP, {"memo": "Noise at start, see description.", "urgency": "critical"}
    )
    inbox = (await client.get("/api/v1/referrals", headers=auth(DS))).json()["items"]
    mine = [r for r in inbox if r["claim_number"] == flow.number]
    assert len(mine) == 1 and mine[0]["urgency"] == "critical"
    assert mine[0]["claim_version"] == flow.version
    assert mine[0]["answer_path"].endswith(f"{flow.number}/answer-referral")
    result = await flow.act(
        A.answer_referral,
        DS,
        {"cause": "needs_info", "analysis": "Cannot tell.", "information_needed": "A video."},
    )
    assert (result["state"], result["letter"]) == ("awaiting_customer_info", "information_request")
    waiting = (
        await client.get(
            "/api/v1/referrals", headers=auth(DS), params={"state": "awaiting_customer_info"}
        )
    ).json()["items"]
    assert flow.number in [r["claim_number"] for r in waiting]
    # a staff note does not resume; the customer's message (any channel) does
    response = await client.post(
        f"{CLAIMS}/{flow.number}/messages",
        headers=auth(SP),
        json={"direction": "outbound", "channel": "email", "body": "Please send a video."},
    )
    assert response.status_code == 201
    assert (await flow.read())["state"] == "awaiting_customer_info"
    response = await client.post(
        f"{CLAIMS}/{flow.number}/messages",
        headers=auth(IN),
        json={"direction": "inbound", "channel": "phone", "body": "Video sent by email."},
    )
    assert response.status_code == 201
    claim = await flow.read()
    assert claim["state"] == "design_review"
    assert claim["timeline"][-1]["action"] == "customer_info_received"
    flow.version = claim["version"]
    result = await flow.act(
        A.answer_referral,
        DS,
        {"cause": "misuse", "analysis": "Wired wrong.", "recommendations": "Rewire."},
    )
    assert result["state"] == "awaiting_customer_confirmation"
    open_now = (await client.get("/api/v1/referrals", headers=auth(DS))).json()["items"]
    assert flow.number not in [r["claim_number"] for r in open_now]
    answered = (
        await client.get("/api/v1/referrals", headers=auth(DS), params={"status": "answered"})
    ).json()["items"]
    assert flow.number in [r["claim_number"] for r in answered]


async def test_triage_question_resumes_triage(client, auth, new_claim) -> None:
    flow = Flow(client, auth, await new_claim())
    assert (await flow.act(A.request_info, SP))["state"] == "awaiting_customer_info"
    result = await flow.act(A.customer_info_received, IN)
    assert result["state"] == "new"
    # a question the specialist asks during design review resumes the review
    await flow.act(A.refer_to_design, SP)
    assert (await flow.act(A.request_info, SP))["state"] == "awaiting_customer_info"
    response = await client.post(
        f"{CLAIMS}/{flow.number}/messages",
        headers=auth(IN),
        json={"direction": "inbound", "channel": "email", "body": "Here are the photos."},
    )
    assert response.status_code == 201
    claim = await flow.read()
    assert claim["state"] == "design_review" and claim["version"] == flow.version + 1


async def test_unknown_unit_and_recheck_after_registering_it(client, auth, new_claim) -> None:
    serial = unique("LATE")
    flow = Flow(
        client, auth, await new_claim(product={"model_name": "Pump", "serial_number": serial})
    )
    claim = await flow.read()
    assert claim["warranty_status"] == "unknown_unit"
    assert serial in claim["warranty_reasons"][0]
    code, registered = await make_unit(client, auth)
    result = await flow.act(A.check_warranty, SP, {"serial_number": registered})
    assert result["state"] == "new"
    claim = await flow.read()
    assert claim["warranty_status"] == "in_warranty" and claim["serial_number"] == registered
    assert claim["model_code"] == code


async def test_close_reopen_by_head(client, auth, new_claim) -> None:
    flow = Flow(client, auth, await new_claim())
    problem = await flow.act(A.close, SP, {"resolution": "repaired", "reason": "done"}, expect=409)
    assert "unit returned" in problem["detail"]
    result = await flow.act(A.close, SP, {"resolution": "duplicate", "reason": "Same as before"})
    assert result["resolution"] == "duplicate" and result["letter"] == "closure"
    problem = await flow.act(A.reopen, SP, expect=403)
    assert problem["required_roles"] == ["head"]
    result = await flow.act(A.reopen, HD)
    assert result["state"] == "new"
    claim = await flow.read()
    assert claim["resolution"] is None and claim["closed_at"] is None
    result = await flow.act(A.close, HD, {"resolution": "rejected", "reason": "Not our product"})
    assert result["letter"] == "rejection"


async def test_warranty_by_serial(client, auth) -> None:
    code, serial = await make_unit(
        client, auth, sale_date=date(2026, 1, 15), months=12, extension=6
    )
    response = await client.get(f"/api/v1/warranty/{serial}", headers=auth(Role.auditor))
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["model_code"], body["end_date"]) == (
        "in_warranty",
        code,
        "2027-07-14",
    )
    assert any("extended by contract by 6 months" in r for r in body["reasons"])
    unknown = (await client.get("/api/v1/warranty/NOPE-1", headers=auth(SP))).json()
    assert unknown["status"] == "unknown_unit" and unknown["end_date"] is None
    assert (await client.get(f"/api/v1/warranty/{serial}")).status_code == 401


async def test_referral_inbox_oldest_first_with_paging_and_filters(client, auth, new_claim) -> None:
    numbers = []
    for urgency in ("low", "critical", "low"):
        flow = Flow(client, auth, await new_claim())
        await flow.act(
            A.refer_to_design, SP, {"memo": "Defect described in detail.", "urgency": urgency}
        )
        numbers.append(flow.number)
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = (
            await client.get(
                "/api/v1/referrals", headers=auth(DS), params={"limit": 2, "offset": offset}
            )
        ).json()
        items += page["items"]
        offset = page["next_offset"]
    mine = [r["claim_number"] for r in items if r["claim_number"] in numbers]
    assert mine == numbers  # oldest first
    created = [r["created_at"] for r in items]
    assert created == sorted(created)
    critical = (
        await client.get(
            "/api/v1/referrals", headers=auth(DS), params={"urgency": "critical", "limit": 200}
        )
    ).json()["items"]
    assert numbers[1] in [r["claim_number"] for r in critical]
    assert numbers[0] not in [r["claim_number"] for r in critical]
    bad = await client.get("/api/v1/referrals", headers=auth(DS), params={"status": "lost"})
    assert bad.status_code == 422


async def test_claim_shows_each_caller_their_own_actions(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim)
    await flow.act(A.refer_to_design, SP)
    assert (await flow.read(DS))["allowed_actions"] == ["answer_referral"]
    assert (await flow.read(SV))["allowed_actions"] == []
    assert (await flow.read(Role.auditor))["allowed_actions"] == []
    assert "answer_referral" not in (await flow.read(SP))["allowed_actions"]


async def test_actions_that_call_for_a_letter_draft_it(client, auth, new_claim) -> None:
    flow = await _flow(client, auth, new_claim)
    result = await flow.act(A.refer_to_design, Role.specialist)
    assert result["letter"] == "design_memo"
    letter = await client.get(f"/api/v1/letters/{result['letter_id']}", headers=auth("specialist"))
    assert letter.status_code == 200
    assert (letter.json()["kind"], letter.json()["state"]) == ("design_memo", "draft")
    timeline = [e["action"] for e in (await flow.read())["timeline"]]
    assert timeline[-2:] == ["refer_to_design", "letter_drafted"]
