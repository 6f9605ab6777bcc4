"""What the actions record, read back through GET /claims/{number}/records, and the
replacement's refusals."""

from typing import Any

from sqlalchemy import update

from app.enums import Action as A
from app.enums import ClaimState, Role
from app.models.claims import Claim
from tests.api.workflow_support import BODIES, CLAIMS, Flow, make_unit
from tests.conftest import unique

SP, DS, SV, HD = Role.specialist, Role.design, Role.service, Role.head


async def _force_state(app: Any, number: str, state: ClaimState) -> None:
    async with app.state.session_factory() as session:
        await session.execute(update(Claim).where(Claim.number == number).values(state=state))
        await session.commit()


async def test_records_of_a_worked_claim(client, auth, new_claim) -> None:
    code, serial = await make_unit(client, auth)
    flow = Flow(
        client, auth, await new_claim(product={"model_code": code, "serial_number": serial})
    )
    await flow.act(A.refer_to_design, SP)
    await flow.act(A.answer_referral, DS, {"cause": "wear", "analysis": "Seal worn out."})
    await flow.act(A.choose_remedy, SP, {"kind": "return_to_plant", "instructions": "Ship it"})
    await flow.act(A.return_shipped, SV)
    await flow.act(A.unit_received, SV, {"received_on": "2026-11-20", "condition": "dented"})
    await flow.act(A.record_inspection_act, SV)
    await flow.act(A.open_dispute, SP)
    await flow.act(A.settle_dispute, HD)
    await flow.act(A.plan_repair, SV, {"steps": ["New seal"], "estimated_cost": "120.50"})
    await flow.act(
        A.repair_done, SV, {"completed_on": "2026-11-22", "work_done": "Seal", "cost": "99.90"}
    )

    response = await client.get(f"{CLAIMS}/{flow.number}/records", headers=auth(Role.auditor))
    assert response.status_code == 200, response.text
    records = response.json()
    assert records["state"] == "repair" and records["version"] == flow.version
    assert records["facts"]["has_inspection_act"] and records["facts"]["repair_done"]
    assert records["facts"]["cost_bearer"] == "shared"
    assert [r["status"] for r in records["referrals"]] == ["answered"]
    assert records["design_findings"][0]["cause"] == "wear"
    act = records["inspection_acts"][0]
    assert act["customer_participants"] == [{"name": "J. Bērziņš", "position": "chief engineer"}]
    jobs = {j["kind"]: j for j in records["service_jobs"]}
    assert jobs["return_to_plant"]["status"] == "received"
    assert jobs["return_to_plant"]["tracking_number"] == "1Z"
    assert jobs["return_to_plant"]["details"] == {"instructions": "Ship it", "condition": "dented"}
    assert jobs["repair"]["status"] == "done" and jobs["repair"]["cost"] == "99.90"
    dispute = records["disputes"][0]
    assert dispute["cost_bearer"] == "shared" and dispute["settled_by"] == "test-head"
    assert (
        await client.get(f"{CLAIMS}/CLM-1999-000001/records", headers=auth(SP))
    ).status_code == 404


async def test_replacement_refusals(app, client, auth, new_claim) -> None:
    unknown = await new_claim()  # its serial is not registered
    await _force_state(app, unknown["number"], ClaimState.replacement)
    flow = Flow(client, auth, unknown)
    problem = await flow.act(A.record_replacement, SV, {"replacement_serial": unique()}, expect=409)
    assert "not registered" in problem["detail"]
    problem = await flow.act(
        A.record_replacement,
        SV,
        {"faulty_serial": "NOPE", "replacement_serial": unique()},
        expect=422,
    )
    assert problem["errors"][0]["field"] == "body.faulty_serial"

    code, serial = await make_unit(client, auth)
    claim = await new_claim(product={"model_code": code, "serial_number": serial})
    await _force_state(app, claim["number"], ClaimState.replacement)
    flow = Flow(client, auth, claim)
    await flow.act(A.record_replacement, SV, {"replacement_serial": serial}, expect=422)
    await flow.act(
        A.record_replacement,
        SV,
        {"replacement_serial": unique(), "replacement_model_code": "NO-SUCH"},
        expect=422,
    )
    fresh = unique("FRESH")
    await flow.act(A.record_replacement, SV, {"replacement_serial": fresh, "warranty": "fresh"})
    body = (await client.get(f"/api/v1/warranty/{fresh}", headers=auth(SP))).json()
    assert body["status"] == "in_warranty" and body["model_code"] == code
    assert body["start_date"] >= claim["received_at"][:10]
    assert BODIES[A.record_replacement]  # the shared valid body stays valid
