"""Helpers for the workflow's API tests: valid bodies per action, taking actions over HTTP."""

from datetime import date, timedelta
from typing import Any

import httpx

from app.enums import Action, Role
from tests.conftest import unique

CLAIMS = "/api/v1/claims"
TODAY = date.today().isoformat()


def path(number: str, action: Action | str) -> str:
    return f"{CLAIMS}/{number}/{Action(action).value.replace('_', '-')}"


# A valid body for every action (the refusal tests send these; the paths override some).
BODIES: dict[Action, dict[str, Any]] = {
    Action.check_warranty: {},
    Action.request_info: {"questions": "Please send photos of the terminal box."},
    Action.customer_info_received: {"summary": "Photos received by phone call"},
    Action.offer_paid_repair: {"estimated_cost": "450.00", "currency": "EUR"},
    Action.accept_paid_repair: {"guarantee_reference": "GL-2026/117", "amount": "450.00"},
    Action.decline_paid_repair: {"reason": "Too expensive"},
    Action.refer_to_design: {
        "memo": "Pump stops after ten minutes; motor overheats.",
        "urgency": "high",
    },
    Action.answer_referral: {
        "cause": "misuse",
        "analysis": "Phases reversed.",
        "recommendations": "Swap two phases.",
    },
    Action.confirm_resolved: {"how": "phone"},
    Action.report_not_helped: {"details": "Still stops."},
    Action.choose_remedy: {"kind": "return_to_plant"},
    Action.schedule_field_visit: {"visit_date": TODAY, "technicians": ["A. Ozols"]},
    Action.field_visit_done: {
        "visited_on": TODAY,
        "outcome": "inspected",
        "report": "Bearing worn.",
    },
    Action.return_shipped: {"shipped_on": TODAY, "carrier": "DHL", "tracking_number": "1Z"},
    Action.unit_received: {"received_on": TODAY},
    Action.record_inspection_act: {
        "inspected_on": TODAY,
        "our_participants": [{"name": "I. Petrov"}],
        "customer_participants": [{"name": "J. Bērziņš", "position": "chief engineer"}],
        "findings": "Stator winding burnt.",
        "culpability": "manufacturer",
        "cost_bearer": "manufacturer",
    },
    Action.plan_repair: {"steps": ["Rewind the stator"], "location": "plant"},
    Action.offer_replacement: {"reason": "Housing cracked, repair too costly."},
    Action.repair_done: {"completed_on": TODAY, "work_done": "Stator rewound."},
    Action.return_unit: {"shipped_on": TODAY, "carrier": "DHL"},
    Action.record_replacement: {"replacement_serial": "REPL-PLACEHOLDER"},
    Action.ship_replacement: {"shipped_on": TODAY},
    Action.lend_substitute: {"substitute_serial": "SUB-1", "lent_on": TODAY},
    Action.substitute_returned: {"returned_on": TODAY},
    Action.open_dispute: {"customer_position": "The customer denies wrong connection."},
    Action.settle_dispute: {"outcome": "Costs shared.", "cost_bearer": "shared"},
    Action.request_withdrawal: {},
    Action.remind_withdrawal: {"note": "second reminder"},
    Action.withdrawal_received: {"received_on": TODAY},
    Action.close: {"resolution": "withdrawn", "reason": "The customer withdrew the claim."},
    Action.reopen: {"reason": "The defect came back."},
}


class Flow:
    """Take actions on one claim over HTTP, keeping its ETag."""

    def __init__(self, client: httpx.AsyncClient, auth: Any, claim: dict[str, Any]) -> None:
        self.client, self.auth = client, auth
        self.number: str = claim["number"]
        self.version: int = claim["version"]

    async def act(
        self,
        action: Action,
        role: Role | str,
        body: dict[str, Any] | None = None,
        *,
        expect: int = 200,
    ) -> dict[str, Any]:
        payload = BODIES[action] if body is None else body
        response = await self.client.post(
            path(self.number, action),
            json=payload,
            headers=self.auth(role, **{"If-Match": f'"{self.version}"'}),
        )
        assert response.status_code == expect, (action, response.text)
        data = response.json()
        if expect == 200:
            assert response.headers["ETag"] == f'"{data["version"]}"'
            self.version = data["version"]
        return data

    async def read(self, role: Role | str = Role.specialist) -> dict[str, Any]:
        response = await self.client.get(f"{CLAIMS}/{self.number}", headers=self.auth(role))
        assert response.status_code == 200, response.text
        return response.json()


async def make_unit(
    client: httpx.AsyncClient,
    auth: Any,
    *,
    sale_date: date | None = None,
    months: int = 24,
    void_reason: str | None = None,
    extension: int = 0,
) -> tuple[str, str]:
    """A product model and a sold unit of it; returns (model code, serial)."""
    code, serial = unique("M"), unique("SN")
    response = await client.post(
        "/api/v1/product-models",
        headers=auth(Role.admin),
        json={"code": code, "name": "Pump", "warranty_months": months},
    )
    assert response.status_code == 201, response.text
    unit: dict[str, Any] = {
        "serial_number": serial,
        "model_code": code,
        "sale_date": (sale_date or date.today() - timedelta(days=100)).isoformat(),
        "warranty_extension_months": extension,
    }
    if void_reason:
        unit["warranty_void_reason"] = void_reason
    response = await client.post("/api/v1/units", headers=auth(Role.admin), json=unit)
    assert response.status_code == 201, response.text
    return code, serial
