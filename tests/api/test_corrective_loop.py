"""The whole loop of issue 19 on the real database, through the API only after the claims are
in: a recurring-defect group from the report becomes a corrective action with D2 filled; its
actions are done; a proposal to production is issued; a claim against the supplier of the
component recovers money, which the costs report shows; the effectiveness check computes the
claim rate before and after the fix from the units registry; the 8D report renders in the four
languages."""

from datetime import UTC, date, datetime
from typing import Any

from app.enums import Role
from tests.api.subject_letters_support import pdf_text
from tests.api.supplier_support import make_supplier
from tests.reports_data import make_claim, make_customer, make_model, open_session, tag

CA = "/api/v1/corrective-actions"
SC = "/api/v1/supplier-claims"
LETTERS = "/api/v1/letters"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ifm(auth: Any, role: Role, version: int) -> dict[str, str]:
    return auth(role, **{"If-Match": f'"{version}"'})


async def test_from_a_recurring_defect_to_a_verified_fix(app, client, auth) -> None:
    # Four seal leaks on one model in spring 2025 (a systematic group), one after the fix.
    async for session in open_session(app):
        model = await make_model(session)
        customer = await make_customer(session)
        before = [
            await make_claim(
                session,
                customer=customer,
                model=model,
                received_at=day,
                reported_serial=f"{model.code}-S{i:03d}",
                cause="manufacturing_defect",
                description=f"Water leaks from the shaft seal ({i})",
            )
            for i, day in enumerate(
                (utc(2025, 3, 10, 9), utc(2025, 4, 1, 9), utc(2025, 5, 1, 9), utc(2025, 5, 30, 9))
            )
        ]
        await make_claim(session, customer=customer, model=model, received_at=utc(2025, 7, 1, 9))
        await session.commit()
    window = {"received_from": "2025-03-01", "received_to": "2025-05-31"}
    prefix = f"U{tag()}"
    for i, sold in enumerate([date(2025, 3, 5)] * 4 + [date(2025, 6, 5)] * 4):
        unit = await client.post(
            "/api/v1/units",
            json={
                "serial_number": f"{prefix}{i:03d}",
                "model_code": model.code,
                "sale_date": sold.isoformat(),
            },
            headers=auth(Role.admin),
        )
        assert unit.status_code == 201, unit.text

    # 1. The report finds the group; the corrective action is opened from it, D2 filled in.
    report = await client.get(
        "/api/v1/reports/recurring-defects",
        params=window | {"product_model": model.code},
        headers=auth(Role.head),
    )
    assert report.status_code == 200, report.text
    (group,) = [g for g in report.json()["by_cause"] if g["product_model"] == model.code]
    assert sorted(group["claim_numbers"]) == sorted(c.number for c in before)
    opened = await client.post(
        CA,
        json={
            "group": window
            | {
                "kind": "model",
                "product_model": model.code,
                "defect_cause": group["defect_cause"],
            }
        },
        headers=auth(Role.specialist),
    )
    assert opened.status_code == 201, opened.text
    ca = opened.json()
    number, v = ca["number"], ca["version"]
    assert sorted(c["number"] for c in ca["claims"]) == sorted(group["claim_numbers"])
    facts = ca["d2_problem"]["facts"]
    assert facts["claims"] == 4
    assert (facts["first_received_on"], facts["last_received_on"]) == ("2025-03-10", "2025-05-30")
    assert facts["serial_min"] == f"{model.code}-S000"
    assert facts["serial_max"] == f"{model.code}-S003"
    assert any("shaft seal (2)" in s["text"] for s in facts["symptoms"])

    async def patch(body: dict[str, Any], role: Role = Role.specialist) -> None:
        nonlocal v
        response = await client.patch(f"{CA}/{number}", json=body, headers=ifm(auth, role, v))
        assert response.status_code == 200, response.text
        v = response.json()["version"]

    async def act(action: str, role: Role = Role.head) -> dict[str, Any]:
        nonlocal v
        response = await client.post(f"{CA}/{number}/actions/{action}", headers=ifm(auth, role, v))
        assert response.status_code == 200, response.text
        v = response.json()["version"]
        return response.json()

    # 2. The team works it: root cause in a purchased seal, a corrective action done.
    await patch({"team": [{"name": "Ilze Kalniņa", "role": "leader", "function": "quality"}]})
    await act("start_analysis")
    await patch(
        {
            "root_cause_whys": ["The seal leaks", "The lip hardens", "Wrong elastomer"],
            "root_cause_category": "material",
            "root_cause": "The supplier changed the seal's elastomer without notice.",
            "purchased_component": "Shaft seal 28x40x7",
        },
        Role.design,
    )
    await act("plan_actions", Role.design)
    task = await client.post(
        f"{CA}/{number}/tasks",
        json={"kind": "corrective", "description": "Seals of FKM only", "owner": "design"},
        headers=auth(Role.design),
    )
    assert task.status_code == 201, task.text
    done = await client.patch(
        f"{CA}/{number}/tasks/{task.json()['id']}",
        json={"status": "done", "done_on": "2025-05-31"},
        headers=auth(Role.head),
    )
    assert done.status_code == 200, done.text
    await patch({"fix_effective_on": "2025-06-01"})
    assert (await act("record_fix"))["state"] == "verifying"

    # 3. The proposal to production, signed off and issued in the memo register.
    drafted = await client.post(
        f"{CA}/{number}/letters",
        json={
            "kind": "production_proposal",
            "proposal": "change_design",
            "addressee": "technical_director",
        },
        headers=auth(Role.specialist),
    )
    assert drafted.status_code == 201, drafted.text
    letter_id = drafted.json()["id"]
    for step, role in (("submit", Role.specialist), ("approve", Role.head)):
        response = await client.post(f"{LETTERS}/{letter_id}/{step}", headers=auth(role))
        assert response.status_code == 200, response.text
    issued = await client.post(f"{LETTERS}/{letter_id}/issue", headers=auth(Role.specialist))
    assert issued.status_code == 200, issued.text
    assert issued.json()["state"] == "issued" and issued.json()["number"].startswith("M-")
    memo = pdf_text(
        (await client.get(f"{LETTERS}/{letter_id}/pdf", headers=auth(Role.head))).content
    )
    assert number in memo and "Количество рекламаций 4" in memo

    # 4. The claim against the seal's supplier, accepted and settled: money recovered.
    supplier = await make_supplier(client, auth)
    created = await client.post(
        SC,
        json={
            "supplier_id": supplier["id"],
            "contact_id": supplier["contacts"][0]["id"],
            "component": "Shaft seal 28x40x7",
            "defect_description": "The seal's lip hardens and leaks within weeks.",
            "claim_numbers": group["claim_numbers"],
            "corrective_action": number,
            "amount_claimed": "1250.00",
            "currency": "EUR",
        },
        headers=auth(Role.specialist),
    )
    assert created.status_code == 201, created.text
    sc = created.json()
    for action, body in (
        ("mark_sent", {"channel": "post"}),
        ("accept", {"amount_accepted": "1000.00"}),
        ("settle", {"amount_recovered": "1000.00", "recovered_on": "2025-09-15"}),
    ):
        response = await client.post(
            f"{SC}/{sc['number']}/actions/{action}",
            json=body,
            headers=ifm(auth, Role.head, sc["version"]),
        )
        assert response.status_code == 200, response.text
        sc = response.json()
    assert sc["state"] == "settled"
    costs = await client.get(
        "/api/v1/reports/costs", params={"year": 2025}, headers=auth(Role.head)
    )
    assert costs.status_code == 200, costs.text
    (row,) = [
        r for r in costs.json()["recovered_by_supplier"] if r["supplier_id"] == supplier["id"]
    ]
    assert (row["amount"], row["currency"], row["supplier_claims"]) == ("1000.00", "EUR", 1)

    # 5. Effectiveness from the claims before and after the fix, per unit sold.
    result = await act("check_effectiveness", Role.specialist)
    assert result["state"] == "effective"
    figures = result["d6_verification"]["effectiveness"]
    assert (figures["claims_before"], figures["claims_after"]) == (4, 1)
    assert (figures["units_before"], figures["units_after"]) == (4, 4)
    assert (figures["rate_before"], figures["rate_after"]) == (1.0, 0.25)

    # 6. The 8D report, as JSON and as a PDF in each language, the model named in it.
    names = {"ru": "Насос циркуляционный", "lv": "Cirkulācijas sūknis", "bg": "Циркулационна помпа"}
    named = await client.patch(
        f"/api/v1/product-models/{model.code}", json={"names": names}, headers=auth(Role.admin)
    )
    assert named.status_code == 200, named.text
    eight_d = await client.get(f"{CA}/{number}/report", headers=auth(Role.auditor))
    assert eight_d.status_code == 200, eight_d.text
    assert eight_d.json()["header"]["number"] == number
    for language, title in (
        ("ru", "Отчёт 8D"),
        ("lv", "8D ziņojums"),
        ("bg", "Доклад 8D"),
        ("en", "8D report"),
    ):
        pdf = await client.get(
            f"{CA}/{number}/report.pdf", params={"language": language}, headers=auth(Role.head)
        )
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        text = pdf_text(pdf.content)
        assert title in text and number in text, (language, text[:400])
        assert "The supplier changed the seal's elastomer without notice." in text
        assert names.get(language, model.name) in text
