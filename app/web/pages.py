"""HTTP glue of the public pages: language, CSRF cookie, security headers, HTML responses."""

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.config import Settings
from app.web import csrf
from app.web.i18n import negotiate_language
from app.web.render import render_page

# Used when CLAIMS_WEB_SECRET is empty, which only development and tests allow: tokens then
# verify only in the process that made them, which is all a single dev server needs.
_PROCESS_SECRET = secrets.token_bytes(32)

# No scripts at all; inline styles only; the pages may not be framed (the embed option is the
# server-side API call, see the README) and forms post only to this origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Vary": "Accept-Language, Cookie",
}


def web_secret(settings: Settings) -> bytes:
    value = settings.web_secret.get_secret_value()
    return value.encode() if value else _PROCESS_SECRET


@dataclass(frozen=True, slots=True)
class WebContext:
    """What a page needs to know about the request it answers."""

    lang: str
    secret: bytes
    cookie_token: str | None
    client: str | None
    now: int
    secure: bool


def web_context(request: Request, settings: Settings, lang: str | None) -> WebContext:
    return WebContext(
        lang=negotiate_language(lang, request.headers.get("accept-language")),
        secret=web_secret(settings),
        cookie_token=request.cookies.get(csrf.COOKIE_NAME),
        client=request.client.host if request.client else None,
        now=int(time.time()),
        secure=request.url.scheme == "https",
    )


@dataclass(slots=True)
class Page:
    """A page to answer with: which template, which status, what it shows."""

    template: str
    status_code: int = 200
    context: dict[str, Any] = field(default_factory=dict)
    # A fresh CSRF token after a claim is registered: reloading the result page (which
    # re-posts the form) then fails the CSRF check instead of registering a duplicate.
    rotate_csrf: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def respond(ctx: WebContext, settings: Settings, page: Page, *, path: str) -> HTMLResponse:
    max_age = settings.web_csrf_max_age_seconds
    if page.rotate_csrf:
        token = csrf.new_token(ctx.secret, now=ctx.now)
    else:
        token = csrf.token_for_form(
            ctx.secret, cookie_token=ctx.cookie_token, now=ctx.now, max_age=max_age
        )
    html = render_page(page.template, lang=ctx.lang, path=path, csrf_token=token, **page.context)
    response = HTMLResponse(
        html,
        status_code=page.status_code,
        headers={**SECURITY_HEADERS, "Content-Language": ctx.lang, **page.headers},
    )
    response.set_cookie(
        csrf.COOKIE_NAME,
        token,
        max_age=max_age,
        path="/",
        secure=ctx.secure,
        httponly=True,
        samesite="strict",
    )
    return response


def csrf_ok(ctx: WebContext, settings: Settings, form_token: object) -> bool:
    result = csrf.verify(
        ctx.secret,
        form_token=form_token if isinstance(form_token, str) else None,
        cookie_token=ctx.cookie_token,
        now=ctx.now,
        max_age=settings.web_csrf_max_age_seconds,
    )
    return result is csrf.CsrfResult.ok
