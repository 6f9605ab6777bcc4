"""The dashboard's session cookie and languages, through the real app on the real database."""

import base64
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from pydantic import SecretStr

from app.auth import sessions
from app.enums import CorrectiveState, Role
from app.reports.corrective_widgets import corrective_widgets
from tests.corrective_data import make_action, overdue_task
from tests.reports_data import make_claim, make_customer, make_model, open_session

SECRET = "test-dashboard-session-secret-0123456789"
COOKIE = "claims_dashboard_session"


@contextmanager
def web_secret(app: Any) -> Iterator[None]:
    original = app.state.settings
    app.state.settings = original.model_copy(update={"web_secret": SecretStr(SECRET)})
    try:
        yield
    finally:
        app.state.settings = original


@pytest.fixture
def signed(app: Any) -> Iterator[None]:
    with web_secret(app):
        yield


async def sign_in(client: Any, key: str) -> str:
    response = await client.post("/dashboard/login", data={"key": key})
    assert response.status_code == 303, response.text
    client.cookies.clear()  # each test sends the cookie it means to
    return str(response.cookies[COOKIE])


async def page(client: Any, cookie: str, **headers: str) -> Any:
    return await client.get("/dashboard", headers={"Cookie": f"{COOKIE}={cookie}", **headers})


async def test_the_cookie_is_a_signed_session_not_the_key(client, keys, signed) -> None:
    cookie = await sign_in(client, keys[Role.auditor])
    assert keys[Role.auditor] not in cookie and keys[Role.auditor].split("_")[-1] not in cookie
    assert sessions.key_id_of(SECRET.encode(), cookie, 3600) is not None
    assert (await page(client, cookie)).status_code == 200


async def test_a_tampered_session_is_refused(client, keys, signed) -> None:
    cookie = await sign_in(client, keys[Role.auditor])
    payload, _, rest = cookie.partition(".")
    # Another key's id under the same signature (flipping a payload character may only touch
    # base64's unused bits and leave the bytes as they were).
    other = base64.urlsafe_b64encode(b'{"kid":999}').rstrip(b"=").decode()
    assert other != payload
    for forged in (
        other + "." + rest,  # the payload changed
        cookie[:-2] + ("xx" if not cookie.endswith("xx") else "yy"),  # the signature changed
        URLSafeTimedSerializer("another secret", salt=sessions.SALT).dumps({"kid": 1}),
        "not-a-session",
    ):
        refused = await page(client, forged)
        assert refused.status_code == 401, forged
        assert "Sign in" in refused.text and "session has ended" in refused.text
        assert f'{COOKIE}=""' in refused.headers["set-cookie"]  # the bad cookie is dropped


