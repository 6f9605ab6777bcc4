"""Parsing inbound mail: real-world shaped messages in tests/fixtures/email/."""

from __future__ import annotations

import base64
import contextlib
import email
import email.message
import email.policy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.mail import charsets
from app.mail.parsing import (
    POLICY,
    FormFile,
    MailParseError,
    detect_auto_reply,
    find_claim_number,
    normalize_message_id,
    parse_gateway_json,
    parse_mailgun_form,
    parse_rfc822,
    split_message_ids,
)
from app.mail.text import html_to_text, strip_quoted

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"


def load(name: str):
    return parse_rfc822((FIXTURES / name).read_bytes())


def test_every_fixture_parses_without_raising():
    names = sorted(p.name for p in FIXTURES.glob("*.eml"))
    assert len(names) >= 13
    for name in names:
        parsed = load(name)
        assert parsed.subject, name


def test_multipart_alternative_prefers_plain_and_decodes_quoted_printable():
    m = load("01_alternative_utf8_qp.eml")
    assert m.from_address == "ivan.petrov@example.ru"  # lower-cased for matching
    assert m.from_name == "Иван Петров"
    assert m.subject == "Неисправность котла Vulkan KV-24"  # encoded words across a fold
    assert m.message_id == "3f1c7a52-8d0e-4b9e-9a51-1d2f0f6c7e11@example.ru"
    assert m.date == datetime(2026, 11, 16, 6, 13, 58, tzinfo=UTC)
    assert m.text.startswith("Здравствуйте!\n\nКотёл Vulkan KV-24")
    assert "<p>" not in m.text and "\r" not in m.text
    assert m.html and "<b>VK24-2025-004417</b>" in m.html
    assert m.attachments == []
    assert m.auto_reply is None


def test_nested_multiparts_keep_inline_image_and_rfc2231_filename():
    m = load("02_nested_related_attachments_latvian.eml")
    assert m.subject == "Sūknis AquaPro 300 nedarbojas"
    assert m.from_name == "Jānis Bērziņš"
    assert "sērijas nr. AP300-2024-118" in m.text  # base64 text/plain inside related/alternative
    assert m.cc == ["service@factory.example", "claims@factory.example"]
    assert m.recipients == ["claims@factory.example", "service@factory.example"]
    photo, receipt = m.attachments
    assert (photo.filename, photo.content_type, photo.inline) == ("photo.png", "image/png", True)
    assert photo.content_id == "photo1@mac"
    assert photo.content.startswith(b"\x89PNG")
    assert receipt.filename == "pirkuma čeks.pdf"
    assert receipt.content.startswith(b"%PDF-1.4") and not receipt.inline


@pytest.mark.parametrize(
    ("name", "subject", "sender", "phrase"),
    [
        (
            "03_cp1251_base64.eml",
            "Рекламация на насос ЦНС-38",
            "Ольга Смирнова",
            "течь по торцевому уплотнению",
        ),
        ("04_koi8r_qp.eml", "Перегрев двигателя", "Петр Сидоров", "перегревается через час"),
        ("13_iso8859_family.eml", "Повреда на помпа", "Мария Петрова", "ķēdes pievads"),
        ("05_html_only_bulgarian_cp1251.eml", "Теч от бойлер", "Georgi Ivanov", "Бойлерът"),
    ],
)
def test_declared_charsets_decode_right(name, subject, sender, phrase):
    m = load(name)
    assert m.subject == subject
    assert m.from_name == sender
    assert phrase in m.text


def test_html_only_message_falls_back_to_text_from_html():
    m = load("05_html_only_bulgarian_cp1251.eml")
    assert m.html is not None
    assert "Бойлерът Термо 80 тече от долния фланец." in m.text
    assert "- Сериен номер: TB80-5512\n- Дата на покупка: 03.02.2025" in m.text
    assert "alert" not in m.text and "color:red" not in m.text and "<" not in m.text


def test_attachment_only_message_has_empty_text_and_the_file():
    m = load("06_attachment_only.eml")
    assert m.text == "" and m.full_text == ""
    (photo,) = m.attachments
    assert photo.filename == "IMG_2041.JPG" and photo.content_type == "image/jpeg"
    assert photo.content.startswith(b"\xff\xd8") and photo.content.endswith(b"\xff\xd9")


