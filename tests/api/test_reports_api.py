"""The reports, costs and dashboard over HTTP: roles, formats, problems, and figures."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.enums import Role
from tests.reports_data import (
    make_claim,
    make_customer,
    make_model,
    open_session,
)

REPORTS = [
    "/api/v1/reports/summary",
    "/api/v1/reports/recurring-defects",
    "/api/v1/reports/costs?year=2026",
]
READERS = [Role.auditor, Role.head, Role.director, Role.specialist]
OTHERS = [Role.intake, Role.design, Role.service, Role.admin]


@pytest.fixture
async def session(app):
    async for s in open_session(app):
        yield s


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("url", REPORTS)
async def test_reports_need_a_key(client, url) -> None:
    response = await client.get(url)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize("role", OTHERS)
async def test_reports_refuse_other_roles(client, auth, url, role) -> None:
    response = await client.get(url, headers=auth(role))
    assert response.status_code == 403
    assert response.json()["required_roles"] == ["auditor", "director", "head", "specialist"]


@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize("role", READERS)
async def test_reports_open_to_readers_as_json_and_csv(client, auth, url, role) -> None:
    response = await client.get(url, headers=auth(role))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    as_csv = await client.get(url, headers=auth(role, Accept="text/csv"))
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"].startswith("attachment; filename=")
    by_query = await client.get(
        url + ("&" if "?" in url else "?") + "format=csv",
        headers=auth(role, Accept="application/json"),
    )
    assert by_query.text.splitlines()[0] == as_csv.text.splitlines()[0]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/reports/costs", "query.year"),
        ("/api/v1/reports/costs?year=1999", "query.year"),
        ("/api/v1/reports/costs?year=abc", "query.year"),
        ("/api/v1/reports/summary?format=xml", "query.format"),
        ("/api/v1/reports/summary?received_from=2026-02-30", "query.received_from"),
        (
            "/api/v1/reports/summary?received_from=2026-03-02&received_to=2026-03-01",
            "query.received_from",
        ),
        ("/api/v1/reports/summary?received_from=0001-01-01", "query.received_from"),
        ("/api/v1/reports/summary?received_to=9999-12-31", "query.received_to"),
        ("/api/v1/reports/summary?channel=fax", "query.channel"),
        ("/api/v1/reports/recurring-defects?received_to=0001-01-01", "query.received_to"),
        ("/api/v1/reports/recurring-defects?threshold=1", "query.threshold"),
        ("/api/v1/reports/recurring-defects?min_similarity=1.5", "query.min_similarity"),
        (
            "/api/v1/reports/recurring-defects?received_from=2026-03-02&received_to=2026-03-01",
            "query.received_from",
        ),
    ],
)
async def test_bad_report_parameters_are_problems(client, auth, url, field) -> None:
    response = await client.get(url, headers=auth(Role.auditor))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_accept_header_preference(client, auth) -> None:
    url = "/api/v1/reports/summary"
    for accept, kind in [
        ("text/csv;q=0.5, application/json", "application/json"),
        ("application/json;q=0.2, text/csv", "text/csv"),
        ("*/*", "application/json"),
        ("text/*", "text/csv"),
    ]:
        response = await client.get(url, headers=auth(Role.head, Accept=accept))
        assert response.headers["content-type"].startswith(kind), accept


@pytest.fixture
async def summary_claims(session):
    model = await make_model(session)
    cust = await make_customer(session)
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2007, 6, 4, 8),
        state="closed",
        resolution="repaired",
        cause="wear",
        description="=cmd|' /C calc'!A0 leaks",
        acknowledged_at=utc(2007, 6, 4, 9),
        closed_at=utc(2007, 6, 6, 8),
    )
    await make_claim(
        session,
        customer=cust,
        model=model,
        received_at=utc(2007, 6, 5, 8),
        channel="email",
        acknowledged_at=utc(2007, 6, 5, 11),
    )
    await session.commit()
    return model.code


async def test_summary_over_http_json_and_csv(client, auth, summary_claims) -> None:
    params = {
        "received_from": "2007-06-01",
        "received_to": "2007-06-30",
        "product_model": summary_claims,
    }
    body = (
        await client.get("/api/v1/reports/summary", params=params, headers=auth(Role.specialist))
    ).json()
    assert body["total_claims"] == 2
    assert body["by_channel"] == [{"key": "email", "claims": 1}, {"key": "web", "claims": 1}]
    assert body["time_to_acknowledge"] == {"claims": 2, "median_hours": 2.0, "p90_hours": 2.8}
    assert body["time_to_close"] == {"claims": 1, "median_hours": 48.0, "p90_hours": 48.0}
    assert body["acknowledged_within_3_working_days"]["share"] == 1.0

    text = (
        await client.get(
            "/api/v1/reports/summary",
            params={**params, "format": "csv"},
            headers=auth(Role.specialist),
        )
    ).text
    lines = {(r["section"], r["key"]): r["value"] for r in parse_csv(text)}
    assert lines[("claims", "total")] == "2"
    assert lines[("claims_by_defect_cause", "wear")] == "1"
    assert lines[("claims_by_defect_cause", "")] == "1"
    assert lines[("time_to_acknowledge", "p90_hours")] == "2.8"
    assert lines[("acknowledged_within_5_working_days", "share")] == "1.0"
    assert lines[("filter", "product_model")] == summary_claims


async def test_recurring_csv_quotes_formulas(client, auth, session) -> None:
    model = await make_model(session)
    cust = await make_customer(session)
    for day in (1, 2):
        await make_claim(
            session,
            customer=cust,
            model=model,
            received_at=utc(2008, 2, day, 8),
            description='=HYPERLINK("http://x") water leaks from the seal',
        )
    await session.commit()
    response = await client.get(
        "/api/v1/reports/recurring-defects",
        params={
            "received_from": "2008-02-01",
            "received_to": "2008-02-28",
            "product_model": model.code,
            "format": "csv",
        },
        headers=auth(Role.auditor),
    )
    rows = parse_csv(response.text)
    assert [r["kind"] for r in rows] == ["similar"]
    assert rows[0]["product_model"] == model.code
    assert rows[0]["claims"] == "2"
    assert not any(v.startswith("=") for r in rows for v in r.values())


# ---- costs -------------------------------------------------------------------------------


async def test_record_and_list_costs(client, auth, session) -> None:
    cust = await make_customer(session)
    claim = await make_claim(
        session, customer=cust, received_at=utc(2026, 1, 5, 8), cost_bearer="manufacturer"
    )
    await session.commit()
    url = f"/api/v1/claims/{claim.number}/costs"
    created = await client.post(
        url,
        json={"kind": "repair", "amount": "120.50", "incurred_on": "2026-01-20", "note": "motor"},
        headers=auth(Role.service),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["claim_number"] == claim.number
    assert (body["amount"], body["currency"], body["cost_bearer"]) == (
        "120.50",
        "EUR",
        "manufacturer",
    )
    assert body["recorded_by"] == "test-service"
    second = await client.post(
        url,
        json={"kind": "transport", "amount": 9.5, "currency": "USD", "cost_bearer": "customer"},
        headers=auth(Role.head),
    )
    assert second.status_code == 201, second.text
    assert second.json()["amount"] == "9.50"  # two decimals in the echo as in the listing
    riga_today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Riga")).date()
    assert second.json()["incurred_on"] == riga_today.isoformat()

    listing = await client.get(url, headers=auth(Role.auditor))
    assert listing.status_code == 200
    data = listing.json()
    assert [i["kind"] for i in data["items"]] == ["repair", "transport"]
    assert data["totals"] == [
        {"currency": "EUR", "amount": "120.50"},
        {"currency": "USD", "amount": "9.50"},
    ]
    detail = await client.get(f"/api/v1/claims/{claim.number}", headers=auth(Role.auditor))
    assert "record_cost" in [e["action"] for e in detail.json()["timeline"]]


async def test_cost_bearer_defaults_from_the_claim(client, auth, session) -> None:
    cust = await make_customer(session)
    disputed = await make_claim(
        session,
        customer=cust,
        received_at=utc(2026, 1, 5, 8),
        state="disputed",
        cost_bearer="manufacturer",
    )
    undecided = await make_claim(session, customer=cust, received_at=utc(2026, 1, 5, 9))
    await session.commit()
    r = await client.post(
        f"/api/v1/claims/{disputed.number}/costs",
        json={"kind": "field_visit", "amount": "80"},
        headers=auth(Role.service),
    )
    assert r.status_code == 201, r.text
    # No bearer is agreed while the claim is disputed: booked as not agreed, not as a bearer.
    assert r.json()["cost_bearer"] is None
    r = await client.post(
        f"/api/v1/claims/{undecided.number}/costs",
        json={"kind": "field_visit", "amount": "80"},
        headers=auth(Role.service),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.cost_bearer"


async def test_every_bearer_of_the_act_can_be_booked_and_reported(client, auth, session) -> None:
    cust = await make_customer(session)
    claim = await make_claim(
        session, customer=cust, received_at=utc(2003, 1, 5, 8), cost_bearer="shared"
    )
    disputed = await make_claim(
        session, customer=cust, received_at=utc(2003, 1, 5, 9), state="disputed"
    )
    await session.commit()
    url = f"/api/v1/claims/{claim.number}/costs"
    defaulted = await client.post(
        url,
        json={"kind": "repair", "amount": 1, "incurred_on": "2003-02-01"},
        headers=auth(Role.service),
    )
    assert defaulted.json()["cost_bearer"] == "shared"
    assert defaulted.json()["amount"] == "1.00"
    for bearer in ("manufacturer", "customer", "supplier", "carrier"):
        r = await client.post(
            url,
            json={
                "kind": "repair",
                "amount": "2.5",
                "cost_bearer": bearer,
                "incurred_on": "2003-02-01",
            },
            headers=auth(Role.service),
        )
        assert (r.status_code, r.json()["cost_bearer"]) == (201, bearer), r.text
    pending = await client.post(
        f"/api/v1/claims/{disputed.number}/costs",
        json={"kind": "transport", "amount": "3", "incurred_on": "2003-02-01"},
        headers=auth(Role.service),
    )
    assert pending.json()["cost_bearer"] is None
    report = (await client.get("/api/v1/reports/costs?year=2003", headers=auth(Role.head))).json()
    totals = {r["key"]: r["total"] for r in report["by_cost_bearer"]}
    assert totals == {
        "shared": "1.00",
        "manufacturer": "2.50",
        "customer": "2.50",
        "supplier": "2.50",
        "carrier": "2.50",
        None: "3.00",
    }
    listing = (await client.get(url, headers=auth(Role.auditor))).json()
    assert [i["amount"] for i in listing["items"]] == ["1.00"] + ["2.50"] * 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "repair", "amount": "0"}, "body.amount"),
        ({"kind": "repair", "amount": "-5"}, "body.amount"),
        ({"kind": "repair", "amount": "1.234"}, "body.amount"),
        ({"kind": "repair", "amount": "1e20"}, "body.amount"),
        ({"kind": "repair", "amount": "NaN"}, "body.amount"),
        ({"kind": "painting", "amount": "5"}, "body.kind"),
        ({"kind": "repair", "amount": "5", "currency": "eur"}, "body.currency"),
        ({"kind": "repair", "amount": "5", "cost_bearer": "nobody"}, "body.cost_bearer"),
        ({"kind": "repair", "amount": "5", "cost_bearer": "company"}, "body.cost_bearer"),
        ({"kind": "repair", "amount": "5", "incurred_on": "2999-01-01"}, "body.incurred_on"),
        ({"amount": "5"}, "body.kind"),
    ],
)
async def test_bad_costs_are_problems(client, auth, session, body, field) -> None:
    cust = await make_customer(session)
    claim = await make_claim(
        session, customer=cust, received_at=utc(2026, 1, 5, 8), cost_bearer="customer"
    )
    await session.commit()
    r = await client.post(
        f"/api/v1/claims/{claim.number}/costs", json=body, headers=auth(Role.service)
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in r.json()["errors"]]


async def test_costs_roles_and_unknown_claim(client, auth, session) -> None:
    cust = await make_customer(session)
    claim = await make_claim(
        session, customer=cust, received_at=utc(2026, 1, 5, 8), cost_bearer="customer"
    )
    await session.commit()
    url = f"/api/v1/claims/{claim.number}/costs"
    body = {"kind": "repair", "amount": "5"}
    assert (await client.post(url, json=body)).status_code == 401
    for role in (Role.specialist, Role.auditor, Role.intake, Role.director):
        assert (await client.post(url, json=body, headers=auth(role))).status_code == 403
    assert (await client.get(url, headers=auth(Role.intake))).status_code == 403
    missing = await client.post(
        "/api/v1/claims/CLM-2026-999999/costs", json=body, headers=auth(Role.service)
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_cost_report_for_a_year(client, auth, session) -> None:
    cust = await make_customer(session)
    a, b = await make_model(session), await make_model(session)
    x = await make_claim(session, customer=cust, model=a, received_at=utc(2005, 1, 10, 8))
    y = await make_claim(session, customer=cust, model=b, received_at=utc(2005, 2, 10, 8))
    z = await make_claim(session, customer=cust, received_at=utc(2005, 3, 10, 8))
    await session.commit()
    entries = [
        (x, "repair", "100.10", "EUR", "manufacturer", "2005-01-20"),
        (x, "transport", "20", "EUR", "manufacturer", "2005-01-21"),
        (y, "replacement", "500.00", "EUR", "customer", "2005-03-01"),
        (y, "field_visit", "0.20", "EUR", "shared", "2005-12-31"),
        (z, "repair", "50", "USD", "supplier", "2005-06-01"),
        (x, "repair", "999", "EUR", "manufacturer", "2004-12-31"),  # another year
    ]
    for claim, kind, amount, cur, bearer, day in entries:
        r = await client.post(
            f"/api/v1/claims/{claim.number}/costs",
            headers=auth(Role.service),
            json={
                "kind": kind,
                "amount": amount,
                "currency": cur,
                "cost_bearer": bearer,
                "incurred_on": day,
            },
        )
        assert r.status_code == 201, r.text

    report = (
        await client.get("/api/v1/reports/costs?year=2005", headers=auth(Role.auditor))
    ).json()
    z0 = "0.00"

    def row(key, cur, entries, repair, replacement, visit, transport, total):
        return {
            "key": key,
            "currency": cur,
            "entries": entries,
            "repair": repair,
            "replacement": replacement,
            "field_visit": visit,
            "transport": transport,
            "total": total,
        }

    assert report["year"] == 2005
    assert report["by_cost_bearer"] == [
        row("customer", "EUR", 1, z0, "500.00", z0, z0, "500.00"),
        row("manufacturer", "EUR", 2, "100.10", z0, z0, "20.00", "120.10"),
        row("shared", "EUR", 1, z0, z0, "0.20", z0, "0.20"),
        row("supplier", "USD", 1, "50.00", z0, z0, z0, "50.00"),
    ]
    assert report["by_product_model"] == [
        row(b.code, "EUR", 2, z0, "500.00", "0.20", z0, "500.20"),
        row(a.code, "EUR", 2, "100.10", z0, z0, "20.00", "120.10"),
        row(None, "USD", 1, "50.00", z0, z0, z0, "50.00"),
    ]
    assert report["totals"] == [
        row(None, "EUR", 4, "100.10", "500.00", "0.20", "20.00", "620.30"),
        row(None, "USD", 1, "50.00", z0, z0, z0, "50.00"),
    ]
    text = (
        await client.get("/api/v1/reports/costs?year=2005&format=csv", headers=auth(Role.head))
    ).text
    lines = parse_csv(text)
    assert lines[0] == {
        "grouping": "cost_bearer",
        "key": "customer",
        "currency": "EUR",
        "entries": "1",
        "repair": "0.00",
        "replacement": "500.00",
        "field_visit": "0.00",
        "transport": "0.00",
        "total": "500.00",
    }
    assert [
        (r["grouping"], r["currency"], r["total"]) for r in lines if r["grouping"] == "total"
    ] == [("total", "EUR", "620.30"), ("total", "USD", "50.00")]
    empty = (await client.get("/api/v1/reports/costs?year=2001", headers=auth(Role.head))).json()
    assert empty == {
        "year": 2001,
        "by_cost_bearer": [],
        "by_product_model": [],
        "totals": [],
        "recovered_by_supplier": [],
        "recovered": [],
        "net_costs": [],
    }
    assert Decimal(report["totals"][0]["total"]) == Decimal("620.30")


# ---- dashboard ---------------------------------------------------------------------------


async def test_dashboard_asks_for_a_key(client) -> None:
    response = await client.get("/dashboard")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert 'action="/dashboard/login"' in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_dashboard_login_cookie_and_logout(client, auth, keys, summary_claims) -> None:
    bad = await client.post("/dashboard/login", data={"key": "clm_nope"})
    assert bad.status_code == 401 and "Unknown key" in bad.text
    wrong_role = await client.post("/dashboard/login", data={"key": keys[Role.intake]})
    assert wrong_role.status_code == 401

    ok = await client.post("/dashboard/login", data={"key": keys[Role.auditor]})
    assert ok.status_code == 303 and ok.headers["location"] == "/dashboard?lang=en"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    value = ok.cookies["claims_dashboard_session"]
    assert keys[Role.auditor] not in value  # a signed session naming the key, not the key
    jar = {"Cookie": f"claims_dashboard_session={value}"}
    try:
        page = await client.get(
            "/dashboard",
            params={"received_from": "2007-06-01", "received_to": "2007-06-30", "year": 2005},
            headers=jar,
        )
        assert page.status_code == 200
        assert page.text.count("<svg") >= 7
        assert "Claims by state" in page.text and "test-auditor" in page.text
        assert "<script" not in page.text
        download = await client.get(
            "/dashboard/summary.csv",
            params={"received_from": "2007-06-01", "received_to": "2007-06-30"},
            headers=jar,
        )
        assert download.status_code == 200
        assert download.headers["content-type"] == "text/csv; charset=utf-8"
        assert "claims,total," in download.text
        assert (await client.get("/dashboard/nothing.csv", headers=jar)).status_code == 404
    finally:
        client.cookies.clear()
    out = await client.post("/dashboard/logout")
    assert out.status_code == 303
    assert 'claims_dashboard_session=""' in out.headers["set-cookie"]
    client.cookies.clear()


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard?year=99999",
        "/dashboard/costs.csv?year=99999",
        "/dashboard?received_from=0001-01-01",
        "/dashboard/summary.csv?received_to=9999-12-31",
        "/dashboard?received_from=2026-03-02&received_to=2026-03-01",
    ],
)
async def test_dashboard_bad_parameters_are_problems(client, auth, url) -> None:
    response = await client.get(url, headers=auth(Role.auditor))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_dashboard_with_header_key_and_escaping(client, auth, session) -> None:
    model = await make_model(session, code="<b>X" + str(datetime.now().microsecond))
    cust = await make_customer(session)
    today = datetime.now(UTC)
    await make_claim(session, customer=cust, model=model, received_at=today - timedelta(days=1))
    await session.commit()
    page = await client.get("/dashboard", headers=auth(Role.director))
    assert page.status_code == 200
    assert "<b>X" not in page.text and "&lt;b&gt;X" in page.text
    assert str(date.today().year) in page.text
    refused = await client.get("/dashboard", headers=auth(Role.service))
    assert refused.status_code == 401