async def test_an_expired_session_is_refused(app, client, keys, signed) -> None:
    class Yesterday(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 25 * 3600

    key_id = sessions.key_id_of(SECRET.encode(), await sign_in(client, keys[Role.auditor]), 60)
    old = URLSafeTimedSerializer(SECRET, salt=sessions.SALT, signer=Yesterday).dumps(
        {"kid": key_id}
    )
    hours = app.state.settings.reports_dashboard_cookie_hours
    assert hours < 25
    assert (await page(client, old)).status_code == 401


async def test_a_revoked_key_ends_its_sessions_at_once(client, auth, signed) -> None:
    created = await client.post(
        "/api/v1/admin/api-keys",
        json={"name": "dashboard-revoked", "roles": ["auditor"]},
        headers=auth(Role.admin),
    )
    assert created.status_code == 201, created.text
    cookie = await sign_in(client, created.json()["key"])
    assert (await page(client, cookie)).status_code == 200
    revoked = await client.delete(
        f"/api/v1/admin/api-keys/{created.json()['id']}", headers=auth(Role.admin)
    )
    assert revoked.status_code == 204
    assert (await page(client, cookie)).status_code == 401


async def test_a_session_from_another_secret_is_refused(app, client, keys) -> None:
    cookie = await sign_in(client, keys[Role.auditor])  # signed with the process's own secret
    with web_secret(app):
        assert (await page(client, cookie)).status_code == 401


async def test_a_wrong_role_or_unknown_key_cannot_sign_in(client, keys) -> None:
    for key in (keys[Role.intake], "clm_nope", ""):
        refused = await client.post("/dashboard/login", data={"key": key})
        assert refused.status_code == 401 and COOKIE not in refused.headers.get("set-cookie", "")


# ---------------------------------------------------------------- languages


@pytest.fixture(scope="module")
async def coded_claims(app: Any) -> None:
    """Three claims in May 2011 (a window of their own): in design review, coded as a
    manufacturing defect, never acknowledged (so missed)."""
    async for s in open_session(app):
        model = await make_model(s, code="DASH-LANG")
        customer = await make_customer(s)
        for day in (2, 3, 4):
            await make_claim(
                s,
                customer=customer,
                model=model,
                received_at=datetime(2011, 5, day, 9, tzinfo=UTC),
                state="design_review",
                cause="manufacturing_defect",
            )
        await s.commit()


WINDOW = {"received_from": "2011-05-01", "received_to": "2011-05-31", "year": "2011"}
EXPECTED = {
    "en": ("Claims by state", "Design review", "Manufacturing defect", "missed 3"),
    "ru": (
        "Рекламации по статусу",
        "Рассмотрение конструкторами",
        "Производственный дефект",
        "просрочено 3",
    ),
    "lv": (
        "Pretenzijas pēc statusa",
        "Konstruktoru izskatīšana",
        "Ražošanas defekts",
        "nokavēts 3",
    ),
    "bg": (
        "Рекламации по статус",
        "Преглед от конструкторите",
        "Производствен дефект",
        "просрочено 3",
    ),
}


@pytest.mark.parametrize("lang", sorted(EXPECTED))
async def test_the_dashboard_speaks_the_browsers_language(client, auth, coded_claims, lang) -> None:
    response = await client.get(
        "/dashboard",
        params=WINDOW,
        headers=auth(Role.auditor, **{"Accept-Language": f"xx, {lang};q=0.9, en;q=0.1"}),
    )
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    assert response.headers["content-language"] == lang
    for words in EXPECTED[lang]:
        assert words in response.text, (lang, words)
    # Codes are shown by their labels, never raw.
    assert "manufacturing_defect" not in response.text and "design_review" not in response.text


async def test_the_switcher_overrides_the_browser(client, auth, coded_claims) -> None:
    response = await client.get(
        "/dashboard",
        params={**WINDOW, "lang": "bg"},
        headers=auth(Role.auditor, **{"Accept-Language": "ru"}),
    )
    assert '<html lang="bg">' in response.text
    for code in ("en", "ru", "lv", "bg"):
        assert f"lang={code}" in response.text  # a link per language, keeping the window
    assert "received_from=2011-05-01" in response.text


async def test_an_unknown_language_falls_back_to_english(client, auth) -> None:
    response = await client.get(
        "/dashboard?lang=xx", headers=auth(Role.auditor, **{"Accept-Language": "de, fr;q=0.5"})
    )
    assert response.status_code == 200 and '<html lang="en">' in response.text


async def test_the_sign_in_page_is_translated(client) -> None:
    response = await client.get("/dashboard", headers={"Accept-Language": "lv"})
    assert response.status_code == 401
    assert '<html lang="lv">' in response.text and "Pieteikties" in response.text
    refused = await client.post("/dashboard/login", data={"key": "clm_nope", "lang": "ru"})
    assert "Неизвестный ключ" in refused.text


# ---------------------------------------------------------------- corrective actions


async def _corrective_rows(app: Any) -> dict[str, Any]:
    today = date.today()
    tag = uuid.uuid4().hex[:6].upper()
    late = await make_action(
        app,
        title=f"Seal leaks {tag}",
        owner="test-head",
        state=CorrectiveState.implementing,
        tasks=[
            overdue_task("test-design", today - timedelta(days=5), description=f"FKM seals {tag}"),
            overdue_task(None, today - timedelta(days=2), description=f"Audit supplier {tag}"),
            overdue_task("test-design", today + timedelta(days=5), description=f"Later {tag}"),
        ],
    )
    effective = await make_action(
        app,
        title=f"Effective {tag}",
        state=CorrectiveState.effective,
        effectiveness={"rate_before": 0.042, "rate_after": 0.005},
    )
    failed = await make_action(
        app,
        title=f"Failed {tag}",
        state=CorrectiveState.not_effective,
        effectiveness={"rate_before": "n/a", "rate_after": None},
    )
    due = await make_action(
        app, title=f"Due {tag}", state=CorrectiveState.verifying, effectiveness_due_on=today
    )
    return {"tag": tag, "late": late, "effective": effective, "failed": failed, "due": due}


async def test_corrective_widgets_count_and_list(app, client, auth) -> None:
    async with app.state.session_factory() as s:
        before = await corrective_widgets(s, today=date.today())
    rows = await _corrective_rows(app)
    async with app.state.session_factory() as s:
        after = await corrective_widgets(s, today=date.today())
    states_before, states_after = dict(before.by_state), dict(after.by_state)
    for state in ("implementing", "effective", "not_effective", "verifying"):
        assert states_after[state] == states_before.get(state, 0) + 1, state
    assert "closed" not in states_after and "cancelled" not in states_after
    assert after.overdue_total == before.overdue_total + 2
    assert {k: after.counts[k] - before.counts[k] for k in after.counts} == {
        "effective": 1,
        "not_effective": 1,
        "due": 1,
    }
    mine = {o.description: o for o in after.overdue if rows["tag"] in o.description}
    assert mine[f"FKM seals {rows['tag']}"].owner == "test-design"
    assert mine[f"Audit supplier {rows['tag']}"].owner == "test-head"  # the record's owner
    assert mine[f"FKM seals {rows['tag']}"].days_overdue == 5
    results = {e.number: e for e in after.effectiveness}
    assert (
        results[rows["effective"].number].rate_before,
        results[rows["effective"].number].rate_after,
    ) == (0.042, 0.005)
    assert results[rows["failed"].number].rate_before is None
    assert results[rows["due"].number].result == "due"

    response = await client.get("/dashboard", params={"lang": "ru"}, headers=auth(Role.auditor))
    assert response.status_code == 200
    page = response.text
    assert "Корректирующие действия (8D)" in page and "Просроченные мероприятия" in page
    assert f'href="/api/v1/corrective-actions/{rows["late"].number}"' in page
    assert f"FKM seals {rows['tag']}" in page and f"Later {rows['tag']}" not in page
    assert "Результативно" in page and "Нерезультативно" in page and "Пора проверить" in page
    assert "4,2" in page and "0,5" in page  # claims per 100 units, the Russian way
    assert "Внедрение" in page  # the state chart's label, not the code
    for lang, title in (("lv", "Korektīvās darbības (8D)"), ("bg", "Коригиращи действия (8D)"),
                        ("en", "Corrective actions (8D)")):  # fmt: skip
        other = await client.get("/dashboard", params={"lang": lang}, headers=auth(Role.auditor))
        assert title in other.text, lang


async def test_corrective_widgets_cost_the_same_queries_however_many_records(
    app, client, auth, count_statements
) -> None:
    await _corrective_rows(app)
    with count_statements() as first:
        assert (await client.get("/dashboard", headers=auth(Role.auditor))).status_code == 200
    for _ in range(3):
        await _corrective_rows(app)
    with count_statements() as second:
        assert (await client.get("/dashboard", headers=auth(Role.auditor))).status_code == 200
    assert second.count == first.count