def test_malformed_message_parses_with_defects_and_raw_8bit_headers_guessed():
    m = load("07_malformed.eml")
    assert m.defects  # the email package noticed
    assert m.subject == "Рекламация без кодировки"  # raw windows-1251 bytes in the header
    assert m.from_address == ""  # "ivan@@broken" is no address: intake must fail it
    assert m.date is None
    assert m.message_id == "malformed-0001@broken.example"
    assert "Текст в неизвестной кодировке." in m.full_text


def test_unknown_charset_and_broken_base64_do_not_crash():
    raw = (
        b"From: a@example.com\r\nTo: claims@factory.example\r\nSubject: x\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        + "Текст в неизвестной кодировке.".encode("cp1251")
        + b"\r\n--B\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nQUJD!!!===RE\r\n"  # no closing boundary
    )
    m = parse_rfc822(raw)
    assert m.text == "Текст в неизвестной кодировке."
    (att,) = m.attachments
    assert att.filename == "a.pdf" and isinstance(att.content, bytes)


def test_mislabelled_charsets_are_recovered():
    m = load("12_mislabelled_charset.eml")
    # us-ascii label over windows-1251 bytes; utf-8 label over KOI8-R bytes
    assert "Гарантийный талон утерян, но есть чек." in m.text
    assert "Серийный номер КВ-24-0099." in m.text


def test_auto_reply_is_detected():
    m = load("08_autoreply.eml")
    assert m.auto_reply == "auto-submitted: auto-replied"
    assert m.claim_number == "CLM-2026-000123"


def test_bounce_is_detected():
    m = load("09_bounce.eml")
    assert m.auto_reply == "multipart/report"
    assert m.from_address == "mailer-daemon@mx.factory.example"


def test_outlook_reply_strips_history_keeps_original_and_threads():
    m = load("10_outlook_reply_ru.eml")
    assert m.subject == "RE: [CLM-2026-000123] Ваша рекламация зарегистрирована"
    assert m.text == "Добрый день,\n\nВысылаю фото шильдика. Котёл так и не работает.\n\nИван"
    assert "Уважаемый Иван Петров!" in m.full_text  # the original stays available
    assert m.in_reply_to == "letter-ack-1@claims.factory.example"
    assert m.thread_ids == ["letter-ack-1@claims.factory.example"]
    assert m.claim_number == "CLM-2026-000123"
    (photo,) = m.attachments
    assert photo.filename == "шильдик.jpg"  # KOI8-R encoded-word filename


def test_latvian_reply_in_iso_8859_13_strips_rakstija_quote():
    m = load("11_latvian_iso8859_13_reply.eml")
    assert m.from_name == "Jānis Bērziņš"
    assert m.subject == "Re: (CLM-2026-000045) Jūsu pretenzija"
    assert m.text == "Paldies, bet sūknis joprojām nestrādā. Lūdzu, atsūtiet meistaru."
    assert m.claim_number == "CLM-2026-000045"
    assert m.thread_ids == [
        "letter-ack-45@claims.factory.example",
        "orig-45@example.lv",
    ]


def test_not_mail_at_all_is_refused():
    with pytest.raises(MailParseError):
        parse_rfc822(b"   \r\n")


# ------------------------------------------------- parsing each header once


def _shape(msg: email.message.Message) -> list[tuple]:
    """Everything the parser of record tells about a message, part by part."""
    out = []
    for part in msg.walk():
        out.append(
            (
                part.get_content_type(),
                part.get_content_disposition(),
                part.get_filename(),
                part.get_content_charset(),
                part.get_boundary(),
                part.is_multipart() or part.get_payload(decode=True),
                [(k, str(v)) for k, v in part.items()],
                [type(d).__name__ for d in part.defects],
            )
        )
    if isinstance(msg, email.message.EmailMessage):
        with contextlib.suppress(Exception):
            body = msg.get_body(preferencelist=("plain", "html"))
            out.append(("body", body and body.get_content_type()))
            out.append(("attachments", [a.get_filename() for a in msg.iter_attachments()]))
    return out


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.eml")))
def test_parse_once_policy_reads_messages_exactly_as_policy_default(name):
    raw = (FIXTURES / name).read_bytes()
    ours = email.message_from_bytes(raw, policy=POLICY)
    reference = email.message_from_bytes(raw, policy=email.policy.default)
    assert _shape(ours) == _shape(reference)


