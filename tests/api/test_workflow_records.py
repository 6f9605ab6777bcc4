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


async def _unit(client, auth, serial: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/units/{serial}", headers=auth(Role.admin))
    assert response.status_code == 200, response.text
    return response.json()


async def _new_unit(client, auth, code: str, **fields: Any) -> str:
    serial = unique("U")
    body = {"serial_number": serial, "model_code": code, **fields}
    response = await client.post("/api/v1/units", headers=auth(Role.admin), json=body)
    assert response.status_code == 201, response.text
    return serial


async def test_replacement_never_takes_another_customers_unit(app, client, auth, new_claim) -> None:
    """Issue 17: record-replacement took a serial sold to another customer, with open claims
    of its own, and overwrote that unit's sale date."""
    code, serial = await make_unit(client, auth)
    claim = await new_claim(product={"model_code": code, "serial_number": serial})
    await _force_state(app, claim["number"], ClaimState.replacement)
    flow = Flow(client, auth, claim)
    customer = claim["customer"]["name"]

    # Sold to someone else, who has an open claim on it.
    theirs = await _new_unit(client, auth, code, sale_date="2024-05-01", owner_name="Other SIA")
    other = await new_claim(product={"model_code": code, "serial_number": theirs})
    assert other["customer"]["id"] != claim["customer"]["id"]
    before = await _unit(client, auth, theirs)
    problem = await flow.act(A.record_replacement, SV, {"replacement_serial": theirs}, expect=409)
    assert "another customer" in problem["detail"] and problem["field"] == "body.replacement_serial"
    assert await _unit(client, auth, theirs) == before

    # The same without an owner's name: the other customer's claim tells it.
    unnamed = await _new_unit(client, auth, code)
    await new_claim(product={"model_code": code, "serial_number": unnamed})
    problem = await flow.act(A.record_replacement, SV, {"replacement_serial": unnamed}, expect=409)
    assert "claims of another customer" in problem["detail"]

    # This customer's own unit, but with an open claim of its own.
    own = await _new_unit(client, auth, code, owner_name=f"  {customer.upper()} ")
    await new_claim(
        customer={"name": customer, "email": claim["contact"]["email"]},
        product={"model_code": code, "serial_number": own},
    )
    problem = await flow.act(A.record_replacement, SV, {"replacement_serial": own}, expect=409)
    assert "open claims" in problem["detail"]

    # Sold, owner unknown: not ours to rewrite either.
    sold = await _new_unit(client, auth, code, sale_date="2023-01-02")
    problem = await flow.act(A.record_replacement, SV, {"replacement_serial": sold}, expect=409)
    assert "sold on 2023-01-02" in problem["detail"]

    # Nor may the faulty unit be someone else's: its warranty would end.
    problem = await flow.act(
        A.record_replacement,
        SV,
        {"faulty_serial": theirs, "replacement_serial": unique("NEW")},
        expect=409,
    )
    assert problem["field"] == "body.faulty_serial"
    assert await _unit(client, auth, theirs) == before

    # A unit from stock (no owner, no sale, no claims) becomes this customer's replacement.
    stock = await _new_unit(client, auth, code)
    await flow.act(A.record_replacement, SV, {"replacement_serial": stock})
    taken = await _unit(client, auth, stock)
    assert taken["sale_date"] == (await _unit(client, auth, serial))["sale_date"]
