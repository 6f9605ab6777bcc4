"""The public web channel: the claim form and the status page for customers (HTML, no key).

Not part of the OpenAPI schema: these are pages for people. Company sites that keep their
own form post to `POST /api/v1/claims` with an `intake` key instead (see the README).
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.deps import SessionDep, SettingsDep
from app.web import pages, rating, submission
from app.web import service as webform

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

# Unchecked on purpose: an unknown language falls back to Accept-Language, never to an error.
Lang = Annotated[str | None, Query(description="ru, lv, bg or en")]
# Starlette's own part limits sit above the form's, so that too many photos get the form's
# message at the field rather than a bare 400.
MAX_PARTS = 100


@router.get("/claim-form")
async def claim_form(
    request: Request, session: SessionDep, settings: SettingsDep, lang: Lang = None
) -> HTMLResponse:
    """The empty claim form."""
    ctx = pages.web_context(request, settings, lang)
    models = await webform.model_choices(session, ctx.lang)
    page = submission.form_page(ctx, settings, models)
    return pages.respond(ctx, settings, page, path="/claim-form")


@router.post("/claim-form")
async def submit_claim_form(
    request: Request, session: SessionDep, settings: SettingsDep, lang: Lang = None
) -> HTMLResponse:
    """Registers a claim from the form, or shows the form again with what is wrong."""
    ctx = pages.web_context(request, settings, lang)
    async with request.form(max_files=MAX_PARTS, max_fields=MAX_PARTS) as form:
        page = await submission.submit_claim(session, form=form, ctx=ctx, settings=settings)
    return pages.respond(ctx, settings, page, path="/claim-form")


@router.get("/claim-status")
async def claim_status_form(
    request: Request,
    settings: SettingsDep,
    lang: Lang = None,
    number: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The status lookup form (the claim number may be filled in from the link)."""
    ctx = pages.web_context(request, settings, lang)
    page = submission.status_page(values={"claim_number": (number or "")[:40]})
    return pages.respond(ctx, settings, page, path="/claim-status")


@router.post("/claim-status")
async def claim_status(
    request: Request, session: SessionDep, settings: SettingsDep, lang: Lang = None
) -> HTMLResponse:
    """The claim's state and issued letters, for the right number and email only."""
    ctx = pages.web_context(request, settings, lang)
    async with request.form(max_files=0, max_fields=20) as form:
        page = await submission.look_up_status(session, form=form, ctx=ctx, settings=settings)
    return pages.respond(ctx, settings, page, path="/claim-status")


@router.post("/claim-status/rating")
async def rate_claim(
    request: Request, session: SessionDep, settings: SettingsDep, lang: Lang = None
) -> HTMLResponse:
    """A closed claim's rating (1 to 5 and a comment) from its status page, then the thanks."""
    ctx = pages.web_context(request, settings, lang)
    async with request.form(max_files=0, max_fields=20) as form:
        page = await rating.submit_rating(session, form=form, ctx=ctx, settings=settings)
    return pages.respond(ctx, settings, page, path="/claim-status")
