"""The rating form of a closed claim's status page: the customer rates the handling from 1 to 5
with a comment; a later answer replaces the earlier one (app/claims/satisfaction.py)."""

import functools
from dataclasses import replace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData

from app.claims.satisfaction import ClaimNotClosed
from app.config import Settings
from app.enums import ClaimState
from app.models.satisfaction import COMMENT_MAX, RATING_MAX, RATING_MIN
from app.web import service as webform
from app.web.i18n import translator
from app.web.pages import Page, WebContext
from app.web.submission import found_page, guarded_lookup, status_page


def _rating_input(form: FormData, t: Any) -> tuple[dict[str, str], int | None, str | None]:
    """The form's rating and comment as typed, the rating if valid, and the error if not."""
    raw = form.get("rating")
    comment = form.get("comment")
    typed = {
        "rating": raw.strip() if isinstance(raw, str) else "",
        "comment": comment if isinstance(comment, str) else "",
    }
    if typed["rating"] not in {str(n) for n in range(RATING_MIN, RATING_MAX + 1)}:
        return typed, None, t("error_rating_choice")
    if "\x00" in typed["comment"] or len(typed["comment"]) > COMMENT_MAX:
        return typed, None, t("error_invalid")
    return typed, int(typed["rating"]), None


async def submit_rating(
    session: AsyncSession, *, form: FormData, ctx: WebContext, settings: Settings
) -> Page:
    """The rating form of a closed claim's status page. The claim is found again by the number
    and email the page was shown for (hidden fields): the page has no session of its own.

    Order: CSRF, the lookup fields, the rate limit, the claim (404 as the lookup), its state
    (409 unless closed), the rating itself (422), then the record and the thanks."""
    t = translator(ctx.lang)
    values, found = await guarded_lookup(
        session, form=form, ctx=ctx, settings=settings, bucket="rating"
    )
    if isinstance(found, Page):
        return found
    page = functools.partial(found_page, found, values=values, ctx=ctx, settings=settings)
    if found.state != ClaimState.closed:
        return page(form_error=t("rating_not_closed"), status_code=409)
    typed, rating, error = _rating_input(form, t)
    if rating is None:
        return page(rating_values=typed, rating_error=error, status_code=422)
    try:
        recorded = await webform.rate_claim(
            session, claim_id=found.claim_id, rating=rating, comment=typed["comment"]
        )
    except ClaimNotClosed:  # reopened between the lookup and the lock
        await session.rollback()
        again = await webform.find_claim_status(
            session, number=values["claim_number"], email=values["email"]
        )
        if again is None:
            return status_page(values=values, not_found=True, status_code=404)
        return found_page(
            again,
            values=values,
            ctx=ctx,
            settings=settings,
            form_error=t("rating_not_closed"),
            status_code=409,
        )
    return found_page(
        replace(found, rating=recorded), values=values, ctx=ctx, settings=settings, thanks=True
    )