def test_each_header_of_a_part_is_parsed_once(monkeypatch):
    raw = (FIXTURES / "02_nested_related_attachments_latvian.eml").read_bytes()
    calls: list[str] = []
    registry = POLICY.header_factory
    original = type(registry).__call__
    monkeypatch.setattr(
        type(registry),
        "__call__",
        lambda self, n, v: calls.append(n.lower()) or original(self, n, v),
    )
    msg = email.message_from_bytes(raw, policy=POLICY)
    parts = list(msg.walk())
    for _ in range(3):
        for part in parts:
            part.get_content_type(), part.get_filename(), part.get("content-id")
    # one Content-Type per part (the parser's own lookups included), nothing parsed twice
    assert calls.count("content-type") == len(parts)


def test_a_changed_header_is_parsed_again():
    msg = email.message_from_bytes(
        b"From: a@b.example\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\nx",
        policy=POLICY,
    )
    assert msg.get_content_charset() == "koi8-r"
    msg.set_param("charset", "utf-8")
    assert msg.get_content_charset() == "utf-8"
    msg.replace_header("Content-Type", "text/html")
    assert msg.get_content_type() == "text/html"
    del msg["Content-Type"]
    assert msg.get_content_type() == "text/plain" and msg.get("content-type") is None
    msg["Content-Type"] = "image/png"
    assert msg.get_content_type() == "image/png"


# ------------------------------------------------------------ quoted history


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Thanks, it works now.\n\nOn Mon, 23 Nov 2026 at 10:00, Claims <c@f.example> "
            "wrote:\n> old",
            "Thanks, it works now.",
        ),
        (
            "Thanks.\n\nOn Mon, 23 Nov 2026 at 10:00, Quality Department <c@f.example>\n"
            "wrote:\n> old",
            "Thanks.",
        ),
        ("See photo.\n\n-----Original Message-----\nFrom: x\nSent: y\n", "See photo."),
        ("Фото во вложении.\n\n-----Исходное сообщение-----\nОт: x\n", "Фото во вложении."),
        ("Спасибо!\n\n20.11.2026 12:00, Отдел качества пишет:\n> Здравствуйте", "Спасибо!"),
        ("Да, помогло.\n\nИван Петров написал(а):\n> текст", "Да, помогло."),
        ("Благодаря.\n\nOn 20.11.2026 12:00, ОКК написа:\n> текст", "Благодаря."),
        ("Labi.\n\nPirmd., 2026. g. 23. nov. Jānis rakstīja:\n> x", "Labi."),
        (
            "Yes.\n\nFrom: Claims <claims@factory.example>\nSent: Friday\nTo: me\n"
            "Subject: s\n\nold",
            "Yes.",
        ),
        ("Да.\n\nОт: ОКК\nОтправлено: 20 ноября\nКому: Иван\nТема: т\n\nстарое", "Да."),
        ("Jā.\n\nNo: Kvalitāte\nNosūtīts: piektdiena\nKam: Jānis\nTēma: t\n", "Jā."),
        ("inline answer\n> question one\nmy answer\n> q2", "inline answer\nmy answer"),
        (
            "From: my uncle I heard it is good.\nIt broke.",
            "From: my uncle I heard it is good.\nIt broke.",
        ),
        (
            "The technician wrote: it was fine, but today after the repair it leaked again "
            "and we wrote: please come.",
            "The technician wrote: it was fine, but today after the repair it leaked again "
            "and we wrote: please come.",
        ),
        ("> all quoted\n> nothing new", "> all quoted\n> nothing new"),  # nothing lost
    ],
)
def test_strip_quoted(text, expected):
    assert strip_quoted(text) == expected


def test_html_to_text_handles_entities_breaks_pre_and_cells():
    html = "<p>a&amp;b&nbsp;c</p><div>x<br>y</div><pre>  keep\n  spaces</pre><table><tr><td>1</td><td>2</td></tr></table>"  # noqa: E501
    assert html_to_text(html) == "a&b c\n\nx\ny\n\nkeep\nspaces\n\n1\t2"


# ------------------------------------------------------------- numbers, ids


@pytest.mark.parametrize(
    "subject",
    [
        "CLM-2026-000123",
        "Re: [CLM-2026-000123] Ваша рекламация",
        "RE: (CLM-2026-000123)",
        "Fwd: «CLM-2026-000123» ответ",
        "Claim #CLM-2026-000123, photos",
        "AW: clm-2026-000123",
        "{CLM-2026-000123}",
    ],
)
def test_claim_number_in_any_bracket_style(subject):
    assert find_claim_number(subject) == "CLM-2026-000123"


@pytest.mark.parametrize("subject", ["XCLM-2026-000123", "CLM-2026-00012", "CLM-26-000123", ""])
def test_no_claim_number(subject):
    assert find_claim_number(subject) is None


