"""The heavy paths leave the event loop free (issue 17, point 1): PDF rendering, the CSV units
import and the reports each run while tests/support/looplag.py watches the loop. The bound is
generous (p99 lag under 100 ms): it catches work done on the loop, not slowness. (Email is in
test_email_limits.py.)"""

import itertools
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.enums import Role
from app.models.claims import Claim
from app.models.customers import Customer
from app.models.reference import ProductModel
from tests.support.looplag import loop_lag

BOUND = 0.1
YEAR = 2002  # the reports' claims live in a year of their own (tests/reports_data.py)
_seq = itertools.count(random.randint(100000, 800000))


@pytest.fixture(autouse=True)
async def warm(client):
    # An app's first request builds its routes (FastAPI): not what these tests measure.
    assert (await client.get("/healthz")).status_code == 200


async def _model(client, auth) -> str:
    code = f"LAG-{uuid.uuid4().hex[:8]}"
    r = await client.post(
        "/api/v1/product-models",
        json={"code": code, "name": "Pump", "warranty_months": 24},
        headers=auth(Role.admin),
    )
    assert r.status_code == 201, r.text
    return code


async def test_csv_units_import(client, auth):
    code = await _model(client, auth)
    rows = [f"LAG-{uuid.uuid4().hex[:12]};{code};2025-01-10;Owner {i};" for i in range(20_000)]
    csv_text = "serial_number;model_code;sale_date;owner_name;warranty_extension_months\n"
    content = (csv_text + "\n".join(rows) + "\n").encode()
    async with loop_lag() as lag:
        r = await client.post(
            "/api/v1/units/import",
            headers=auth(Role.admin),
            files={"file": ("units.csv", content, "text/csv")},
        )
    assert r.status_code == 200 and r.json()["created"] == 20_000, r.text[:500]
    assert lag.p99 < BOUND, f"event loop: {lag}"


@pytest.fixture(scope="module")
async def report_claims(app) -> int:
    """1,000 uncoded claims alike enough to be grouped, in a year of their own."""
    # Forty words, five to a description: alike enough to pair up (a word in more than half of
    # them would not count for SQLite's token overlap, docs/reports.md), different enough to
    # make the grouping real work.
    words = [f"{stem}{n}" for stem in ("pump", "motor", "seal", "valve") for n in range(10)]
    rng = random.Random(17)
    async with app.state.session_factory() as s:
        model = ProductModel(code=f"LAG-{uuid.uuid4().hex[:8]}", name="Pump", warranty_months=24)
        customer = Customer(name=f"Loop lag {uuid.uuid4().hex[:6]}")
        s.add_all([model, customer])
        await s.flush()
        start = datetime(YEAR, 3, 1, 9, tzinfo=UTC)
        for i in range(1000):
            seq = next(_seq)
            received = start + timedelta(hours=i)
            s.add(
                Claim(
                    number=f"CLM-{YEAR}-{seq:06d}",
                    year=YEAR,
                    seq=seq,
                    channel="web",
                    state="new",
                    customer_id=customer.id,
                    product_model_id=model.id,
                    defect_description=" ".join(rng.sample(words, 5)),
                    received_at=received,
                    ack_due_date=received.date() + timedelta(days=3),
                    ack_deadline_date=received.date() + timedelta(days=5),
                    created_by="tests",
                )
            )
        await s.commit()
    return 1000


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/reports/summary", {}),
        ("/api/v1/reports/summary", {"format": "csv"}),
        ("/api/v1/reports/recurring-defects", {}),
        ("/api/v1/reports/costs", {"year": YEAR}),
    ],
)
async def test_reports(client, auth, report_claims, path, params):
    if "year" not in params:
        params = {"received_from": date(YEAR, 1, 1), "received_to": date(YEAR, 12, 31), **params}
    async with loop_lag() as lag:
        r = await client.get(path, params=params, headers=auth(Role.head))
    assert r.status_code == 200, r.text[:500]
    assert lag.p99 < BOUND, f"event loop: {lag}"


async def _draft(client, auth, new_claim) -> int:
    claim = await new_claim()
    r = await client.post(
        f"/api/v1/claims/{claim['number']}/letters",
        json={"kind": "acknowledgement"},
        headers=auth(Role.specialist),
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_pdf_preview_and_issue(client, auth, new_claim):
    letter_id = await _draft(client, auth, new_claim)
    base = f"/api/v1/letters/{letter_id}"
    # The first render starts the PDF workers (and loads WeasyPrint there).
    assert (await client.get(f"{base}/preview.pdf", headers=auth(Role.specialist))).is_success
    async with loop_lag() as preview_lag:
        r = await client.get(f"{base}/preview.pdf", headers=auth(Role.specialist))
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text[:300]
    assert preview_lag.p99 < BOUND, f"event loop (preview): {preview_lag}"
    for action, role in (("submit", Role.specialist), ("approve", Role.head)):
        assert (await client.post(f"{base}/{action}", headers=auth(role))).status_code == 200
    async with loop_lag() as issue_lag:
        r = await client.post(f"{base}/issue", headers=auth(Role.specialist))
    assert r.status_code == 200, r.text
    assert issue_lag.p99 < BOUND, f"event loop (issue): {issue_lag}"


def test_the_helper_sees_a_blocked_loop():
    """The helper itself: a 300 ms stall among quick ticks shows in p99."""
    import asyncio
    import time

    async def run() -> Any:
        async with loop_lag() as lag:
            await asyncio.sleep(0.05)
            time.sleep(0.3)  # noqa: ASYNC251 - blocks the loop on purpose
            await asyncio.sleep(0.05)
        return lag

    lag = asyncio.run(run())
    assert lag.p99 > 0.2 and lag.worst >= 0.29, str(lag)
