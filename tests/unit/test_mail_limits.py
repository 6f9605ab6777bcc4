"""The limits on one inbound message (app/mail/limits.py) and the message ids of inbound mail
(app/msgids.py): no I/O."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from app import msgids
from app.mail.limits import MailLimitExceeded, MailLimits
from app.mail.parsing import parse_gateway_json, parse_mailgun_form, parse_rfc822, read_rfc822

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"
NAMES = sorted(p.name for p in FIXTURES.glob("*.eml"))


def _plain(raw: bytes) -> email.message.Message:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _depth(msg: email.message.Message) -> int:
    payload = msg.get_payload()
    children = payload if isinstance(payload, list) else []
    return 1 + max((_depth(c) for c in children), default=0) if children else 0


@pytest.mark.parametrize("name", NAMES)
def test_parts_are_counted_as_the_email_package_makes_them(name):
    """The count is the parser's own: a limit equal to a fixture's parts lets it through, one
    less stops it."""
    raw = (FIXTURES / name).read_bytes()
    parts = sum(1 for _ in _plain(raw).walk())
    read_rfc822(raw, MailLimits(parts=parts))
    with pytest.raises(MailLimitExceeded, match="CLAIMS_EMAIL_MAX_PARTS"):
        read_rfc822(raw, MailLimits(parts=parts - 1))


@pytest.mark.parametrize("name", NAMES)
def test_depth_is_the_nesting_of_the_parsed_tree(name):
    raw = (FIXTURES / name).read_bytes()
    depth = _depth(_plain(raw))
    read_rfc822(raw, MailLimits(depth=depth))
    if depth:
        with pytest.raises(MailLimitExceeded, match="CLAIMS_EMAIL_MAX_DEPTH"):
            read_rfc822(raw, MailLimits(depth=depth - 1))


@pytest.mark.parametrize("name", NAMES)
def test_within_the_limits_the_reading_is_unchanged(name):
    raw = (FIXTURES / name).read_bytes()
    assert read_rfc822(raw).as_bytes() == _plain(raw).as_bytes()


def test_the_parser_stops_at_the_limit_instead_of_reading_everything():
    raw = (
        b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"--b\r\n\r\nx\r\n" * 300_000
    )
    with pytest.raises(MailLimitExceeded, match="more than 1000 MIME parts"):
        parse_rfc822(raw)  # the default limits; without them this takes half a minute


def test_a_message_in_a_message_counts_its_parts_and_its_depth():
    inner = b"From: c@d.example\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n" + (
        b"--i\r\n\r\none\r\n--i\r\n\r\ntwo\r\n--i--\r\n"
    )
    raw = (
        b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + inner + b"--o--\r\n"
    )
    read_rfc822(raw, MailLimits(parts=5, depth=3))
    with pytest.raises(MailLimitExceeded):
        read_rfc822(raw, MailLimits(parts=4))
    with pytest.raises(MailLimitExceeded):
        read_rfc822(raw, MailLimits(depth=2))


def test_header_fields_count_per_section_and_headers_count_unfolded():
    raw = b"From: a@b.example\r\n" + b"Received: x\r\n" * 9 + b"\r\nbody\r\n"
    read_rfc822(raw, MailLimits(headers=10))
    with pytest.raises(MailLimitExceeded, match="more than 9 header fields"):
        read_rfc822(raw, MailLimits(headers=9))
    folded = b"From: a@b.example\r\nSubject: a\r\n" + b" b\r\n" * 400 + b"\r\nbody\r\n"
    with pytest.raises(MailLimitExceeded, match="a header of"):
        read_rfc822(folded, MailLimits(line_bytes=998))
    read_rfc822(folded, MailLimits(line_bytes=2000))


def test_gateway_json_and_mailgun_forms_have_their_limits():
    doc = {"from": "a@b.example", "attachments": [], "headers": {f"x-{i}": "v" for i in range(3)}}
    parse_gateway_json(doc, MailLimits(headers=3))
    with pytest.raises(MailLimitExceeded):
        parse_gateway_json(doc, MailLimits(headers=2))
    mime = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + (
        "--b\r\n\r\nx\r\n" * 3
    )
    with pytest.raises(MailLimitExceeded):
        parse_mailgun_form({"body-mime": mime}, (), MailLimits(parts=3))


# ------------------------------------------------------------------ message ids


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("<abc@host.example>", "abc@host.example"),
        ("abc@host.example", "abc@host.example"),
        (" <CAF=x+y/z!#$%&'*?^_`{|}~-1.2@mail.example.com> ", "CAF=x+y/z!#$%&'*?^_`{|}~-1.2@mail.example.com"),
        ("<a.b@[127.0.0.1]>", "a.b@[127.0.0.1]"),
    ],
)  # fmt: skip
def test_msg_ids_have_one_stored_and_one_emitted_form(value, stored):
    assert msgids.parse(value) == stored
    assert msgids.emitted(value) == f"<{stored}>"
    assert msgids.emitted(stored) == f"<{stored}>"


@pytest.mark.parametrize(
    "value",
    [
        "<abc\r\nBcc: victim@example.com@host>",
        "abc@host\r\nX-Injected: 1",
        "abc\n@host",
        "a b@host",
        "<<a@host>>",
        "a@host>",
        "no-at-sign",
        "@host",
        "a@",
        ".a@host",
        "a..b@host",
        '"quoted local"@host',
        "a@host (comment)",
        "ä@host",
        "a" * 490 + "@host.example",
    ],
)
def test_anything_else_is_refused(value):
    with pytest.raises(ValueError):
        msgids.parse(value)
    assert msgids.stored(value) is None and msgids.emitted(value) is None


def test_inbound_headers_keep_valid_ids_and_report_the_dropped_ones():
    assert msgids.from_header("<a@b.example> (Fred's message)") == ("a@b.example", False)
    assert msgids.from_header("<a\r\nb@c.example>") == (None, True)
    assert msgids.from_header("") == (None, False)
    kept, dropped = msgids.all_from_header(["<a@h.example>\r\n <bad id@h> <a@h.example> <c@h>"])
    assert kept == ["a@h.example", "c@h"] and dropped == ["bad id@h"]


def test_an_encoded_line_break_in_a_message_id_is_dropped():
    """The reproduction: an encoded word decodes to CR/LF inside the Message-ID."""
    raw = (
        b"From: a@b.example\r\n"
        b"Message-ID: =?utf-8?q?=3Cab=0D=0ABcc=3A_x=40evil.example=3E?=\r\n"
        b"In-Reply-To: <ok@claims.example>\r\n"
        b"References: <ok@claims.example> =?utf-8?q?=3Cq=0Aw=40e=3E?=\r\n\r\nbody\r\n"
    )
    parsed = parse_rfc822(raw)
    assert parsed.message_id is None
    assert parsed.in_reply_to == "ok@claims.example" and parsed.references == ["ok@claims.example"]
    assert [d.split(":")[0] for d in parsed.dropped_ids] == ["message-id", "references"]


def test_the_gateway_payload_carries_no_line_break_and_only_msg_ids():
    """The last check before the email gateway (app/events/delivery.py), for anything a
    producer put into an outbound email, including rows written before the ids were checked."""
    from app.events.delivery import email_request

    message = email_request(
        {
            "to": ["a@b.example\r\nBcc: victim@example.com"],
            "subject": "Claim\r\nBcc: victim@example.com",
            "reply_to": "claims+CLM-2026-000001@claims.example",
            "message_id": "bad\r\nid@x",
            "in_reply_to": "x\r\nBcc: victim@example.com",
            "references": ["ok@customer.example", "<also-ok@customer.example>", "b\nad@x"],
            "text": "Line one.\r\nLine two.",
        },
        event_id="e1",
        domain="claims.example",
    )
    assert message["to"] == ["a@b.example Bcc: victim@example.com"]
    assert message["subject"] == "Claim Bcc: victim@example.com"
    assert message["message_id"] == "<e1@claims.example>"
    assert message["in_reply_to"] is None
    assert message["references"] == ["<ok@customer.example>", "<also-ok@customer.example>"]
    assert message["text"] == "Line one.\r\nLine two."  # the body may have lines
