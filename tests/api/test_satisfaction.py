"""Customer satisfaction at closure (issue 19, part 6): the rating from the status page, from a
reply to the closure letter and from an operator's phone call; the claim shows it, the timeline
and the outbox record it, and the summary report counts it."""

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.enums import Action, Role
from app.main import create_app
from app.models.system import OutboxEvent
from tests.api.test_webform import _browser, token_of
from tests.api.workflow_support import Flow
from tests.reports_data import make_claim, make_customer, make_model, open_session

CLAIMS = "/api/v1/claims"
EMAIL_URL = "/api/v1/intake/email"


def rate_path(number: str) -> str:
    return f"{CLAIMS}/{number}/satisfaction"


async def closed_claim(client, auth, new_claim) -> tuple[Flow, dict[str, Any]]:
    claim = await new_claim()
    flow = Flow(client, auth, claim)
    assert (await flow.act(Action.close, Role.specialist))["state"] == "closed"
    return flow, claim


async def outbox_rated(db, number: str) -> list[dict[str, Any]]:
    rows = await db(
        select(OutboxEvent.payload)
        .where(OutboxEvent.type == "claim.rated")
        .order_by(OutboxEvent.id)  # in the order written
    )
    return [p for (p,) in rows if p["number"] == number]


# ---- phone: the operator's API ----------------------------------------------------------------


async def test_an_operator_records_a_phone_answer_and_the_claim_shows_it(
    client, auth, new_claim, db
):
    flow, _ = await closed_claim(client, auth, new_claim)
    assert (await flow.read())["satisfaction"] is None
    r = await client.post(
        rate_path(flow.number),
        json={"rating": 4, "comment": "  Fixed, but the technician was late.  "},
        headers=auth(Role.intake),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["rating"], body["comment"], body["channel"]) == (
        4,
        "Fixed, but the technician was late.",
        "phone",
    )
    claim = await flow.read()
    assert claim["satisfaction"]["rating"] == 4
    assert claim["satisfaction"]["channel"] == "phone"
    assert claim["version"] == flow.version  # a rating is not a change of the claim
    event = claim["timeline"][-1]
    assert (event["action"], event["actor"], event["payload"]["rating"]) == (
        "claim_rated",
        "test-intake",
        4,
    )
    [sent] = await outbox_rated(db, flow.number)
    assert (sent["rating"], sent["channel"], sent["replaces_earlier"]) == (4, "phone", False)


async def test_a_later_answer_replaces_the_rating_and_the_audit_keeps_the_earlier(
    client, auth, new_claim, db
):
    flow, _ = await closed_claim(client, auth, new_claim)
    for role, rating in ((Role.specialist, 2), (Role.head, 5)):
        r = await client.post(rate_path(flow.number), json={"rating": rating}, headers=auth(role))
        assert r.status_code == 201, r.text
    claim = await flow.read()
    assert (claim["satisfaction"]["rating"], claim["satisfaction"]["comment"]) == (5, None)
    rated = [e for e in claim["timeline"] if e["action"] == "claim_rated"]
    assert [e["payload"]["rating"] for e in rated] == [2, 5]
    assert rated[-1]["payload"]["previous"]["rating"] == 2
    assert [p["replaces_earlier"] for p in await outbox_rated(db, flow.number)] == [False, True]


@pytest.mark.parametrize("role", [Role.director, Role.design, Role.service, Role.auditor])
async def test_other_roles_may_not_record_a_rating(client, auth, new_claim, role):
    flow, _ = await closed_claim(client, auth, new_claim)
    r = await client.post(rate_path(flow.number), json={"rating": 3}, headers=auth(role))
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_auth_first_then_unknown_claim(client, auth):
    assert (await client.post(rate_path("CLM-2026-999999"), json={"rating": 3})).status_code == 401
    r = await client.post(
        rate_path("CLM-2026-999999"), json={"rating": 3}, headers=auth(Role.specialist)
    )
    assert r.status_code == 404


@pytest.mark.parametrize("rating", [0, 6, -1, "five", None, 4.5])
async def test_a_rating_out_of_range_is_named_at_its_field(client, auth, new_claim, rating):
    flow, _ = await closed_claim(client, auth, new_claim)
    r = await client.post(
        rate_path(flow.number), json={"rating": rating}, headers=auth(Role.specialist)
    )
    assert r.status_code == 422
    assert any("rating" in e["field"] for e in r.json()["errors"]), r.text


