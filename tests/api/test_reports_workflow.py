"""The reports over claims worked through the real workflow endpoints (register, warranty,
referral, design's answer, close) and a cost recorded over HTTP: no row written by hand."""

from datetime import date, timedelta

from app.enums import Action, Role
from tests.api.workflow_support import Flow, make_unit
from tests.conftest import claim_payload, unique


async def test_reports_follow_the_workflow(client, auth) -> None:
    code, first_serial = await make_unit(client, auth)
    serials = [first_serial]
    for _ in range(2):
        serial = unique("SN")
        r = await client.post(
            "/api/v1/units",
            headers=auth(Role.admin),
            json={"serial_number": serial, "model_code": code, "sale_date": "2026-01-10"},
        )
        assert r.status_code == 201, r.text
        serials.append(serial)

    flows = []
    for serial in serials:
        r = await client.post(
            "/api/v1/claims",
            headers=auth(Role.intake),
            json=claim_payload(product={"model_code": code, "serial_number": serial}),
        )
        assert r.status_code == 201, r.text
        flow = Flow(client, auth, r.json())
        await flow.act(Action.check_warranty, Role.specialist)
        await flow.act(Action.refer_to_design, Role.specialist)
        await flow.act(Action.answer_referral, Role.design)  # cause: misuse
        flows.append(flow)
    for flow in flows[:2]:
        await flow.act(Action.close, Role.specialist)  # resolution: withdrawn

    r = await client.post(
        f"/api/v1/claims/{flows[0].number}/costs",
        headers=auth(Role.service),
        json={
            "kind": "field_visit",
            "amount": "75.00",
            "cost_bearer": "customer",
            "incurred_on": date.today().isoformat(),
        },
    )
    assert r.status_code == 201, r.text

    today = date.today()
    period = {
        "received_from": (today - timedelta(days=1)).isoformat(),
        "received_to": (today + timedelta(days=1)).isoformat(),
        "product_model": code,
    }
    summary = (
        await client.get("/api/v1/reports/summary", params=period, headers=auth(Role.head))
    ).json()
    assert summary["total_claims"] == 3
    assert summary["by_state"] == [
        {"key": "closed", "claims": 2},
        {"key": "awaiting_customer_confirmation", "claims": 1},
    ]
    assert summary["by_defect_cause"] == [{"key": "misuse", "claims": 3}]
    assert summary["by_resolution"] == [
        {"key": "withdrawn", "claims": 2},
        {"key": None, "claims": 1},
    ]
    assert summary["time_to_close"]["claims"] == 2
    assert 0 <= summary["time_to_close"]["median_hours"] < 1

    recurring = (
        await client.get(
            "/api/v1/reports/recurring-defects",
            params={**period, "threshold": 3},
            headers=auth(Role.auditor),
        )
    ).json()
    (group,) = recurring["by_cause"]
    assert (group["defect_cause"], group["claims"], group["systematic"]) == ("misuse", 3, True)
    assert group["claim_numbers"] == sorted(f.number for f in flows)
    assert (group["serial_min"], group["serial_max"]) == (min(serials), max(serials))
    assert group["share_of_model"] == 1.0

    costs = (
        await client.get(
            "/api/v1/reports/costs", params={"year": today.year}, headers=auth(Role.auditor)
        )
    ).json()
    mine = [row for row in costs["by_product_model"] if row["key"] == code]
    assert mine == [
        {
            "key": code,
            "currency": "EUR",
            "entries": 1,
            "repair": "0.00",
            "replacement": "0.00",
            "field_visit": "75.00",
            "transport": "0.00",
            "total": "75.00",
        }
    ]