def test_plus_address_wins_over_subject():
    assert (
        find_claim_number("Re: CLM-2026-000001", ["claims+clm-2026-000777@factory.example"])
        == "CLM-2026-000777"
    )
    assert find_claim_number("hello", ["claims@factory.example"]) is None


def test_message_ids_are_normalized():
    assert normalize_message_id(" <abc@host> ") == "abc@host"
    assert normalize_message_id("abc@host") == "abc@host"
    assert normalize_message_id("") is None
    assert split_message_ids("<a@h>\r\n <b@h> <a@h>") == ["a@h", "b@h"]
    assert split_message_ids(["a@h", "<c@h>"]) == ["a@h", "c@h"]


@pytest.mark.parametrize(
    ("headers", "sender", "subject", "reason"),
    [
        ({"auto-submitted": "auto-generated"}, "a@b.c", "", "auto-submitted: auto-generated"),
        ({"auto-submitted": "no"}, "a@b.c", "hello", None),
        ({"precedence": "Bulk"}, "a@b.c", "", "precedence: bulk"),
        ({"precedence": "junk"}, "a@b.c", "", "precedence: junk"),
        ({"precedence": "list"}, "a@b.c", "", "precedence: list"),
        ({"x-autoreply": "yes"}, "a@b.c", "", "x-autoreply"),
        ({}, "MAILER-DAEMON@mx.example", "", "mailer-daemon"),
        ({"return-path": "<>"}, "x@y.z", "", "null return-path"),
        ({}, "a@b.c", "Automatic reply: claim", "auto-reply subject"),
        ({}, "a@b.c", "Re: automatic reply doesn't work", None),
        ({}, "a@b.c", "Автоответ: в отпуске", "auto-reply subject"),
        ({}, "a@b.c", "Насос сломан", None),
    ],
)
def test_detect_auto_reply(headers, sender, subject, reason):
    assert detect_auto_reply(headers, sender, subject) == reason


def test_charset_guess_tells_cp1251_from_koi8r_and_leaves_western_text_alone():
    text = "Добрый день, котёл не работает."
    assert charsets.decode(text.encode("cp1251"), None) == text
    assert charsets.decode(text.encode("koi8_r"), None) == text
    assert charsets.decode(text.encode("cp1251"), "win-1251") == text  # alias
    german = "Grüße aus München, die Pumpe für den Keller ist kaputt."
    assert charsets.decode(german.encode("cp1252"), "iso-8859-1") == german
    assert charsets.decode(b"plain", "x-nonsense") == "plain"


# -------------------------------------------------------------- gateway JSON


def test_gateway_json_form():
    m = parse_gateway_json(
        {
            "from": "Иван Петров <Ivan@Example.ru>",
            "to": ["claims+CLM-2026-000123@factory.example"],
            "subject": "Re: ваша рекламация",
            "text": "Фото прилагаю.\n\n> цитата",
            "html": "<p>Фото прилагаю.</p>",
            "message_id": "<json-1@example.ru>",
            "in_reply_to": "letter-1@claims.factory.example",
            "references": "<r1@x> <letter-1@claims.factory.example>",
            "date": "2026-11-23T10:00:00Z",
            "attachments": [
                {
                    "filename": "../../etc/foto.jpg",
                    "content_type": "IMAGE/JPEG",
                    "content_base64": base64.b64encode(b"\xff\xd8jpeg").decode(),
                }
            ],
        }
    )
    assert (m.from_name, m.from_address) == ("Иван Петров", "ivan@example.ru")
    assert m.text == "Фото прилагаю." and m.full_text.endswith("> цитата")
    assert m.message_id == "json-1@example.ru"
    assert m.references == ["r1@x", "letter-1@claims.factory.example"]
    assert m.date == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert m.claim_number == "CLM-2026-000123"
    (att,) = m.attachments
    assert (att.filename, att.content_type) == ("foto.jpg", "image/jpeg")
    assert att.content == b"\xff\xd8jpeg"


def test_gateway_json_html_only_and_headers_for_auto_reply():
    m = parse_gateway_json(
        {
            "from": "a@b.example",
            "subject": "x",
            "html": "<div>Только HTML</div>",
            "headers": {"Auto-Submitted": "auto-replied"},
        }
    )
    assert m.text == "Только HTML"
    assert m.auto_reply == "auto-submitted: auto-replied"