async def test_a_comment_too_long_is_refused(client, auth, new_claim):
    flow, _ = await closed_claim(client, auth, new_claim)
    r = await client.post(
        rate_path(flow.number),
        json={"rating": 3, "comment": "x" * 5001},
        headers=auth(Role.specialist),
    )
    assert r.status_code == 422
    assert any("comment" in e["field"] for e in r.json()["errors"])


async def test_only_a_closed_claim_is_rated(client, auth, new_claim):
    claim = await new_claim()
    flow = Flow(client, auth, claim)
    r = await client.post(rate_path(flow.number), json={"rating": 5}, headers=auth(Role.specialist))
    assert r.status_code == 409 and r.json()["type"].endswith("claim-not-closed")
    await flow.act(Action.request_info, Role.specialist)
    r = await client.post(rate_path(flow.number), json={"rating": 5}, headers=auth(Role.specialist))
    assert r.status_code == 409
    await flow.act(Action.close, Role.specialist)
    await flow.act(Action.reopen, Role.head)
    r = await client.post(rate_path(flow.number), json={"rating": 5}, headers=auth(Role.specialist))
    assert r.status_code == 409
    assert (await flow.read())["satisfaction"] is None


# ---- email: a reply to the closure letter -----------------------------------------------------


@pytest.fixture
def email(client, auth):
    async def deliver(sender: str, number: str, text: str) -> dict[str, Any]:
        doc = {
            "from": sender,
            "to": [f"claims+{number}@claims.example.com"],
            "subject": f"Re: [{number}] Closure of claim",
            "text": text,
            "message_id": f"<{uuid.uuid4().hex}@mail.example.net>",
        }
        r = await client.post(EMAIL_URL, json=doc, headers=auth(Role.intake))
        assert r.status_code == 201, r.text
        return r.json()

    return deliver


async def test_a_reply_with_a_rating_is_recorded_and_still_filed(
    client, auth, new_claim, email, db
):
    flow, claim = await closed_claim(client, auth, new_claim)
    text = (
        "Оценка: 4\nРемонт сделали хорошо, но ждали долго.\n\n"
        "> Просим Вас оценить рассмотрение рекламации по шкале от 1 до 5"
    )
    result = await email(claim["contact"]["email"], flow.number, text)
    assert result["outcome"] == "review"  # filed as today: a reply on a closed claim
    read = await flow.read()
    assert read["state"] == "closed"
    assert read["satisfaction"]["rating"] == 4
    assert read["satisfaction"]["comment"] == "Ремонт сделали хорошо, но ждали долго."
    assert read["satisfaction"]["channel"] == "email"
    assert read["messages"][-1]["review_reason"] == "closed_claim"
    assert [e["action"] for e in read["timeline"]][-2:] == ["message_added", "claim_rated"]
    [sent] = await outbox_rated(db, flow.number)
    assert sent["channel"] == "email"


async def test_a_reply_without_a_rating_records_none(client, auth, new_claim, email):
    flow, claim = await closed_claim(client, auth, new_claim)
    await email(claim["contact"]["email"], flow.number, "The pump needs 2 working days more.")
    read = await flow.read()
    assert read["satisfaction"] is None
    assert read["messages"][-1]["body"] == "The pump needs 2 working days more."


async def test_a_strangers_reply_never_rates_a_claim(client, auth, new_claim, email):
    flow, _ = await closed_claim(client, auth, new_claim)
    await email("stranger@elsewhere.example", flow.number, "5")
    assert (await flow.read())["satisfaction"] is None


async def test_a_reply_on_an_open_claim_is_not_a_rating(client, auth, new_claim, email):
    claim = await new_claim()
    flow = Flow(client, auth, claim)
    await flow.act(Action.request_info, Role.specialist)
    await email(claim["contact"]["email"], flow.number, "5")
    read = await flow.read()
    assert read["satisfaction"] is None and read["state"] != "closed"


# ---- the status page ---------------------------------------------------------------------------


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with await _browser(app) as c:
        yield c


async def look_up(browser, number: str, email: str, lang: str = "en") -> httpx.Response:
    token = token_of(await browser.get("/claim-status", params={"lang": lang}))
    return await browser.post(
        "/claim-status",
        params={"lang": lang},
        data={"claim_number": number, "email": email, "csrf_token": token},
    )


