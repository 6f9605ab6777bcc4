"""The read-only dashboard page: the reports as charts, for people rather than programs.

Behind the same API keys as the reports: the `X-API-Key` header works (for tools),
and a browser signs in once with a form. The cookie it gets holds no key: a session signed
with CLAIMS_WEB_SECRET that names the key by id and expires after
CLAIMS_REPORTS_DASHBOARD_COOKIE_HOURS (app/auth/sessions.py); it is HttpOnly, SameSite=Strict
and scoped to /dashboard, and ends as soon as its key is revoked.

The page speaks English, Russian, Latvian and Bulgarian: `?lang=` (the switcher), else the
browser's Accept-Language.
"""

import secrets
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Form, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from app.auth import api_keys, sessions
from app.auth.principal import Principal
from app.config import Settings
from app.deps import SessionDep, SettingsDep, api_key_header
from app.enums import Role
from app.errors import NotFound
from app.reports import dashboard_text
from app.reports import service as reports
from app.reports.corrective_widgets import corrective_widgets
from app.reports.dashboard import render_dashboard, render_login
from app.reports.export import costs_csv, recurring_csv, summary_csv
from app.reports.negotiation import csv_response
from app.workdays import today

BASE = "/dashboard"
COOKIE = "claims_dashboard_session"
# Without CLAIMS_WEB_SECRET (outside production): sessions last as long as the process.
_PROCESS_SECRET = secrets.token_bytes(32)
READERS = frozenset({Role.auditor, Role.head, Role.director, Role.specialist})
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(prefix=BASE, tags=["dashboard"], include_in_schema=False)

SessionCookie = Annotated[str | None, Cookie(alias=COOKIE)]
Lang = Annotated[str | None, Query(max_length=10, description="en, ru, lv or bg")]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="Accounting year of the costs")]


def _secret(settings: Settings) -> bytes:
    value = settings.web_secret.get_secret_value()
    return value.encode() if value else _PROCESS_SECRET


def _lang(request: Request, asked: str | None) -> str:
    return dashboard_text.choose(asked, request.headers.get("accept-language"))


def _reader(principal: Principal | None) -> Principal | None:
    return principal if principal is not None and principal.has_any(READERS) else None


def _login(lang: str, message: str | None, settings: Settings) -> HTMLResponse:
    response = HTMLResponse(
        render_login(
            base=BASE, lang=lang, message=message, hours=settings.reports_dashboard_cookie_hours
        ),
        status_code=status.HTTP_401_UNAUTHORIZED,
        headers={
            **SECURITY_HEADERS,
            "WWW-Authenticate": 'ApiKey header="X-API-Key"',
            "Content-Language": lang,
            "Vary": "Accept-Language, Cookie",
        },
    )
    if message == "session_ended":
        response.delete_cookie(COOKIE, path=BASE, httponly=True, samesite="strict")
    return response


async def _authorised(
    request: Request, session: SessionDep, settings: Settings, cookie: str | None
) -> tuple[Principal | None, str | None]:
    """The reader, and why there is none (a text id for the sign-in page)."""
    key = await api_key_header(request)
    if key:
        return _reader(await api_keys.authenticate(session, key)), None
    if not cookie:
        return None, None
    max_age = settings.reports_dashboard_cookie_hours * 3600
    key_id = sessions.key_id_of(_secret(settings), cookie, max_age)
    principal = await api_keys.principal_by_id(session, key_id) if key_id is not None else None
    principal = _reader(principal)
    return principal, None if principal is not None else "session_ended"


@router.get("", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cookie: SessionCookie = None,
    received_from: date | None = None,
    received_to: date | None = None,
    year: Year = None,
    lang: Lang = None,
) -> Response:
    chosen = _lang(request, lang)
    principal, why = await _authorised(request, session, settings, cookie)
    if principal is None:
        return _login(chosen, why, settings)
    start, end = reports.window(settings, received_from, received_to)
    year = year or end.year
    page = render_dashboard(
        base=BASE,
        lang=chosen,
        principal=principal.name,
        summary=await reports.summary(
            session, settings=settings, received_from=start, received_to=end
        ),
        recurring=await reports.recurring_defects(
            session, settings=settings, received_from=start, received_to=end
        ),
        costs=await reports.costs(session, year=year),
        corrective=await corrective_widgets(session, today=today(settings)),
    )
    return HTMLResponse(
        page,
        headers={**SECURITY_HEADERS, "Content-Language": chosen, "Vary": "Accept-Language, Cookie"},
    )


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    key: Annotated[str, Form(max_length=200)] = "",
    lang: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    chosen = _lang(request, lang)
    principal = _reader(await api_keys.authenticate(session, key.strip())) if key.strip() else None
    if principal is None:
        return _login(chosen, "bad_key", settings)
    response = RedirectResponse(
        f"{BASE}?{urlencode({'lang': chosen})}", status_code=status.HTTP_303_SEE_OTHER
    )
    response.set_cookie(
        COOKIE,
        sessions.issue(_secret(settings), principal.key_id),
        max_age=settings.reports_dashboard_cookie_hours * 3600,
        path=BASE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse(BASE, status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path=BASE, httponly=True, samesite="strict")
    return response


@router.get("/{report}.csv")
async def csv_download(
    report: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cookie: SessionCookie = None,
    received_from: date | None = None,
    received_to: date | None = None,
    year: Year = None,
) -> Response:
    principal, why = await _authorised(request, session, settings, cookie)
    if principal is None:
        return _login(_lang(request, None), why, settings)
    start, end = reports.window(settings, received_from, received_to)
    if report == "summary":
        body = summary_csv(
            await reports.summary(session, settings=settings, received_from=start, received_to=end)
        )
    elif report == "recurring-defects":
        body = recurring_csv(
            await reports.recurring_defects(
                session, settings=settings, received_from=start, received_to=end
            )
        )
    elif report == "costs":
        body = costs_csv(await reports.costs(session, year=year if year else end.year))
    else:
        raise NotFound(f"No report {report!r}: summary, recurring-defects or costs.")
    return csv_response(body, report)
