"""What the public pages do with a request: which page, with what, after which checks.

Order for a submitted claim: CSRF (a token that has registered a claim is refused), honeypot,
the form's own checks (the phone against its country's numbering plan, in E.164 from then on)
together with the API's `ClaimCreate` validation and the photo checks, the rate limit, then
registration, which uses the token up. Every rejection re-renders the form with what the
customer typed and a message at each field.
"""

import logging
import math
import secrets
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData, UploadFile

from app import l10n
from app.claims.attachments import HEAD_BYTES, check_content_type, stored_filename
from app.config import Settings
from app.enums import ClaimState
from app.errors import UnsupportedMediaType
from app.models.claims import ClaimCreate
from app.models.satisfaction import COMMENT_MAX
from app.phones import InvalidPhone, to_e164
from app.web import csrf, forms
from app.web import service as webform
from app.web.i18n import translator
from app.web.pages import Page, WebContext, csrf_ok
from app.web.ratelimit import client_key
from app.workdays import local_date, today

log = logging.getLogger("app.web")

# Where the API's validation errors land on the form.
FIELD_FOR_LOC: dict[tuple[str, ...], str] = {
    ("customer", "name"): "customer_name",
    ("customer", "organisation"): "organisation",
    ("customer", "email"): "email",
    ("customer", "phone"): "phone",
    ("customer",): "email",  # "an email or a phone number is required"
    ("product", "model_code"): "product_model",
    ("product", "model_name"): "product_model_name",
    ("product", "serial_number"): "serial_number",
    ("product", "purchase_date"): "purchase_date",
    ("product",): "product_model",
    ("defect_description",): "description",
}
# The form asks for more than the API needs: an email (letters and the status page use it)
# and the product: chosen from the catalogue, or named in free text when the catalogue is
# empty (a fresh install) or the customer picks "another model" (see _model_checks).
REQUIRED = ("customer_name", "email", "serial_number", "description")
FIELD_ORDER = (*forms.TEXT_FIELDS, forms.PHOTOS_FIELD)