async def rate(browser, page: httpx.Response, lang: str = "en", **fields: str) -> httpx.Response:
    number = re.search(r'name="claim_number" value="([^"]*)"', page.text)
    email = re.search(r'name="email" value="([^"]*)"', page.text)
    assert number and email
    data = {"claim_number": number[1], "email": email[1], "csrf_token": token_of(page), **fields}
    return await browser.post("/claim-status/rating", params={"lang": lang}, data=data)


@pytest.mark.parametrize(
    ("lang", "title", "thanks", "given"),
    [
        ("en", "How satisfied are you", "Thank you for your rating.", "Your rating: 4 of 5"),
        ("ru", "Насколько вы удовлетворены", "Спасибо за вашу оценку.", "Ваша оценка: 4 из 5"),
        ("lv", "Cik apmierināti esat", "Paldies par Jūsu vērtējumu!", "Jūsu vērtējums: 4 no 5"),
        ("bg", "Доколко сте доволни", "Благодарим Ви за оценката.", "Вашата оценка: 4 от 5"),
    ],
)
async def test_a_closed_claim_is_rated_on_its_status_page(
    client, auth, new_claim, browser, lang, title, thanks, given
):
    flow, claim = await closed_claim(client, auth, new_claim)
    page = await look_up(browser, flow.number, claim["contact"]["email"], lang)
    assert page.status_code == 200
    assert title in page.text and 'name="rating"' in page.text
    assert 'id="rating-given"' not in page.text
    done = await rate(browser, page, lang, rating="4", comment="Quick and polite.")
    assert done.status_code == 200, done.text
    assert thanks in done.text and given in done.text and "Quick and polite." in done.text
    read = await flow.read()
    assert read["satisfaction"]["channel"] == "web"
    assert (read["satisfaction"]["rating"], read["satisfaction"]["comment"]) == (
        4,
        "Quick and polite.",
    )
    assert read["timeline"][-1]["actor"] == "web-form"


async def test_a_rated_claim_shows_the_rating_and_allows_changing_it(
    client, auth, new_claim, browser
):
    flow, claim = await closed_claim(client, auth, new_claim)
    await client.post(rate_path(flow.number), json={"rating": 2}, headers=auth(Role.intake))
    page = await look_up(browser, flow.number, claim["contact"]["email"])
    assert "Your rating: 2 of 5" in page.text
    assert re.search(r'value="2"[^>]*checked', page.text)
    assert "Change the rating" in page.text
    changed = await rate(browser, page, rating="5")
    assert changed.status_code == 200 and "Your rating: 5 of 5" in changed.text
    read = await flow.read()
    assert (read["satisfaction"]["rating"], read["satisfaction"]["channel"]) == (5, "web")


async def test_an_open_claim_has_no_rating_form_and_a_post_answers_409(
    client, auth, new_claim, browser
):
    claim = await new_claim()
    page = await look_up(browser, claim["number"], claim["contact"]["email"])
    assert page.status_code == 200 and 'id="claim-status"' in page.text
    assert 'name="rating"' not in page.text
    refused = await rate(browser, page, rating="5")
    assert refused.status_code == 409
    assert "not closed yet" in refused.text and 'name="rating"' not in refused.text
    assert (await Flow(client, auth, claim).read())["satisfaction"] is None


async def test_the_rating_form_checks_csrf_the_claim_and_the_choice(
    client, auth, new_claim, browser
):
    flow, claim = await closed_claim(client, auth, new_claim)
    page = await look_up(browser, flow.number, claim["contact"]["email"])
    no_choice = await rate(browser, page, comment="No stars given")
    assert no_choice.status_code == 422 and "Choose a rating from 1 to 5." in no_choice.text
    assert "No stars given" in no_choice.text  # what was typed stays
    for bad in ("0", "6", "4.5", "five"):
        assert (await rate(browser, page, rating=bad)).status_code == 422
    forged = await browser.post(
        "/claim-status/rating",
        data={"claim_number": flow.number, "email": claim["contact"]["email"], "rating": "1"},
    )
    assert forged.status_code == 403
    wrong = await browser.post(
        "/claim-status/rating",
        data={
            "claim_number": flow.number,
            "email": "someone@else.example",
            "rating": "1",
            "csrf_token": token_of(page),
        },
    )
    assert wrong.status_code == 404 and 'id="status-not-found"' in wrong.text
    assert (await flow.read())["satisfaction"] is None


