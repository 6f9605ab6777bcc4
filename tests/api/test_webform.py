"""The public claim form and status page through the real app (HTML over HTTP)."""

import asyncio
import html
import itertools
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app import l10n
from app.catalog import service as catalog
from app.config import Settings
from app.enums import Role
from app.main import create_app
from app.models.claims import Claim
from app.models.customers import Contact
from app.models.reference import ProductModelCreate
from app.models.webform import WebRateLimit
from app.web import csrf
from app.web import service as webform
from tests.conftest import unique

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
_addresses = itertools.count(1)


def fresh_address() -> str:
    """A client address of its own, so that tests never share a rate-limit bucket."""
    n = next(_addresses)
    return f"198.51.{n // 250}.{n % 250 + 1}"


@pytest.fixture(scope="module")
async def model_code(app: Any) -> str:
    code = unique("WF").upper()
    async with app.state.session_factory() as session:
        await catalog.create_model(
            session, data=ProductModelCreate(code=code, name=f"Heat pump {code}")
        )
    return code


async def _browser(app: Any, address: str | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address or fresh_address(), 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps cookies, as a browser does, from an address of its own."""
    async with await _browser(app) as c:
        yield c


def token_of(page: httpx.Response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def form_values(model_code: str, **overrides: str) -> dict[str, str]:
    tag = unique("c")
    values = {
        "customer_name": "Jānis Bērziņš",
        "organisation": "SIA Siltums",
        "email": f"{tag}@Example.LV",
        "phone": "+371 2000 0000",
        "product_model": model_code,
        "serial_number": f"SN-{tag}",
        "purchase_date": "2025-05-17",
        "description": "The pump stops after ten minutes and the motor gets hot.",
        "website": "",
    }
    values.update(overrides)
    return values


async def submit(
    client: httpx.AsyncClient,
    values: dict[str, str],
    files: list[tuple[str, bytes, str]] | None = None,
    lang: str = "lv",
    token: str | None = None,
) -> httpx.Response:
    if token is None:
        token = token_of(await client.get("/claim-form", params={"lang": lang}))
    multipart = [("photos", (name, data, kind)) for name, data, kind in files or []]
    if not multipart:  # a browser sends an empty file part when no file is chosen
        multipart = [("photos", ("", b"", "application/octet-stream"))]
    return await client.post(
        "/claim-form",
        params={"lang": lang},
        data={**values, "csrf_token": token},
        files=multipart,
    )


def shown_number(page: httpx.Response) -> str:
    match = re.search(r'id="claim-number">(CLM-\d{4}-\d{6})<', page.text)
    assert match, page.text
    return match.group(1)


def field_error(page: httpx.Response, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page.text)
    return html.unescape(match.group(1)) if match else None


async def claims_of(db: Any, email: str) -> list[Any]:
    return await db(
        select(Claim.number)
        .join(Contact, Claim.contact_id == Contact.id)
        .where(Contact.email == email.lower())
    )


# ---- the form ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "accept", "lang", "title"),
    [
        ({}, None, "en", "Submit a claim"),
        ({"lang": "ru"}, "lv", "ru", "Подать рекламацию"),
        ({}, "lv-LV,lv;q=0.9,en;q=0.5", "lv", "Iesniegt reklamāciju"),
        ({"lang": "xx"}, "ru-RU", "ru", "Подать рекламацию"),
        ({}, "bg-BG,bg;q=0.9,ru;q=0.5", "bg", "Подаване на рекламация"),
    ],
)
async def test_form_speaks_the_negotiated_language(
    browser: httpx.AsyncClient,
    model_code: str,
    params: dict[str, str],
    accept: str | None,
    lang: str,
    title: str,
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    page = await browser.get("/claim-form", params=params, headers=headers)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-language"] == lang
    assert f'<html lang="{lang}">' in page.text and title in page.text
    assert (
        f'<option value="{model_code}">Heat pump {model_code} ({model_code})</option>' in page.text
    )


async def test_the_form_names_models_in_its_language(browser: httpx.AsyncClient, app: Any) -> None:
    code = unique("WFN").upper()
    names = {"bg": f"Термопомпа {code}", "lv": f"Siltumsūknis {code}"}
    async with app.state.session_factory() as session:
        await catalog.create_model(
            session, data=ProductModelCreate(code=code, name=f"Heat pump {code}", names=names)
        )
    for lang, name in (*names.items(), ("ru", f"Heat pump {code}")):
        page = await browser.get("/claim-form", params={"lang": lang})
        assert f'<option value="{code}">{name} ({code})</option>' in page.text, lang


async def test_form_sets_a_strict_httponly_csrf_cookie_and_safe_headers(
    browser: httpx.AsyncClient,
) -> None:
    page = await browser.get("/claim-form")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{csrf.COOKIE_NAME}={token_of(page)};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    again = await browser.get("/claim-form")
    assert token_of(again) == token_of(page)  # a second tab keeps working


async def test_pages_are_not_in_the_api_schema(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not any(path.startswith(("/claim-form", "/claim-status")) for path in paths)


async def test_a_valid_claim_with_photos_is_registered_like_an_api_claim(
    browser: httpx.AsyncClient, client: httpx.AsyncClient, auth: Any, model_code: str
) -> None:
    values = form_values(model_code)
    page = await submit(
        browser, values, files=[("pump.jpg", JPEG, "image/jpeg"), ("plate.png", PNG, "image/png")]
    )
    assert page.status_code == 200, page.text
    number = shown_number(page)
    assert "Jūsu reklamācija ir reģistrēta" in page.text
    assert values["email"] in page.text  # where the acknowledgement will go

    claim = (await client.get(f"/api/v1/claims/{number}", headers=auth(Role.specialist))).json()
    assert claim["channel"] == "web" and claim["state"] == "new"
    assert claim["created_by"] == "web-form"
    assert claim["language"] == "lv"
    assert claim["contact"]["email"] == values["email"].lower()
    assert claim["customer"]["name"] == "SIA Siltums"
    assert claim["customer"]["kind"] == "organisation"
    assert claim["customer"]["language"] == "lv"
    assert claim["model_code"] == model_code
    assert claim["serial_number"] == values["serial_number"]
    assert claim["purchase_date"] == "2025-05-17"
    assert claim["defect_description"] == values["description"]
    assert [(a["filename"], a["content_type"]) for a in claim["attachments"]] == [
        ("pump.jpg", "image/jpeg"),
        ("plate.png", "image/png"),
    ]
    assert [e["action"] for e in claim["timeline"]] == [
        "register",
        "attachment_added",
        "attachment_added",
    ]


async def test_a_claim_without_photos_is_registered(
    browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    values = form_values(model_code, organisation="", phone="", purchase_date="")
    page = await submit(browser, values, lang="en")
    assert page.status_code == 200, page.text
    assert [row.number for row in await claims_of(db, values["email"])] == [shown_number(page)]


async def test_the_phone_is_stored_in_e164_as_typed_in_any_form(
    browser: httpx.AsyncClient, client: httpx.AsyncClient, auth: Any, model_code: str
) -> None:
    values = form_values(model_code, phone="00371 2000-0000")
    page = await submit(browser, values, lang="en")
    assert page.status_code == 200, page.text
    claim = (
        await client.get(f"/api/v1/claims/{shown_number(page)}", headers=auth(Role.specialist))
    ).json()
    assert claim["contact"]["phone"] == "+37120000000"


async def test_a_phone_outside_the_numbering_plan_is_named_at_its_field(
    browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    # No Latvian number starts with 1.
    values = form_values(model_code, phone="+371 1000 0000")
    page = await submit(browser, values, lang="en")
    assert page.status_code == 422
    assert field_error(page, "phone") == "Enter a valid phone number, for example +371 2000 0000."
    assert [
        name for name in ("customer_name", "email", "description") if field_error(page, name)
    ] == []
    assert 'value="+371 1000 0000"' in page.text
    assert await claims_of(db, values["email"]) == []


async def test_reloading_the_result_page_does_not_register_twice(
    browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    values = form_values(model_code)
    token = token_of(await browser.get("/claim-form"))
    first = await submit(browser, values, token=token)
    assert first.status_code == 200
    again = await submit(browser, values, token=token)  # what a reload re-posts
    assert again.status_code == 403
    assert len(await claims_of(db, values["email"])) == 1


async def test_invalid_fields_are_named_at_the_field_and_typed_values_kept(
    browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    values = form_values(
        model_code,
        customer_name="",
        email="ivan@",
        phone="call me",
        serial_number="",
        purchase_date="2999-01-01",
        description='<b>"Bad"</b>',
        organisation="O" * 201,
    )
    page = await submit(browser, values, lang="en", files=[("a.jpg", JPEG, "image/jpeg")])
    assert page.status_code == 422
    assert field_error(page, "customer_name") == "This field is required."
    assert (
        field_error(page, "email") == "Enter a valid email address, for example name@example.com."
    )
    assert field_error(page, "phone") == "Enter a valid phone number, for example +371 2000 0000."
    assert field_error(page, "serial_number") == "This field is required."
    assert field_error(page, "purchase_date") == "The date cannot be in the future."
    assert field_error(page, "organisation") == "This is too long: at most 200 characters."
    assert field_error(page, "description") is None  # 12 characters: the API takes it
    assert field_error(page, "product_model") is None
    assert 'value="ivan@"' in page.text and 'value="call me"' in page.text
    assert "&lt;b&gt;&#34;Bad&#34;&lt;/b&gt;</textarea>" in page.text
    assert f'<option value="{model_code}" selected>' in page.text
    assert "please attach the photos again" in page.text
    assert 'aria-invalid="true"' in page.text and 'role="alert"' in page.text
    assert await claims_of(db, "ivan@") == []


async def test_api_validation_applies_to_the_form(
    browser: httpx.AsyncClient, model_code: str
) -> None:
    page = await submit(browser, form_values(model_code, description="bad"), lang="ru")
    assert page.status_code == 422
    assert field_error(page, "description") == "Слишком коротко: не менее 5 символов."


async def test_unknown_product_model_and_bad_date_are_refused(
    browser: httpx.AsyncClient, model_code: str
) -> None:
    values = form_values(model_code, product_model="NOPE", purchase_date="2025-02-30")
    page = await submit(browser, values, lang="en")
    assert page.status_code == 422
    assert field_error(page, "product_model") == "Choose one of the listed options."
    assert field_error(page, "purchase_date") == "Enter a valid date."


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("evil.jpg", b"MZ\x90\x00" + b"\x00" * 50, "image/jpeg")], "evil.jpg: this file type"),
        ([("a.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml")], "a.svg: "),
        # Issue 17: an SVG with a script passed as WebP (its type is not the browser's say).
        ([("x.webp", SVG_SCRIPT, "image/webp")], "x.webp: this file type"),
        ([("../../x.jpg", SVG_SCRIPT, "image/jpeg")], "x.jpg: this file type"),
        ([(f"p{i}.jpg", JPEG, "image/jpeg") for i in range(6)], "Attach at most 5 files."),
        ([("big.jpg", JPEG + b"\x00" * (4 * 1024 * 1024), "image/jpeg")], "big.jpg is larger"),
    ],
)
async def test_photos_are_checked_by_count_size_and_content(
    browser: httpx.AsyncClient, db: Any, model_code: str, files: Any, message: str
) -> None:
    values = form_values(model_code)
    page = await submit(browser, values, files=files, lang="en")
    assert page.status_code == 422
    assert (field_error(page, "photos") or "").startswith(message)
    assert await claims_of(db, values["email"]) == []


async def test_a_post_without_the_csrf_token_or_cookie_is_refused(
    app: Any, browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    values = form_values(model_code)
    no_token = await submit(browser, values, token="")
    assert no_token.status_code == 403
    assert "The form has expired" in no_token.text or "Veidlapas derīgums" in no_token.text
    assert f'value="{values["serial_number"]}"' in no_token.text  # typed values kept

    token = token_of(await browser.get("/claim-form"))
    async with await _browser(app) as cross_site:  # another site's page: no cookie of ours
        refused = await submit(cross_site, values, token=token)
    assert refused.status_code == 403

    forged = csrf.new_token(b"someone else's secret", now=int(datetime.now(UTC).timestamp()))
    browser.cookies.set(csrf.COOKIE_NAME, forged)
    assert (await submit(browser, values, token=forged)).status_code == 403
    assert await claims_of(db, values["email"]) == []


async def test_a_filled_honeypot_looks_accepted_but_stores_nothing(
    browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    values = form_values(model_code, website="http://cheap-pills.example")
    before = await db(select(WebRateLimit.client_key))
    page = await submit(browser, values, files=[("a.jpg", JPEG, "image/jpeg")])
    assert page.status_code == 200
    assert shown_number(page).split("-")[2].startswith("9")
    assert await claims_of(db, values["email"]) == []
    assert await db(select(WebRateLimit.client_key)) == before


# ---- the rate limit ---------------------------------------------------------------------------


@pytest.fixture
async def limited_app(settings: Settings) -> AsyncIterator[Any]:
    strict = settings.model_copy(update={"web_rate_limit_claims": 2, "web_rate_limit_status": 2})
    application = create_app(strict)
    async with application.router.lifespan_context(application):
        yield application


async def test_registrations_per_address_are_limited_across_app_instances(
    limited_app: Any, settings: Settings, db: Any, model_code: str
) -> None:
    # Two app instances stand for two replicas: the counts live in the database.
    replica = create_app(settings.model_copy(update={"web_rate_limit_claims": 2}))
    address = fresh_address()
    async with replica.router.lifespan_context(replica):
        async with (
            await _browser(limited_app, address) as one,
            await _browser(replica, address) as two,
        ):
            assert (await submit(one, form_values(model_code))).status_code == 200
            assert (await submit(two, form_values(model_code))).status_code == 200
            values = form_values(model_code)
            refused = await submit(one, values, lang="en")
            assert refused.status_code == 429
            assert 0 < int(refused.headers["retry-after"]) <= 3600
            assert "Too many submissions from your address" in refused.text
            assert f'value="{values["serial_number"]}"' in refused.text
            assert await claims_of(db, values["email"]) == []
        async with await _browser(limited_app) as elsewhere:
            assert (await submit(elsewhere, form_values(model_code))).status_code == 200
    stored = [row.client_key for row in await db(select(WebRateLimit.client_key))]
    assert stored and not any(address in key for key in stored)  # no raw addresses kept


async def test_invalid_submissions_do_not_use_up_the_limit(
    limited_app: Any, model_code: str
) -> None:
    async with await _browser(limited_app) as customer:
        for _ in range(3):
            bad = await submit(customer, form_values(model_code, description=""))
            assert bad.status_code == 422
        assert (await submit(customer, form_values(model_code))).status_code == 200


async def test_concurrent_hits_are_all_counted(app: Any, db: Any) -> None:
    key = unique("k")

    async def hit() -> None:
        async with app.state.session_factory() as session:
            await webform.count_hit(session, client_key=key, limit=1000, window_seconds=3600)

    await asyncio.gather(*(hit() for _ in range(12)))
    rows = await db(select(WebRateLimit.hits).where(WebRateLimit.client_key == key))
    assert [row.hits for row in rows] == [12]


async def test_old_windows_are_deleted_as_new_hits_arrive(app: Any, db: Any) -> None:
    key, now = unique("k"), datetime.now(UTC)
    async with app.state.session_factory() as session:
        for hours_ago in (5, 1, 0):
            await webform.count_hit(
                session,
                client_key=key,
                limit=10,
                window_seconds=3600,
                now=now - timedelta(hours=hours_ago),
            )
    rows = await db(select(WebRateLimit.window_start).where(WebRateLimit.client_key == key))
    assert len(rows) == 2  # the current and the previous window


# ---- the status page --------------------------------------------------------------------------


async def look_up(client: httpx.AsyncClient, number: str, email: str, lang: str = "en") -> Any:
    token = token_of(await client.get("/claim-status", params={"lang": lang}))
    return await client.post(
        "/claim-status",
        params={"lang": lang},
        data={"claim_number": number, "email": email, "csrf_token": token},
    )


async def test_status_shows_state_and_letters_for_the_right_number_and_email(
    browser: httpx.AsyncClient, model_code: str
) -> None:
    values = form_values(model_code)
    number = shown_number(await submit(browser, values))
    page = await look_up(browser, f" {number.lower()} ", values["email"].upper())
    assert page.status_code == 200, page.text
    assert f'<h2 id="claim-status-title">{number}</h2>' in page.text
    assert 'id="claim-state">Registered<' in page.text
    assert "No letters have been issued yet." in page.text
    assert values["customer_name"] not in page.text  # nothing beyond state and letters
    assert values["description"] not in page.text


async def test_wrong_number_and_wrong_email_get_the_same_answer(
    browser: httpx.AsyncClient, model_code: str
) -> None:
    values = form_values(model_code)
    number = shown_number(await submit(browser, values))
    other = form_values(model_code)
    other_number = shown_number(await submit(browser, other))
    answers = [
        await look_up(browser, number, other["email"]),  # someone else's email
        await look_up(browser, other_number, values["email"]),  # someone else's claim
        await look_up(browser, "CLM-1999-000001", values["email"]),
    ]
    for page in answers:
        assert page.status_code == 404
        assert 'id="status-not-found"' in page.text and 'id="claim-status"' not in page.text

    def without_echo(page: httpx.Response) -> str:
        return re.sub(r'(id="(claim_number|email)"[^>]*value=")[^"]*"', r"\1", page.text)

    assert without_echo(answers[0]) == without_echo(answers[1]) == without_echo(answers[2])


async def test_status_needs_both_fields_and_the_csrf_token(browser: httpx.AsyncClient) -> None:
    page = await look_up(browser, "", "")
    assert page.status_code == 422
    assert (
        field_error(page, "claim_number") == field_error(page, "email") == "This field is required."
    )
    refused = await browser.post(
        "/claim-status", data={"claim_number": "CLM-2026-000001", "email": "a@b.lv"}
    )
    assert refused.status_code == 403


async def test_nul_characters_are_refused_at_the_field_not_with_a_500(
    browser: httpx.AsyncClient, model_code: str
) -> None:
    for field in ("customer_name", "serial_number", "description"):
        page = await submit(
            browser, form_values(model_code, **{field: "abc\x00defghij"}), lang="en"
        )
        assert page.status_code == 422
        assert field_error(page, field) == "This value is not valid."
    page = await look_up(browser, "CLM-2026-0\x0001", "a\x00@b.lv")
    assert page.status_code == 422
    assert (
        field_error(page, "claim_number")
        == field_error(page, "email")
        == ("This value is not valid.")
    )


async def test_status_link_from_the_result_page_fills_in_the_number(
    browser: httpx.AsyncClient,
) -> None:
    page = await browser.get("/claim-status", params={"number": "CLM-2026-000042", "lang": "ru"})
    assert page.status_code == 200
    assert 'value="CLM-2026-000042"' in page.text and "Статус вашей рекламации" in page.text


async def test_status_lookups_are_rate_limited(limited_app: Any) -> None:
    async with await _browser(limited_app) as guesser:
        for _ in range(2):
            assert (await look_up(guesser, "CLM-2026-000001", "x@y.lv")).status_code == 404
        refused = await look_up(guesser, "CLM-2026-000001", "x@y.lv", lang="ru")
        assert refused.status_code == 429 and "retry-after" in refused.headers
        # The minutes and their word agree, by CLDR's plural rules for Russian.
        said = re.search(r"через (\d+) (минуту|минуты|минут)\.", refused.text)
        assert said is not None
        forms = {"one": "минуту", "few": "минуты", "many": "минут", "other": "минуты"}
        assert l10n.plural(int(said[1]), forms, "ru") == said[2]


# ---- settings ---------------------------------------------------------------------------------


def test_production_refuses_an_empty_web_secret() -> None:
    from pydantic import SecretStr

    others = {
        name: "x" * 32
        for name, field in Settings.model_fields.items()
        if field.annotation is SecretStr and name != "web_secret"
    }
    with pytest.raises(ValueError, match="CLAIMS_WEB_SECRET"):
        Settings(environment="production", web_secret="", **others)
    assert Settings(environment="production", web_secret="y" * 32, **others).web_secret


async def test_status_lists_the_letters_issued_to_the_customer_only(
    app: Any, browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    """The seam to the letters module: active once `app.models.letters` is part of the build."""
    letters = pytest.importorskip("app.models.letters", reason="no letters module in this build")
    values = form_values(model_code)
    number = shown_number(await submit(browser, values))
    [(claim_id,)] = await db(select(Claim.id).where(Claim.number == number))
    seq = int(uuid.uuid4().int % 900_000) + 100_000
    # 00:30 on 25 November in Riga: the letter's own date, which the page shows (issue 17),
    # is a day after the UTC moment's.
    issued_at = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)
    async with app.state.session_factory() as session:
        for kind, letter_number, state, offset in [
            ("acknowledgement", f"L-2026-{seq:06d}", "issued", 0),
            ("design_memo", f"L-2026-{seq + 1:06d}", "issued", 1),  # internal
            ("information_request", None, "draft", 2),  # not issued
        ]:
            session.add(
                letters.Letter(
                    claim_id=claim_id,
                    kind=kind,
                    language="lv",
                    state=state,
                    number=letter_number,
                    year=2026 if letter_number else None,
                    seq=seq + offset if letter_number else None,
                    issued_at=issued_at if letter_number else None,
                    letter_date=date(2026, 11, 25) if letter_number else None,
                    created_by="test",
                )
            )
        await session.commit()
    page = await look_up(browser, number, values["email"])
    assert page.status_code == 200
    assert f"L-2026-{seq:06d}" in page.text and "Acknowledgement of receipt" in page.text
    assert "25 November 2026" in page.text and "24 November 2026" not in page.text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", page.text)  # dates in the page's language
    page = await look_up(browser, number, values["email"], lang="ru")
    assert "25 ноября 2026 г." in page.text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", page.text)
    assert f"L-2026-{seq + 1:06d}" not in page.text
    assert "Request for information" not in page.text