@pytest.mark.parametrize(
    "data",
    [
        {"subject": "no sender"},
        {"from": "not an address"},
        {"from": 5},
        {"from": "a@b.c", "to": [1, 2]},
        {"from": "a@b.c", "attachments": "x"},
        {"from": "a@b.c", "attachments": [{"filename": "a", "content_base64": "%%%"}]},
        {"from": "a@b.c", "attachments": [5]},
        {"from": "a@b.c", "headers": []},
    ],
)
def test_gateway_json_invalid_shapes(data):
    with pytest.raises(MailParseError):
        parse_gateway_json(data)


# -------------------------------------------------------------- Mailgun form


def test_mailgun_routes_form():
    m = parse_mailgun_form(
        {
            "sender": "ivan@example.ru",
            "from": "Иван <ivan@example.ru>",
            "recipient": "claims+CLM-2026-000123@factory.example",
            "subject": "Re: [CLM-2026-000123]",
            "body-plain": "Не помогло.\n\nOn Mon, 23 Nov 2026, Claims <c@f.example> wrote:\n> x",
            "stripped-text": "Не помогло.",
            "Message-Id": "<mg-1@example.ru>",
            "In-Reply-To": "<letter-1@claims.factory.example>",
            "References": "<letter-1@claims.factory.example>",
            "message-headers": '[["Auto-Submitted", "no"], ["Date", "Mon, 23 Nov 2026 10:00:00 +0000"]]',  # noqa: E501
            "attachment-count": "1",
        },
        [FormFile("attachment-1", "photo.png", "image/png", b"\x89PNG")],
    )
    assert (m.from_name, m.from_address) == ("Иван", "ivan@example.ru")
    assert m.text == "Не помогло."
    assert m.message_id == "mg-1@example.ru" and m.in_reply_to == "letter-1@claims.factory.example"
    assert m.date == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert m.claim_number == "CLM-2026-000123"
    assert m.auto_reply is None
    assert [(a.filename, a.content) for a in m.attachments] == [("photo.png", b"\x89PNG")]


def test_mailgun_mime_variant_uses_the_raw_message():
    raw = (FIXTURES / "03_cp1251_base64.eml").read_bytes()
    fields = {"recipient": "claims@factory.example", "body-mime": raw.decode("ascii")}
    m = parse_mailgun_form(fields)
    assert m.subject == "Рекламация на насос ЦНС-38"


def test_mailgun_form_without_sender_is_refused():
    with pytest.raises(MailParseError):
        parse_mailgun_form({"subject": "x", "message-headers": "not json"})


_SEEDS = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(_SEEDS),
    cuts=st.lists(
        st.tuples(st.integers(0, 4000), st.integers(0, 64), st.binary(max_size=24)), max_size=6
    ),
)
def test_parser_survives_mangled_messages(seed, cuts):
    """Truncated, spliced, corrupted real messages: a result or MailParseError, no crash."""
    data = bytearray(seed)
    for at, length, insert in cuts:
        at = min(at, len(data))
        data[at : at + length] = insert
    try:
        parsed = parse_rfc822(bytes(data))
    except MailParseError:
        return
    assert isinstance(parsed.text, str) and isinstance(parsed.subject, str)
    assert all(isinstance(a.content, bytes) for a in parsed.attachments)


def _parsed_both_ways(raw: bytes) -> tuple[object, object]:
    """parse_rfc822 of a message read with our parse-once policy, and of the same message read
    with plain policy.default (the parser of record)."""

    def outcome(read):  # type: ignore[no-untyped-def]
        try:
            return parse_rfc822(read())
        except Exception as exc:
            return type(exc).__name__, str(exc)

    reference = email.message_from_bytes(raw, policy=email.policy.default)
    return outcome(lambda: raw), outcome(lambda: reference)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.eml")))
def test_parse_once_gives_what_policy_default_gives(name):
    ours, reference = _parsed_both_ways((FIXTURES / name).read_bytes())
    assert ours == reference


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(_SEEDS),
    cuts=st.lists(
        st.tuples(st.integers(0, 4000), st.integers(0, 64), st.binary(max_size=24)), max_size=6
    ),
)
def test_parse_once_gives_what_policy_default_gives_for_mangled_messages(seed, cuts):
    data = bytearray(seed)
    for at, length, insert in cuts:
        at = min(at, len(data))
        data[at : at + length] = insert
    if bytes(data).strip():
        ours, reference = _parsed_both_ways(bytes(data))
        assert ours == reference


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_parser_survives_arbitrary_bytes(data):
    with contextlib.suppress(MailParseError):
        parse_rfc822(data)
