"""The claim form's data helpers: typed values, honeypot, error mapping, uploads."""

from app.web import i18n
from app.web.forms import (
    ClaimFormData,
    UploadInfo,
    field_errors,
    is_bot_submission,
    sniff_content_type,
    upload_errors,
)

T_EN = i18n.translator("en")
T_RU = i18n.translator("ru")
FIELD_FOR_LOC = {
    ("customer", "name"): "customer_name",
    ("customer", "email"): "email",
    ("customer", "phone"): "phone",
    ("customer",): "customer_name",
    ("serial_number",): "serial_number",
    ("purchase_date",): "purchase_date",
    ("model_code",): "product_model",
    ("description",): "description",
}

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
PDF = b"%PDF-1.7\n%\xe2\xe3"


def test_form_data_keeps_typed_values_trimmed_and_ignores_other_fields() -> None:
    data = ClaimFormData.from_form(
        {"customer_name": "  Jānis  ", "email": "j@example.lv ", "csrf_token": "x", "photos": 3}
    )
    assert data.customer_name == "Jānis"
    assert data.email == "j@example.lv"
    assert data.description == ""
    assert "csrf_token" not in data.as_dict()


def test_non_text_values_become_empty_strings() -> None:
    assert ClaimFormData.from_form({"description": object()}).description == ""


def test_honeypot() -> None:
    assert is_bot_submission({"website": "http://spam.example"})
    assert not is_bot_submission({"website": "   "})
    assert not is_bot_submission({})


def test_field_errors_map_locations_and_types_to_localized_messages() -> None:
    errors = [
        {"loc": ("body", "customer", "email"), "type": "value_error", "msg": "bad"},
        {"loc": ("body", "customer", "name"), "type": "string_too_short", "ctx": {"min_length": 1}},
        {"loc": ("body", "serial_number"), "type": "missing"},
        {"loc": ("body", "description"), "type": "string_too_long", "ctx": {"max_length": 5000}},
        {"loc": ("body", "purchase_date"), "type": "date_from_datetime_parsing"},
        {"loc": ("body", "model_code"), "type": "enum"},
        {"loc": ("body", "customer", "phone"), "type": "string_pattern_mismatch"},
    ]
    assert field_errors(errors, FIELD_FOR_LOC, T_EN) == {
        "email": T_EN("error_invalid_email"),
        "customer_name": "This field is required.",
        "serial_number": "This field is required.",
        "description": "This is too long: at most 5,000 characters.",
        "purchase_date": "Enter a valid date.",
        "product_model": "Choose one of the listed options.",
        "phone": T_EN("error_invalid_phone"),
    }


def test_field_errors_in_russian_and_first_error_of_a_field_wins() -> None:
    errors = [
        {"loc": ("body", "description"), "type": "string_too_short", "ctx": {"min_length": 10}},
        {"loc": ("body", "description"), "type": "missing"},
        {"loc": ("body", "purchase_date"), "type": "date_future"},
        {"loc": ("body", "purchase_date"), "type": "value_error", "msg": "date in the future"},
    ]
    assert field_errors(errors, FIELD_FOR_LOC, T_RU) == {
        "description": "Слишком коротко: не менее 10 символов.",
        "purchase_date": "Дата не может быть в будущем.",
    }


def test_field_errors_value_error_about_the_future_and_unknown_types() -> None:
    errors = [
        {"loc": ("purchase_date",), "type": "value_error", "msg": "Value error, in the future"},
        {"loc": ("serial_number",), "type": "something_new"},
    ]
    assert field_errors(errors, FIELD_FOR_LOC, T_EN) == {
        "purchase_date": "The date cannot be in the future.",
        "serial_number": "This value is not valid.",
    }


def test_errors_at_unknown_locations_are_not_lost() -> None:
    errors = [{"loc": ("body", "channel"), "type": "enum"}, {"loc": (), "type": "model_type"}]
    assert field_errors(errors, FIELD_FOR_LOC, T_EN) == {
        "description": T_EN("error_invalid_choice")
    }
    assert field_errors(errors, FIELD_FOR_LOC, T_EN, fallback_field="x") == {
        "x": T_EN("error_invalid_choice")
    }


def test_longest_location_prefix_wins() -> None:
    errors = [
        {"loc": ("body", "customer", "email"), "type": "value_error"},
        {
            "loc": ("body", "customer", "organisation"),
            "type": "string_too_long",
            "ctx": {"max_length": 3},
        },
    ]
    assert field_errors(errors, FIELD_FOR_LOC, T_EN) == {
        "email": T_EN("error_invalid_email"),
        "customer_name": "This is too long: at most 3 characters.",
    }


def test_sniff_content_type() -> None:
    assert sniff_content_type(JPEG) == "image/jpeg"
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(WEBP) == "image/webp"
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(b"MZ\x90\x00") is None  # a Windows executable
    assert sniff_content_type(b"<svg xmlns=") is None  # SVG can carry scripts
    assert sniff_content_type(b"RIFF\x00\x00\x00\x00WAVE") is None
    assert sniff_content_type(b"") is None


def test_upload_errors() -> None:
    mb = 1024 * 1024

    def check(uploads: list[UploadInfo]) -> str | None:
        return upload_errors(uploads, max_files=3, max_bytes=2 * mb, t=T_EN)

    assert check([]) is None
    assert check([UploadInfo("a.jpg", 100, JPEG), UploadInfo("b.pdf", 2 * mb, PDF)]) is None
    assert check([UploadInfo("a.jpg", 1, JPEG)] * 4) == "Attach at most 3 files."
    assert check([UploadInfo("big.png", 2 * mb + 1, PNG)]) == "big.png is larger than 2 MB."
    assert check([UploadInfo("x.exe", 10, b"MZ")]) == "x.exe: this file type is not accepted."
    half = upload_errors([UploadInfo("a.png", mb, PNG)], max_files=1, max_bytes=mb // 2, t=T_EN)
    assert half == "a.png is larger than 0.5 MB."


def test_upload_errors_write_numbers_and_plurals_the_language_way() -> None:
    mb = 1024 * 1024
    one = [UploadInfo("a.jpg", 1, JPEG)] * 2
    assert upload_errors(one, max_files=1, max_bytes=mb, t=T_EN) == "Attach at most 1 file."
    assert upload_errors(one, max_files=1, max_bytes=mb, t=T_RU) == (
        "Можно приложить не более 1 файла."
    )
    half = upload_errors([UploadInfo("a.png", mb, PNG)], max_files=1, max_bytes=mb // 2, t=T_RU)
    assert half == "Файл a.png больше 0,5 МБ."
    t_lv = i18n.translator("lv")
    assert upload_errors(one, max_files=1, max_bytes=mb, t=t_lv) == (
        "Pievienojiet ne vairāk kā 1 failu."
    )