async def test_ratings_from_the_page_are_rate_limited(settings):
    strict = create_app(settings.model_copy(update={"web_rate_limit_status": 2}))
    async with strict.router.lifespan_context(strict), await _browser(strict) as guesser:
        page = await guesser.get("/claim-status")
        data = {
            "claim_number": "CLM-2026-000001",
            "email": "x@y.lv",
            "rating": "5",
            "csrf_token": token_of(page),
        }
        for _ in range(2):
            r = await guesser.post("/claim-status/rating", data=data)
            assert r.status_code == 404
        refused = await guesser.post("/claim-status/rating", data=data)
        assert refused.status_code == 429 and "retry-after" in refused.headers


# ---- the summary report -------------------------------------------------------------------------


@pytest.fixture
async def session(app):
    async for s in open_session(app):
        yield s


async def test_the_summary_report_counts_ratings_by_month_and_model(client, auth, session, app):
    customer = await make_customer(session)
    pumps, fans = await make_model(session), await make_model(session)
    received = datetime(2013, 3, 4, 9, 0, tzinfo=UTC)
    # (model, closed_at, rating): March pumps 5 and 3 and one unrated; an April fan rated 2;
    # an open pump claim, which no figure counts.
    plan = [
        (pumps, datetime(2013, 3, 20, 10, 0, tzinfo=UTC), 5),
        (pumps, datetime(2013, 3, 21, 10, 0, tzinfo=UTC), 3),
        (pumps, datetime(2013, 3, 22, 10, 0, tzinfo=UTC), None),
        # 22:30 UTC on 31 March is already 1 April in Riga: the month is the local one.
        (fans, datetime(2013, 3, 31, 22, 30, tzinfo=UTC), 2),
    ]
    numbers = []
    for model, closed_at, _ in plan:
        claim = await make_claim(
            session,
            customer=customer,
            received_at=received,
            model=model,
            state="closed",
            closed_at=closed_at,
            resolution="repaired",
        )
        numbers.append(claim.number)
    await make_claim(session, customer=customer, received_at=received, model=pumps)
    await session.commit()
    for number, (_, _, rating) in zip(numbers, plan, strict=True):
        if rating is not None:
            r = await client.post(
                rate_path(number), json={"rating": rating}, headers=auth(Role.specialist)
            )
            assert r.status_code == 201, r.text

    params = {"received_from": "2013-03-01", "received_to": "2013-03-31"}
    r = await client.get("/api/v1/reports/summary", params=params, headers=auth(Role.auditor))
    assert r.status_code == 200, r.text
    sat = r.json()["satisfaction"]
    assert (sat["closed_claims"], sat["rated"], sat["response_rate"]) == (4, 3, 0.75)
    assert sat["average_rating"] == pytest.approx(3.33)
    assert sat["by_month"] == [
        {"key": "2013-03", "closed_claims": 3, "rated": 2, "response_rate": 0.6667,
         "average_rating": 4.0},
        {"key": "2013-04", "closed_claims": 1, "rated": 1, "response_rate": 1.0,
         "average_rating": 2.0},
    ]  # fmt: skip
    assert sat["by_product_model"] == [
        {"key": pumps.code, "closed_claims": 3, "rated": 2, "response_rate": 0.6667,
         "average_rating": 4.0},
        {"key": fans.code, "closed_claims": 1, "rated": 1, "response_rate": 1.0,
         "average_rating": 2.0},
    ]  # fmt: skip

    csv = await client.get(
        "/api/v1/reports/summary",
        params={**params, "format": "csv"},
        headers=auth(Role.auditor),
    )
    assert csv.status_code == 200
    lines = csv.text.splitlines()
    assert "satisfaction,response_rate,0.75" in lines
    assert "satisfaction_by_month_average_rating,2013-04,2.0" in lines
    assert f"satisfaction_by_product_model_rated,{pumps.code},2" in lines

    only_fans = await client.get(
        "/api/v1/reports/summary",
        params={**params, "product_model": fans.code},
        headers=auth(Role.auditor),
    )
    assert only_fans.json()["satisfaction"]["closed_claims"] == 1


async def test_a_period_without_closed_claims_has_empty_figures(client, auth):
    params = {"received_from": "1999-01-01", "received_to": "1999-01-31"}
    r = await client.get("/api/v1/reports/summary", params=params, headers=auth(Role.auditor))
    assert r.json()["satisfaction"] == {
        "closed_claims": 0,
        "rated": 0,
        "response_rate": None,
        "average_rating": None,
        "by_month": [],
        "by_product_model": [],
    }
