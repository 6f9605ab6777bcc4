"""The public claim form as data: what the customer typed, per-field errors, uploaded files.

Pure helpers. The server-side validation itself is the API's (the `ClaimCreate` schema):
`field_errors` turns its pydantic errors into one localized message per form field.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from app.claims import sniffing

HONEYPOT_FIELD = "website"

# The text fields of the form, in page order.
TEXT_FIELDS: tuple[str, ...] = (
    "customer_name",
    "organisation",
    "email",
    "phone",
    "product_model",
    "product_model_name",
    "serial_number",
    "purchase_date",
    "description",
)
# The model list's last entry: a model not in the catalogue, named in `product_model_name`.
OTHER_MODEL = "other"
PHOTOS_FIELD = "photos"

# Content types accepted for photos, recognised by their first bytes (a browser's declared
# type is only the file name's extension).
ALLOWED_PHOTO_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "application/pdf")


@dataclass(frozen=True)
class ClaimFormData:
    """The typed values, kept as strings so that a rejected form shows exactly what was typed."""

    customer_name: str = ""
    organisation: str = ""
    email: str = ""
    phone: str = ""
    product_model: str = ""
    product_model_name: str = ""
    serial_number: str = ""
    purchase_date: str = ""
    description: str = ""

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> "ClaimFormData":
        values = {}
        for name in TEXT_FIELDS:
            raw = form.get(name)
            values[name] = raw.strip() if isinstance(raw, str) else ""
        return cls(**values)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def is_bot_submission(form: Mapping[str, Any]) -> bool:
    """True when the hidden honeypot field was filled: people never see it, naive bots fill it."""
    value = form.get(HONEYPOT_FIELD)
    return isinstance(value, str) and value.strip() != ""


def _message(field: str, error: Mapping[str, Any], t: Callable[..., str]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length", 1) <= 1):
        return t("error_required")
    if field == "email":
        return t("error_invalid_email")
    if field == "phone":
        return t("error_invalid_phone")
    if kind == "string_too_long":
        return t("error_too_long", max_length=ctx.get("max_length", "?"))
    if kind == "string_too_short":
        return t("error_too_short", min_length=ctx.get("min_length", "?"))
    if kind in {"date_future", "date_past"} or "future" in str(error.get("msg", "")).lower():
        return t("error_future_date")
    if kind.startswith("date") or kind.startswith("datetime"):
        return t("error_invalid_date")
    if kind in {"enum", "literal_error"}:
        return t("error_invalid_choice")
    return t("error_invalid")


def field_errors(
    errors: Iterable[Mapping[str, Any]],
    field_for_loc: Mapping[tuple[str, ...], str],
    t: Callable[..., str],
    *,
    fallback_field: str = "description",
) -> dict[str, str]:
    """One localized message per form field from pydantic-style errors (`loc`, `type`, `ctx`).

    `field_for_loc` maps a schema location (without a leading "body") to a form field; the
    longest matching prefix wins, so ("customer", "email") and ("customer",) can both be
    mapped. An error at a location the form does not show lands on `fallback_field` rather
    than being lost. The first error of a field wins.
    """
    result: dict[str, str] = {}
    for error in errors:
        loc = tuple(str(part) for part in error.get("loc", ()))
        if loc and loc[0] == "body":
            loc = loc[1:]
        field = fallback_field
        for length in range(len(loc), 0, -1):
            if loc[:length] in field_for_loc:
                field = field_for_loc[loc[:length]]
                break
        result.setdefault(field, _message(field, error, t))
    return result


def sniff_content_type(head: bytes) -> str | None:
    """The accepted type a file's first bytes (`sniffing.HEAD_BYTES`) show, or None when it is
    none of them."""
    return sniffing.sniff(head, ALLOWED_PHOTO_TYPES)


@dataclass(frozen=True)
class UploadInfo:
    filename: str
    size: int
    head: bytes


def upload_errors(
    uploads: list[UploadInfo],
    *,
    max_files: int,
    max_bytes: int,
    t: Callable[..., str],
) -> str | None:
    """One message for the photos field, or None when the files may be stored."""
    if len(uploads) > max_files:
        return t("error_too_many_files", max_files=max_files)
    for upload in uploads:
        if upload.size > max_bytes:
            return t(
                "error_file_too_large",
                filename=upload.filename,
                max_mb=megabytes(max_bytes),
            )
        if sniff_content_type(upload.head) is None:
            return t("error_file_type", filename=upload.filename)
    return None


def megabytes(size: int) -> float:
    """Bytes as megabytes for a message, which writes the number the language's way."""
    value = size / (1024 * 1024)
    return round(value, 2) if value >= 1 else round(value, 1)
