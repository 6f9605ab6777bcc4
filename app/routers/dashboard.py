"""The read-only dashboard page: the reports as charts, for people rather than programs.

Behind the same API keys as the reports: the `X-API-Key` header works (for tools),
and a browser signs in once with a form that puts the key in an HttpOnly,
SameSite=Strict cookie scoped to /dashboard.
"""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from app.auth import api_keys
from app.auth.principal import Principal
from app.deps import SessionDep, SettingsDep, api_key_header
from app.enums import Role
from app.errors import NotFound
from app.reports import service as reports
from app.reports.dashboard import render_dashboard, render_login
from app.reports.export import costs_csv, recurring_csv, summary_csv
from app.reports.negotiation import csv_response

BASE = "/dashboard"
COOKIE = "claims_dashboard_key"
READERS = frozenset({Role.auditor, Role.head, Role.director, Role.specialist})
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(prefix=BASE, tags=["dashboard"], include_in_schema=False)

KeyCookie = Annotated[str | None, Cookie(alias=COOKIE)]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="Accounting year of the costs")]


async def _principal(session: SessionDep, key: str | None) -> Principal | None:
    principal = await api_keys.authenticate(session, key) if key else None
    return principal if principal is not None and principal.has_any(READERS) else None


def _login(message: str | None, code: int, hours: int) -> HTMLResponse:
    return HTMLResponse(
        render_login(base=BASE, message=message, hours=hours),
        status_code=code,
        headers={**SECURITY_HEADERS, "WWW-Authenticate": 'ApiKey header="X-API-Key"'},
    )


async def _authorised(
    request: Request, session: SessionDep, cookie: str | None
) -> Principal | None:
    return await _principal(session, await api_key_header(request) or cookie)


@router.get("", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cookie: KeyCookie = None,
    received_from: date | None = None,
    received_to: date | None = None,
    year: Year = None,
) -> Response:
    principal = await _authorised(request, session, cookie)
    if principal is None:
        return _login(None, status.HTTP_401_UNAUTHORIZED, settings.reports_dashboard_cookie_hours)
    start, end = reports.window(settings, received_from, received_to)
    year = year or end.year
    page = render_dashboard(
        base=BASE,
        principal=principal.name,
        summary=await reports.summary(
            session, settings=settings, received_from=start, received_to=end
        ),
        recurring=await reports.recurring_defects(
            session, settings=settings, received_from=start, received_to=end
        ),
        costs=await reports.costs(session, year=year),
    )
    return HTMLResponse(page, headers=SECURITY_HEADERS)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    hours = settings.reports_dashboard_cookie_hours
    if await _principal(session, key.strip()) is None:
        return _login("Unknown key, or a key without a reporting role.", 401, hours)
    response = RedirectResponse(BASE, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        key.strip(),
        max_age=hours * 3600,
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
    cookie: KeyCookie = None,
    received_from: date | None = None,
    received_to: date | None = None,
    year: Year = None,
) -> Response:
    if await _authorised(request, session, cookie) is None:
        return _login(None, status.HTTP_401_UNAUTHORIZED, settings.reports_dashboard_cookie_hours)
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
