"""The signature's reason and visible box text, per language; the development certificate."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from app.cli import main
from app.letters.seal import seal_text, signing_time_text
from app.letters.signing import SigningKey

RIGA_WINTER = timezone(timedelta(hours=2))
MOMENT = datetime(2026, 11, 28, 14, 3, 59, tzinfo=RIGA_WINTER)


def test_reason_answers_the_claim_in_the_letters_language() -> None:
    texts = {
        lang: seal_text(
            lang=lang,
            claim_number="CLM-2026-000123",
            internal=False,
            name="Ivanov",
            title="Director",
            moment=MOMENT,
        )
        for lang in ("ru", "lv", "bg", "en", "de")
    }
    assert texts["ru"].reason == "Ответ на рекламацию CLM-2026-000123"
    assert texts["lv"].reason == "Atbilde uz reklamāciju CLM-2026-000123"
    assert texts["bg"].reason == "Отговор на рекламация CLM-2026-000123"
    assert texts["en"].reason == "Reply to claim CLM-2026-000123"
    assert texts["de"] == texts["en"]  # no labels of its own: English
    assert texts["ru"].signed_on == "Дата подписания: 28 ноября 2026 г. 14:03 (UTC+02:00)"
    assert texts["lv"].signed_on == "Parakstīts: 28.11.2026 14:03 (UTC+02:00)"


def test_an_internal_document_is_about_the_claim_not_an_answer() -> None:
    memo = seal_text(
        lang="ru", claim_number="CLM-1", internal=True, name="A", title="B", moment=MOMENT
    )
    assert memo.reason == "Документ по рекламации CLM-1"


def test_signing_time_names_its_offset() -> None:
    assert signing_time_text(MOMENT.astimezone(UTC), "en") == "28 November 2026 12:03 (UTC+00:00)"
    west = MOMENT.astimezone(timezone(timedelta(hours=-3, minutes=-30)))
    assert signing_time_text(west, "en").endswith("(UTC-03:30)")


def test_the_password_is_not_in_the_keys_repr() -> None:
    assert "hunter2" not in repr(SigningKey(Path("k.p12"), b"hunter2"))


def test_dev_certificate_command(tmp_path: Path, capsys) -> None:
    assert main(["dev-certificate", "--out", str(tmp_path), "--organisation", "Acme SIA"]) == 0
    printed = capsys.readouterr().out
    assert f"CLAIMS_SIGNING_PKCS12={tmp_path / 'signing.p12'}" in printed
    password = (tmp_path / "signing.password").read_bytes().strip()
    assert password.decode() not in printed
    key, cert, chain = pkcs12.load_key_and_certificates(
        (tmp_path / "signing.p12").read_bytes(), password
    )
    assert key is not None and cert is not None
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    assert [c.subject for c in chain] == [ca.subject] and cert.issuer == ca.subject
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (tmp_path / "signing.p12").stat().st_mode & 0o077 == 0


def test_every_kind_reserves_one_signature_box_when_signed() -> None:
    from dataclasses import replace

    from app.letters.render import render_html
    from tests.unit.test_letter_render import ALL, make_context

    for kind, lang in ALL:
        context = make_context(kind, lang)
        signed = replace(context, letter=replace(context.letter, signed=True))
        assert render_html(kind, lang, signed).count('id="e-signature"') == 1, (kind, lang)
        assert 'id="e-signature"' not in render_html(kind, lang, context), (kind, lang)


def test_the_box_is_found_on_the_page_it_was_laid_out_on() -> None:
    from dataclasses import replace

    from weasyprint import HTML

    from app.enums import LetterKind
    from app.letters.pdf import signature_box
    from app.letters.render import render_html
    from tests.unit.test_letter_render import make_context

    context = make_context(LetterKind.inspection_act, "ru")
    html = render_html(
        LetterKind.inspection_act,
        "ru",
        replace(context, letter=replace(context.letter, signed=True)),
    )
    document = HTML(string=html).render()
    box = signature_box(document)
    assert box is not None and box.page == len(document.pages) - 1
    # Inside the A4 page's margins (25 mm left, 15 mm right, 22 mm bottom), 76 by 17 mm.
    assert 70 < box.x1 < box.x2 <= 553 and 62 <= box.y1 < box.y2 < 842
    assert round((box.x2 - box.x1) * 25.4 / 72) == 76 and round((box.y2 - box.y1) * 25.4 / 72) == 17