def form_page(
    ctx: WebContext,
    settings: Settings,
    models: list[dict[str, str]],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    photos_rejected: bool = False,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Page:
    errors = errors or {}
    ordered = {name: errors[name] for name in FIELD_ORDER if name in errors}
    return Page(
        "claim_form.html.j2",
        status_code=status_code,
        headers=headers or {},
        context={
            "values": values or {},
            "errors": ordered,
            "form_error": form_error,
            "photos_rejected": photos_rejected,
            "models": models,
            "max_files": settings.web_max_photos,
            "max_mb": forms.megabytes(settings.web_max_photo_bytes),
            "today": today(settings).isoformat(),
            "maxlength": {
                "customer_name": 200,
                "organisation": 200,
                "phone": 40,
                "serial_number": 64,
                "product_model_name": 200,
                "email": 320,
                "description": 20000,
            },
        },
    )


def form_used(page: Page) -> Page:
    """`page` with a fresh CSRF token: the one it came with has registered a claim, and a page
    that offered it again would be refused again."""
    page.rotate_csrf = True
    return page


def claim_payload(data: forms.ClaimFormData, lang: str) -> dict[str, Any]:
    chosen = data.product_model if data.product_model != forms.OTHER_MODEL else ""
    code = chosen or None
    return {
        "channel": "web",
        "customer": {
            "name": data.customer_name,
            "organisation": data.organisation or None,
            "email": data.email or None,
            "phone": data.phone or None,
            "language": lang,
        },
        "product": {
            "model_code": code,
            # Free text only when no catalogue model is chosen: text typed under "another
            # model" and then left behind by choosing from the list is not the customer's word.
            "model_name": None if code else (data.product_model_name or None),
            "serial_number": data.serial_number or None,
            "purchase_date": data.purchase_date or None,
        },
        "defect_description": data.description,
        "language": lang,
    }


def normalised_phone(data: forms.ClaimFormData, region: str) -> forms.ClaimFormData | None:
    """`data` with its phone in E.164, or None when the phone is not a valid number.

    The API's own check of the phone is only a pattern; this one knows each country's plan.
    """
    if not data.phone:
        return data
    try:
        return replace(data, phone=to_e164(data.phone, region))
    except InvalidPhone:
        return None


def _form_checks(
    data: forms.ClaimFormData, models: list[dict[str, str]], today_: date, t: Any
) -> dict[str, str]:
    errors = {name: t("error_required") for name in REQUIRED if not getattr(data, name)}
    errors.update(_model_checks(data, models, t))
    if data.purchase_date:
        try:
            purchased = date.fromisoformat(data.purchase_date)
        except ValueError:
            errors["purchase_date"] = t("error_invalid_date")
        else:
            if purchased > today_:
                errors["purchase_date"] = t("error_future_date")
    return errors


def _model_checks(
    data: forms.ClaimFormData, models: list[dict[str, str]], t: Any
) -> dict[str, str]:
    """With a catalogue, a model from it or "another model" with its name; without one (a
    fresh install), the model's name in free text."""
    if not models:
        return {} if data.product_model_name else {"product_model_name": t("error_required")}
    if not data.product_model:
        return {"product_model": t("error_required")}
    if data.product_model == forms.OTHER_MODEL:
        return {} if data.product_model_name else {"product_model_name": t("error_required")}
    if data.product_model not in {m["code"] for m in models}:
        return {"product_model": t("error_invalid_choice")}
    return {}


async def _photos(
    form: FormData, settings: Settings, t: Any
) -> tuple[list[webform.Photo], str | None]:
    """The attached photos, checked by their content; or the message for the photos field."""
    uploads = [
        item
        for item in form.getlist(forms.PHOTOS_FIELD)
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]
    infos, photos = [], []
    for upload in uploads:
        head = await upload.read(HEAD_BYTES)
        await upload.seek(0)
        name = stored_filename(upload.filename or "photo")
        infos.append(forms.UploadInfo(name, upload.size or 0, head))
        sniffed = forms.sniff_content_type(head) or "application/octet-stream"
        photos.append(webform.Photo(name, sniffed, upload.file))
    problem = forms.upload_errors(
        infos, max_files=settings.web_max_photos, max_bytes=settings.web_max_photo_bytes, t=t
    )
    if problem is None:
        for info, photo in zip(infos, photos, strict=True):
            try:  # the service-wide list of accepted types applies as well
                check_content_type(photo.content_type, info.head, settings)
            except UnsupportedMediaType:
                problem = t("error_file_type", filename=info.filename)
                break
    return photos, problem


async def submit_claim(
    session: AsyncSession, *, form: FormData, ctx: WebContext, settings: Settings
) -> Page:
    t = translator(ctx.lang)
    models = await webform.model_choices(session, ctx.lang)
    data = forms.ClaimFormData.from_form(form)
    if not models:
        # A page from before the catalogue was emptied: only the free text can be used.
        data = replace(data, product_model="")
    values = data.as_dict()
    attached = any(isinstance(i, UploadFile) and i.filename for i in form.getlist("photos"))

    def rejected(status_code: int, **kwargs: Any) -> Page:
        return form_page(
            ctx,
            settings,
            models,
            values=values,
            status_code=status_code,
            photos_rejected=attached,
            **kwargs,
        )

    if not csrf_ok(ctx, settings, form.get("csrf_token")):
        return rejected(403, form_error=t("error_csrf"))
    token = ctx.cookie_token or ""  # csrf_ok: the cookie and the field hold this one token
    nonce = csrf.nonce(token)
    if await webform.csrf_token_used(session, nonce=nonce):
        return form_used(rejected(403, form_error=t("error_form_used")))
    if forms.is_bot_submission(form):
        log.info("web form: honeypot filled, nothing stored", extra={"client": ctx.client})
        fake = f"CLM-{today(settings).year}-9{secrets.randbelow(100000):05d}"
        return Page(
            "claim_submitted.html.j2",
            context={"claim_number": fake, "email": data.email},
            rotate_csrf=True,
        )

    normalised = normalised_phone(data, settings.phone_default_region)
    errors: dict[str, str] = {}
    try:
        claim = ClaimCreate.model_validate(claim_payload(normalised or data, ctx.lang))
    except ValidationError as exc:
        errors = forms.field_errors(exc.errors(), FIELD_FOR_LOC, t)
    errors.update(_form_checks(data, models, today(settings), t))
    if normalised is None:
        errors["phone"] = t("error_invalid_phone")
    photos, photo_error = await _photos(form, settings, t)
    if photo_error:
        errors[forms.PHOTOS_FIELD] = photo_error
    if errors:
        return rejected(422, errors=errors)

    try:
        await webform.count_hit(
            session,
            client_key=client_key(ctx.client, secret=ctx.secret, action="claim"),
            limit=settings.web_rate_limit_claims,
            window_seconds=settings.web_rate_window_seconds,
        )
    except webform.RateLimited as exc:
        log.warning("web form: rate limit reached", extra={"client": ctx.client})
        retry = int(exc.extra["retry_after"])
        return rejected(
            429,
            form_error=t("error_rate_limited", minutes=math.ceil(retry / 60)),
            headers={"Retry-After": str(retry)},
        )
    try:
        number = await webform.register_web_claim(
            session,
            data=claim,
            photos=photos,
            settings=settings,
            csrf_nonce=nonce,
            csrf_expires_at=datetime.fromtimestamp(
                csrf.expires_at(token, max_age=settings.web_csrf_max_age_seconds), UTC
            ),
        )
    except webform.FormAlreadyUsed:  # the same form sent twice at once: the other one won
        return form_used(rejected(403, form_error=t("error_form_used")))
    return Page(
        "claim_submitted.html.j2",
        context={"claim_number": number, "email": data.email},
        rotate_csrf=True,
    )


def status_page(
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_error: str | None = None,
    not_found: bool = False,
    claim: dict[str, str] | None = None,
    letters: list[dict[str, str]] | None = None,
    rating: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Page:
    """`rating` (closed claims only): {given: the recorded answer or None, values: the form's,
    error, thanks}; a claim in any other state has none, and no form."""
    return Page(
        "claim_status.html.j2",
        status_code=status_code,
        headers=headers or {},
        context={
            "values": values or {},
            "errors": errors or {},
            "form_error": form_error,
            "not_found": not_found,
            "claim": claim,
            "letters": letters or [],
            "rating": rating,
        },
    )


def lookup_values(form: FormData) -> dict[str, str]:
    return {
        name: value.strip()[:320] if isinstance(value := form.get(name), str) else ""
        for name in ("claim_number", "email")
    }


def lookup_errors(values: dict[str, str], t: Any) -> dict[str, str]:
    errors = {name: t("error_required") for name, value in values.items() if not value}
    # PostgreSQL cannot compare text holding NUL: refuse it as the API's schemas do.
    errors.update({name: t("error_invalid") for name, value in values.items() if "\x00" in value})
    return errors


async def retry_after(
    session: AsyncSession, ctx: WebContext, settings: Settings, action: str
) -> int:
    """0 when the client may go on; else the seconds until it may try again."""
    try:
        await webform.count_hit(
            session,
            client_key=client_key(ctx.client, secret=ctx.secret, action=action),
            limit=settings.web_rate_limit_status,
            window_seconds=settings.web_rate_window_seconds,
        )
    except webform.RateLimited as exc:
        return int(exc.extra["retry_after"])
    return 0


def found_page(
    found: webform.ClaimStatus,
    *,
    values: dict[str, str],
    ctx: WebContext,
    settings: Settings,
    rating_values: dict[str, str] | None = None,
    rating_error: str | None = None,
    thanks: bool = False,
    form_error: str | None = None,
    status_code: int = 200,
) -> Page:
    rating: dict[str, Any] | None = None
    if found.state == ClaimState.closed:
        given = found.rating
        rating = {
            "given": given,
            "values": rating_values
            or ({"rating": str(given.rating), "comment": given.comment or ""} if given else {}),
            "error": rating_error,
            "thanks": thanks,
            "comment_max": COMMENT_MAX,
        }
    return status_page(
        values=values,
        form_error=form_error,
        status_code=status_code,
        claim={
            "number": found.number,
            "state": found.state,
            "received_at": l10n.format_date(local_date(found.received_at, settings), ctx.lang),
        },
        letters=[
            {
                "number": line.number,
                "kind": line.kind,
                "issued_at": l10n.format_date(line.issued_on, ctx.lang),
            }
            for line in found.letters
        ],
        rating=rating,
    )


async def guarded_lookup(
    session: AsyncSession,
    *,
    form: FormData,
    ctx: WebContext,
    settings: Settings,
    bucket: str,
) -> tuple[dict[str, str], webform.ClaimStatus | Page]:
    """The status page's claim by the number and email in the form, after the checks every
    form of that page makes in this order: CSRF, the fields, the rate limit (`bucket`), then
    the lookup. Returns the values typed and the claim found, or the page that refuses."""
    t = translator(ctx.lang)
    values = lookup_values(form)
    if not csrf_ok(ctx, settings, form.get("csrf_token")):
        return values, status_page(values=values, form_error=t("error_csrf"), status_code=403)
    errors = lookup_errors(values, t)
    if errors:
        return values, status_page(values=values, errors=errors, status_code=422)
    if retry := await retry_after(session, ctx, settings, bucket):
        return values, status_page(
            values=values,
            status_code=429,
            headers={"Retry-After": str(retry)},
            form_error=t("error_rate_limited", minutes=math.ceil(retry / 60)),
        )
    found = await webform.find_claim_status(
        session, number=values["claim_number"], email=values["email"]
    )
    if found is None:  # the same answer for a wrong number and a wrong email
        return values, status_page(values=values, not_found=True, status_code=404)
    return values, found


async def look_up_status(
    session: AsyncSession, *, form: FormData, ctx: WebContext, settings: Settings
) -> Page:
    values, found = await guarded_lookup(
        session, form=form, ctx=ctx, settings=settings, bucket="status"
    )
    if isinstance(found, Page):
        return found
    return found_page(found, values=values, ctx=ctx, settings=settings)
