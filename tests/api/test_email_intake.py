"""POST /api/v1/intake/email and the failed queue, through the real app on the real database."""

import asyncio
import base64
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from app.claims import attachments
from app.enums import Action, Role
from app.mail import filing as email_filing
from app.mail.signing import sign_body, sign_mailgun
from app.main import create_app
from app.models.claims import Claim, Message, MessageDirection
from app.models.customers import Contact
from app.models.email_intake import InboundEmail, MailgunToken
from app.models.types import utcnow
from tests.api.workflow_support import Flow
from tests.conftest import statement_counter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"
SECRET = "test-email-hmac-secret-0123456789"
MG_KEY = "test-mailgun-signing-key-0123456789"
URL = "/api/v1/intake/email"
LIMIT = 300_000


@pytest.fixture(scope="module")
async def email_app(settings: Any) -> AsyncIterator[Any]:
    configured = settings.model_copy(
        update={
            "email_hmac_secret": SecretStr(f"old-secret-being-rotated-out,{SECRET}"),
            "email_mailgun_signing_key": SecretStr(MG_KEY),
            "email_max_bytes": LIMIT,
            "default_language": "lv",
        }
    )
    application = create_app(configured)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def mail(email_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=email_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def db(email_app: Any) -> AsyncIterator[Any]:
    async with email_app.state.session_factory() as s:
        yield s


def signed(body: bytes, ctype: str = "message/rfc822", ts: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    return {
        "Content-Type": ctype,
        "X-Claims-Timestamp": str(ts),
        "X-Claims-Signature": sign_body(SECRET, ts, body),
    }


def fixture(name: str, **replace: str) -> tuple[bytes, str]:
    """A fixture message with a fresh Message-ID (and other header values replaced)."""
    raw = (FIXTURES / name).read_bytes()
    mid = f"{uuid.uuid4().hex}@test.example"
    raw = re.sub(rb"(?im)^Message-I[dD]: .*$", f"Message-ID: <{mid}>".encode(), raw, count=1)
    for header, value in replace.items():
        name_b = header.replace("_", "-").encode()
        line = name_b + b": " + value.encode()
        pattern = rb"(?im)^" + name_b + rb": .*$"
        if re.search(pattern, raw):
            raw = re.sub(pattern, line, raw, count=1)
        else:
            raw = line + b"\r\n" + raw
    return raw, mid


async def deliver(client: httpx.AsyncClient, raw: bytes, **extra: str) -> httpx.Response:
    return await client.post(URL, content=raw, headers={**signed(raw), **extra})


async def deliver_json(client: httpx.AsyncClient, doc: dict[str, Any]) -> httpx.Response:
    body = json.dumps(doc, ensure_ascii=False).encode()
    return await client.post(URL, content=body, headers=signed(body, "application/json"))


async def inbound_count(db: Any, message_id: str) -> int:
    stmt = select(func.count()).select_from(InboundEmail)
    count = (await db.execute(stmt.where(InboundEmail.message_id == message_id))).scalar_one()
    await db.rollback()  # SQLite: never keep the write lock the app needs
    return count


async def claims_of(db: Any, email: str) -> list[tuple[str, str]]:
    """(number, channel) of the claims of the customer with this address."""
    stmt = (
        select(Claim.number, Claim.channel)
        .join(Contact, Claim.contact_id == Contact.id)
        .where(Contact.email == email.lower())
    )
    rows = [(r.number, r.channel) for r in await db.execute(stmt)]
    await db.rollback()
    return rows


# --------------------------------------------------------------- new claims


async def test_new_email_registers_claim_with_channel_email(mail, client, auth):
    raw, mid = fixture("03_cp1251_base64.eml")
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "processed" and body["outcome"] == "created"
    assert body["duplicate"] is False and body["message_id"] == mid
    claim = (
        await client.get(f"/api/v1/claims/{body['claim_number']}", headers=auth(Role.specialist))
    ).json()
    assert claim["channel"] == "email" and claim["state"] == "new"
    assert claim["contact"]["name"] == "Ольга Смирнова"
    assert claim["contact"]["email"] == "o.smirnova@teploset.example"
    assert claim["title"] == "Рекламация на насос ЦНС-38"
    assert "течь по торцевому уплотнению" in claim["defect_description"]
    assert claim["language"] == "ru"
    (message,) = claim["messages"]
    assert message["direction"] == "inbound" and message["channel"] == "email"
    assert message["external_message_id"] == mid
    assert message["author"] == "Ольга Смирнова <o.smirnova@teploset.example>"


@pytest.mark.parametrize(
    ("name", "title", "phrase", "language"),
    [
        ("04_koi8r_qp.eml", "Перегрев двигателя", "Электродвигатель АИР-100 перегревается", "ru"),
        ("05_html_only_bulgarian_cp1251.eml", "Теч от бойлер", "Бойлерът Термо 80 тече", "bg"),
        ("12_mislabelled_charset.eml", "Чек", "Гарантийный талон утерян", "ru"),
        ("01_alternative_utf8_qp.eml", "Неисправность котла Vulkan KV-24", "ошибку E05", "ru"),
    ],
)
async def test_cyrillic_charsets_are_decoded_right(
    mail, client, auth, name, title, phrase, language
):
    raw, _ = fixture(name)
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    number = r.json()["claim_number"]
    claim = (await client.get(f"/api/v1/claims/{number}", headers=auth(Role.specialist))).json()
    assert claim["title"] == title
    assert phrase in claim["defect_description"]
    assert claim["language"] == language


async def test_attachments_and_inline_images_become_claim_attachments(mail, client, auth, db):
    raw, _ = fixture("02_nested_related_attachments_latvian.eml")
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    claim = (
        await client.get(
            f"/api/v1/claims/{r.json()['claim_number']}", headers=auth(Role.specialist)
        )
    ).json()
    assert claim["language"] == "lv"
    assert claim["contact"]["name"] == "Jānis Bērziņš"
    names = {(a["filename"], a["content_type"]) for a in claim["attachments"]}
    assert names == {("photo.png", "image/png"), ("pirkuma čeks.pdf", "application/pdf")}
    message_id = claim["messages"][0]["id"]
    assert {a["message_id"] for a in claim["attachments"]} == {message_id}


@pytest.mark.parametrize(
    ("subject", "text", "language"),
    [
        ("Помпа", "Помпата не работи. Моля за помощ.", "bg"),  # Cyrillic, but not Russian
        ("Pump", "The pump stops after 10 minutes.", "en"),
        ("Re:", "12345", "lv"),  # nothing to tell: CLAIMS_DEFAULT_LANGUAGE (lv here)
    ],
)
async def test_language_of_a_new_claim_is_detected_from_the_text(
    mail, client, auth, subject, text, language
):
    r = await deliver_json(
        mail,
        {
            "from": f"{uuid.uuid4().hex[:8]}@example.com",
            "to": "claims@factory.example",
            "subject": subject,
            "text": text,
            "message_id": f"<{uuid.uuid4().hex}@example.com>",
        },
    )
    assert r.status_code == 201, r.text
    number = r.json()["claim_number"]
    claim = (await client.get(f"/api/v1/claims/{number}", headers=auth(Role.specialist))).json()
    assert claim["language"] == language
    assert claim["customer"]["language"] == language


async def test_refused_attachment_is_noted_not_fatal(mail, client, auth):
    r = await deliver_json(
        mail,
        {
            "from": "Pēteris <peteris@example.lv>",
            "to": "claims@factory.example",
            "subject": "Sūknis",
            "text": "Sūknis nedarbojas, skat. pielikumu.",
            "message_id": f"<{uuid.uuid4().hex}@example.lv>",
            "attachments": [
                {
                    "filename": "virus.exe",
                    "content_type": "application/x-msdownload",
                    "content_base64": base64.b64encode(b"MZ\x90\x00").decode(),
                },
                {
                    "filename": "fake.png",
                    "content_type": "image/png",
                    "content_base64": base64.b64encode(b"not a png").decode(),
                },
                {
                    "filename": "ok.pdf",
                    "content_type": "application/octet-stream",
                    "content_base64": base64.b64encode(b"%PDF-1.4 ok").decode(),
                },
            ],
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "processed"
    assert len(body["notes"]) == 2 and "virus.exe" in body["notes"][0]
    claim = (
        await client.get(f"/api/v1/claims/{body['claim_number']}", headers=auth(Role.specialist))
    ).json()
    assert [(a["filename"], a["content_type"]) for a in claim["attachments"]] == [
        ("ok.pdf", "application/pdf")
    ]


async def test_attachment_only_message_still_makes_a_claim(mail, client, auth):
    raw, _ = fixture("06_attachment_only.eml")
    r = await deliver(mail, raw)
    assert r.status_code == 201 and r.json()["outcome"] == "created", r.text
    claim = (
        await client.get(
            f"/api/v1/claims/{r.json()['claim_number']}", headers=auth(Role.specialist)
        )
    ).json()
    assert "IMG_2041.JPG" in claim["defect_description"]
    assert [a["filename"] for a in claim["attachments"]] == ["IMG_2041.JPG"]


async def test_nul_characters_never_reach_the_database(mail, client, auth):
    raw, _ = fixture(
        "04_koi8r_qp.eml", Subject="Broken\x00 pump", From="Petr\x00 <petr.nul@example.com>"
    )
    raw = raw.replace(
        b"Content-Transfer-Encoding: quoted-printable", b"Content-Transfer-Encoding: 8bit"
    )
    raw += b"\r\nmore text \x00 after a NUL\r\n"
    r = await deliver(mail, raw)
    assert r.status_code == 201 and r.json()["status"] == "processed", r.text
    claim = (
        await client.get(
            f"/api/v1/claims/{r.json()['claim_number']}", headers=auth(Role.specialist)
        )
    ).json()
    assert claim["title"] == "Broken pump" and "\x00" not in claim["defect_description"]


# ---------------------------------------------------------------- threading


async def _acknowledged_claim(new_claim, client, auth) -> tuple[dict[str, Any], str]:
    """A claim whose acknowledgement letter went out with a known Message-ID."""
    claim = await new_claim(
        customer={
            "name": "Иван Петров",
            "email": f"{uuid.uuid4().hex[:8]}@example.ru",
            "language": "ru",
        }
    )
    ack_id = f"<letter-ack-{uuid.uuid4().hex}@claims.factory.example>"
    r = await client.post(
        f"/api/v1/claims/{claim['number']}/messages",
        json={
            "direction": "outbound",
            "channel": "email",
            "subject": f"[{claim['number']}] Ваша рекламация зарегистрирована",
            "body": "Ваша рекламация зарегистрирована.",
            "external_message_id": ack_id,
        },
        headers=auth(Role.specialist),
    )
    assert r.status_code == 201, r.text
    return claim, ack_id


async def test_reply_to_acknowledgement_threads_into_its_claim(mail, client, auth, new_claim):
    claim, ack_id = await _acknowledged_claim(new_claim, client, auth)
    sender = f"<{claim['contact']['email']}>"
    raw, mid = fixture(
        "10_outlook_reply_ru.eml",
        From=sender,
        To="claims@factory.example",  # no plus-address,
        Subject="RE: Ваша рекламация",  # no number: In-Reply-To alone must find the claim
        In_Reply_To=ack_id,
        References=ack_id,
    )
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "threaded" and r.json()["claim_number"] == claim["number"]
    read = (
        await client.get(f"/api/v1/claims/{claim['number']}", headers=auth(Role.specialist))
    ).json()
    # Messages are ordered by their own dates (the fixture's Date header is fixed): find it by id.
    [reply] = [m for m in read["messages"] if m["external_message_id"] == mid]
    assert reply["direction"] == "inbound"
    # quoted history stripped from the stored text
    assert (
        reply["body"] == "Добрый день,\n\nВысылаю фото шильдика. Котёл так и не работает.\n\nИван"
    )
    assert [a["filename"] for a in read["attachments"]] == ["шильдик.jpg"]
    # and a reply to that reply threads through the stored inbound message
    raw2, _ = fixture("04_koi8r_qp.eml", From=sender, In_Reply_To=f"<{mid}>")
    r2 = await deliver(mail, raw2)
    assert r2.json()["outcome"] == "threaded" and r2.json()["claim_number"] == claim["number"]


async def test_email_reply_resumes_a_claim_waiting_for_the_customer(mail, client, auth, new_claim):
    claim = await new_claim()
    flow = Flow(client, auth, claim)
    assert (await flow.act(Action.request_info, Role.specialist))[
        "state"
    ] == "awaiting_customer_info"
    r = await deliver_json(
        mail,
        {
            "from": claim["contact"]["email"].upper(),  # addresses match in any case
            "to": [f"claims+{flow.number}@factory.example"],
            "subject": "Re: information request",
            "text": "Photos attached, serial PMP-1.",
            "message_id": f"{uuid.uuid4().hex}@example.lv",
        },
    )
    assert r.status_code == 201 and r.json()["outcome"] == "threaded", r.text
    claim = await flow.read()
    assert claim["state"] == "new" and claim["version"] == flow.version + 1


@pytest.mark.parametrize("where", ["plus", "subject"])
async def test_claim_number_in_plus_address_or_subject_threads(
    mail, client, auth, new_claim, where
):
    claim = await new_claim()
    number = claim["number"]
    doc: dict[str, Any] = {
        "from": claim["contact"]["email"],
        "to": ["claims@factory.example"],
        "subject": "Photos",
        "text": "Here are the photos.",
        "message_id": f"{uuid.uuid4().hex}@example.com",
    }
    if where == "plus":
        doc["to"] = [f"claims+{number.lower()}@factory.example"]
    else:
        doc["subject"] = f"Re: «{number}» photos"
    r = await deliver_json(mail, doc)
    assert r.status_code == 201, r.text
    assert (r.json()["outcome"], r.json()["claim_number"]) == ("threaded", number)


async def test_unknown_claim_number_fails_instead_of_opening_a_claim(mail, db):
    r = await deliver_json(
        mail,
        {
            "from": "a.b@example.com",
            "subject": "Re: [CLM-2099-999999]",
            "text": "Any news?",
            "message_id": f"{uuid.uuid4().hex}@example.com",
        },
    )
    assert r.status_code == 201
    assert r.json()["status"] == "failed" and "CLM-2099-999999" in r.json()["error"]
    assert await claims_of(db, "a.b@example.com") == []


# ------------------------------------------------------------- message ids


@pytest.mark.parametrize(
    "value",
    [
        "<abc\r\nBcc: victim@example.com@host.example>",
        "abc@host.example\r\nX-Injected: yes",
        "abc@host.example\n",
        "two words@host.example",
        "<abc@host.example> <def@host.example>",
        "no-at-sign",
    ],
)
async def test_api_refuses_a_message_id_that_is_no_msg_id(client, auth, new_claim, value):
    """The reproduction: any contributor key, intake included, could store CR/LF in
    `external_message_id`, which was then copied into a reply's headers."""
    claim = await new_claim()
    r = await client.post(
        f"/api/v1/claims/{claim['number']}/messages",
        json={"channel": "email", "body": "Forwarded mail.", "external_message_id": value},
        headers=auth(Role.intake),
    )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body.external_message_id"]


async def test_inbound_message_id_with_a_line_break_is_dropped_and_logged(
    mail, client, auth, new_claim, caplog, email_app
):
    """The reproduction end to end: the id is not stored, so the reply to the customer's
    latest email cannot carry it in `in_reply_to` or `references`."""
    claim = await new_claim()
    hostile = "<abc\r\nBcc: victim@example.com@evil.example>"
    with caplog.at_level("WARNING", logger="app.email_intake"):
        r = await deliver_json(
            mail,
            {
                "from": claim["contact"]["email"],
                "to": [f"claims+{claim['number']}@factory.example"],
                "subject": "Photos",
                "text": "Photos attached.",
                "message_id": hostile,
                "in_reply_to": "<ok@claims.example.com>",
                "references": ["<ok@claims.example.com>", "<x\ny@evil.example>"],
            },
        )
    assert r.status_code == 201 and r.json()["outcome"] == "threaded", r.text
    assert r.json()["message_id"] is None
    [logged] = [rec for rec in caplog.records if rec.getMessage() == "email message ids dropped"]
    assert logged.dropped == [
        f"message-id: {hostile!r}",
        "references: 'x\\ny@evil.example'",
    ]
    read = (
        await client.get(f"/api/v1/claims/{claim['number']}", headers=auth(Role.specialist))
    ).json()
    assert read["messages"][-1]["external_message_id"] is None


# -------------------------------------------------------------- no duplicates


async def test_redelivery_returns_first_result_and_creates_nothing(mail, db):
    raw, mid = fixture("13_iso8859_family.eml")
    first = await deliver(mail, raw)
    again = await deliver(mail, raw)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    assert await inbound_count(db, mid) == 1
    assert await claims_of(db, "maria@example.bg") == [(first.json()["claim_number"], "email")]
    count = select(func.count()).select_from(Message).where(Message.external_message_id == mid)
    assert (await db.execute(count)).scalar_one() == 1
    await db.rollback()


async def test_to_and_cc_copies_make_one_claim(mail, db):
    sender = f"{uuid.uuid4().hex[:8]}@example.lv"
    mid = f"<{uuid.uuid4().hex}@example.lv>"
    doc = {
        "from": sender,
        "subject": "Sūknis",
        "text": "Sūknis nedarbojas.",
        "message_id": mid,
        "to": ["claims@factory.example"],
        "cc": ["quality@factory.example"],
    }
    copy = {**doc, "to": ["quality@factory.example"], "cc": ["claims@factory.example"]}
    results = [await deliver_json(mail, doc), await deliver_json(mail, copy)]
    assert [r.status_code for r in results] == [201, 200]
    assert len(await claims_of(db, sender)) == 1


async def test_simultaneous_redeliveries_make_one_claim(mail, db):
    raw, mid = fixture(
        "01_alternative_utf8_qp.eml", From=f"<race-{uuid.uuid4().hex[:8]}@example.ru>"
    )
    sender = re.search(rb"From: <([^>]+)>", raw).group(1).decode()
    results = await asyncio.gather(*(deliver(mail, raw) for _ in range(4)))
    assert sorted(r.status_code for r in results) == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in results}) == 1
    assert await inbound_count(db, mid) == 1
    assert len(await claims_of(db, sender)) == 1


# ------------------------------------------ one transaction, nothing lost


async def test_new_claim_from_email_is_one_transaction_of_nine_statements(
    mail, email_app, is_postgres
):
    sender = f"known-{uuid.uuid4().hex[:8]}@example.lv"
    first, _ = fixture("06_attachment_only.eml", From=f"<{sender}>")
    assert (await deliver(mail, first)).json()["outcome"] == "created"  # the customer exists now
    raw, _ = fixture("06_attachment_only.eml", From=f"<{sender}>")
    with statement_counter(email_app.state.engine) as counter:
        r = await deliver(mail, raw)
    assert r.status_code == 201 and r.json()["outcome"] == "created", r.text
    # SQLite inserts the rows of one table one by one where PostgreSQL batches them: count a
    # run of identical statements once.
    trips = [
        s for i, s in enumerate(counter.statements) if i == 0 or s != counter.statements[i - 1]
    ]
    # inbound insert (the de-duplication), customer lookup, the claim with its number, event and
    # outbox row (one statement on PostgreSQL, four on SQLite: intake_rows.py), events, message,
    # outbox, attachment, inbound update; one COMMIT
    assert counter.commits == 1
    assert len(trips) <= (9 if is_postgres else 12), "\n".join(s[:60] for s in trips)
    event_inserts = sum(s.lstrip().startswith("INSERT INTO claim_events") for s in trips)
    assert event_inserts == (1 if is_postgres else 2)
    assert trips[0].startswith("INSERT INTO inbound_emails")


async def test_redelivery_stops_at_the_first_insert(mail, email_app):
    raw, _ = fixture("04_koi8r_qp.eml")
    first = await deliver(mail, raw)
    with statement_counter(email_app.state.engine) as counter:
        again = await deliver(mail, raw)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {**first.json(), "duplicate": True}
    # the refused insert, the first delivery's row, its claim's number: no claim work
    assert counter.count <= 3, counter.statements
    assert not any("counters" in s or "INTO claims" in s for s in counter.statements)


async def test_crash_while_filing_keeps_the_raw_delivery_as_failed(
    mail, client, auth, db, monkeypatch
):
    """The claim and its message are rolled back; the delivery itself is never lost."""
    sender = f"crash-{uuid.uuid4().hex[:8]}@example.ru"
    raw, mid = fixture("06_attachment_only.eml", From=f"<{sender}>")

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("storage exploded")

    # after the claim, the message and their flush: the latest point inside the transaction
    monkeypatch.setattr(attachments, "add_attachment_row", crash)
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["claim_number"]) == ("failed", None)
    assert body["error"] == "internal error (RuntimeError); see the service log"
    row = (
        await db.execute(select(InboundEmail).where(InboundEmail.message_id == mid))
    ).scalar_one()
    assert (row.raw, row.status, row.claim_id, row.attempts) == (raw, "failed", None, 1)
    await db.rollback()
    assert await claims_of(db, sender) == []
    messages = select(func.count()).select_from(Message).where(Message.external_message_id == mid)
    assert (await db.execute(messages)).scalar_one() == 0
    await db.rollback()

    monkeypatch.undo()  # the cause is gone: a specialist's retry files it
    retried = await client.post(f"{URL}/{body['id']}/retry", headers=auth(Role.specialist))
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["outcome"]) == ("processed", "created")
    assert len(await claims_of(db, sender)) == 1


async def test_storage_failure_keeps_the_raw_delivery_as_failed(mail, db, monkeypatch):
    async def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(attachments, "store_bytes", full)
    sender = f"full-{uuid.uuid4().hex[:8]}@example.ru"
    raw, mid = fixture("06_attachment_only.eml", From=f"<{sender}>")
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "failed" and "OSError" in r.json()["error"]
    assert await inbound_count(db, mid) == 1
    assert await claims_of(db, sender) == []


async def test_database_refusing_a_row_is_a_failure_not_a_duplicate(mail, db, monkeypatch):
    async def orphan_message(
        session: Any, *, claim: Any, data: Any, actor: str, **_: Any
    ) -> Message:
        message = Message(
            claim_id=2**31 - 1,  # no such claim: the foreign key refuses it at the flush
            direction=MessageDirection.inbound,
            channel=data.channel,
            body=data.body,
            author=actor,
        )
        session.add(message)
        return message

    monkeypatch.setattr(email_filing, "file_message", orphan_message)
    sender = f"orphan-{uuid.uuid4().hex[:8]}@example.ru"
    raw, mid = fixture("04_koi8r_qp.eml", From=f"<{sender}>")
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "failed" and r.json()["duplicate"] is False
    assert "IntegrityError" in r.json()["error"]
    assert await inbound_count(db, mid) == 1
    assert await claims_of(db, sender) == []


async def test_redelivery_of_a_failed_message_answers_with_its_failure(mail):
    doc = {
        "from": "a.b@example.com",
        "subject": "Re: [CLM-2099-999998]",
        "text": "Any news?",
        "message_id": f"{uuid.uuid4().hex}@example.com",
    }
    first, again = await deliver_json(mail, doc), await deliver_json(mail, doc)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["status"] == "failed"
    assert again.json() == {**first.json(), "duplicate": True}


async def test_message_without_headers_is_stored_as_failed(mail, db):
    raw = f"\r\nno headers at all {uuid.uuid4().hex}\r\n".encode()
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "failed" and body["message_id"] is None
    assert body["error"] == "cannot be parsed: no headers: not an RFC 5322 message"
    again = await deliver(mail, raw)  # de-duplicated by the body's hash
    assert again.status_code == 200 and again.json()["id"] == body["id"]


async def test_simultaneous_copies_all_answer_with_the_finished_result(mail, db):
    """A copy that arrives while the first is being filed waits for it: it never sees a
    half-done delivery, and nothing is filed twice."""
    sender = f"race-{uuid.uuid4().hex[:8]}@example.lv"
    raw, mid = fixture("06_attachment_only.eml", From=f"<{sender}>")
    results = await asyncio.gather(*(deliver(mail, raw) for _ in range(6)))
    assert sorted(r.status_code for r in results) == [200] * 5 + [201]
    assert {(r.json()["id"], r.json()["status"], r.json()["claim_number"]) for r in results} == {
        (results[0].json()["id"], "processed", results[0].json()["claim_number"])
    }
    assert len(await claims_of(db, sender)) == 1
    count = select(func.count()).select_from(Message).where(Message.external_message_id == mid)
    assert (await db.execute(count)).scalar_one() == 1
    await db.rollback()


# ------------------------------------------------------------- auto-replies


@pytest.mark.parametrize("name", ["08_autoreply.eml", "09_bounce.eml"])
async def test_auto_replies_and_bounces_are_stored_but_ignored(mail, db, name):
    raw, mid = fixture(name)
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "ignored" and body["claim_number"] is None
    assert "automatic" in body["error"]
    row = (
        await db.execute(select(InboundEmail).where(InboundEmail.message_id == mid))
    ).scalar_one()
    assert row.raw == raw  # kept byte for byte
    assert row.claim_id is None
    await db.rollback()


# ----------------------------------------------------------- authentication


async def test_tampered_signature_is_401_and_nothing_is_stored(mail, db, auth):
    raw, mid = fixture("03_cp1251_base64.eml")
    headers = signed(raw)
    tampered = raw.replace(b"Subject:", b"Subject: x", 1)
    r = await mail.post(
        URL, content=tampered, headers={**headers, "X-API-Key": auth(Role.intake)["X-API-Key"]}
    )
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["reason"] == "mismatch"
    assert await inbound_count(db, mid) == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"X-Claims-Timestamp": str(int(time.time()) - 301)}, "expired"),
        ({"X-Claims-Signature": "sha256=abc"}, "malformed"),
        ({"X-Claims-Timestamp": "soon"}, "malformed"),
    ],
)
async def test_bad_signatures(mail, change, reason):
    raw, _ = fixture("04_koi8r_qp.eml")
    r = await mail.post(URL, content=raw, headers={**signed(raw), **change})
    assert r.status_code == 401 and r.json()["reason"] == reason


async def test_stale_but_correctly_signed_delivery_is_refused(mail):
    raw, _ = fixture("04_koi8r_qp.eml")
    r = await mail.post(URL, content=raw, headers=signed(raw, ts=int(time.time()) - 600))
    assert r.status_code == 401 and r.json()["reason"] == "expired"


async def test_signature_accepts_sha256_prefix(mail):
    raw, _ = fixture("04_koi8r_qp.eml")
    headers = signed(raw)
    headers["X-Claims-Signature"] = "sha256=" + headers["X-Claims-Signature"].upper()
    assert (await mail.post(URL, content=raw, headers=headers)).status_code == 201


async def test_api_key_needs_intake_role(mail, auth):
    raw, _ = fixture("04_koi8r_qp.eml")
    ctype = {"Content-Type": "message/rfc822"}
    assert (await mail.post(URL, content=raw, headers=ctype)).status_code == 401
    r = await mail.post(URL, content=raw, headers={**ctype, "X-API-Key": "clm_nope"})
    assert r.status_code == 401
    r = await mail.post(URL, content=raw, headers={**auth(Role.specialist), **ctype})
    assert r.status_code == 403
    r = await mail.post(URL, content=raw, headers={**auth(Role.intake), **ctype})
    assert r.status_code == 201, r.text


async def test_signed_delivery_is_refused_when_no_secret_is_configured(client):
    raw, _ = fixture("04_koi8r_qp.eml")
    r = await client.post(URL, content=raw, headers=signed(raw))  # the default app: no secret
    assert r.status_code == 401 and r.json()["reason"] == "missing"


# ------------------------------------------------------------------ Mailgun


def mailgun_fields(**extra: str) -> dict[str, str]:
    ts, token = str(int(time.time())), uuid.uuid4().hex * 2
    return {"timestamp": ts, "token": token, "signature": sign_mailgun(MG_KEY, ts, token), **extra}


async def test_mailgun_form_with_attachment(mail, client, auth, new_claim):
    claim = await new_claim()
    fields = mailgun_fields(
        **{
            "sender": claim["contact"]["email"],
            "from": f"Jānis <{claim['contact']['email']}>",
            "recipient": f"claims+{claim['number']}@factory.example",
            "subject": "Re: photos",
            "body-plain": "Foto pielikumā.\n\n> old",
            "Message-Id": f"<{uuid.uuid4().hex}@example.lv>",
        }
    )
    files = {"attachment-1": ("foto.png", b"\x89PNG\r\n\x1a\nrest", "image/png")}
    r = await mail.post(URL, data=fields, files=files)
    assert r.status_code == 201, r.text
    assert (r.json()["outcome"], r.json()["claim_number"]) == ("threaded", claim["number"])
    read = (
        await client.get(f"/api/v1/claims/{claim['number']}", headers=auth(Role.specialist))
    ).json()
    assert read["messages"][-1]["body"] == "Foto pielikumā."
    assert [a["filename"] for a in read["attachments"]] == ["foto.png"]
    # Mailgun retries with a fresh timestamp/token/signature: still the same message
    again = await mail.post(URL, data={**fields, **mailgun_fields()}, files=files)
    assert again.status_code == 200 and again.json()["duplicate"] is True


async def test_mailgun_urlencoded_and_bad_signature(mail, db):
    sender = f"{uuid.uuid4().hex[:8]}@example.com"
    fields = mailgun_fields(
        sender=sender, subject="Pump broken", **{"body-plain": "It leaks badly."}
    )
    bad = {**fields, "signature": "0" * 64}
    assert (await mail.post(URL, data=bad)).status_code == 401
    assert await claims_of(db, sender) == []
    r = await mail.post(URL, data=fields)
    assert r.status_code == 201 and r.json()["outcome"] == "created", r.text


async def test_a_mailgun_signature_carries_one_delivery_only(mail, db):
    """Issue 17: one (timestamp, token, signature) registered three claims with other content
    during the signature window. The token is taken once, on every replica (the database)."""
    first_sender, second_sender = (f"{uuid.uuid4().hex[:8]}@example.com" for _ in range(2))
    fields = mailgun_fields(
        sender=first_sender, subject="Pump broken", **{"body-plain": "It leaks badly."}
    )
    first = await mail.post(URL, data=fields)
    assert first.status_code == 201 and first.json()["outcome"] == "created", first.text
    other = {**fields, "sender": second_sender, "subject": "Boiler", "body-plain": "No heat."}
    for replay in (other, fields):
        r = await mail.post(URL, data=replay)
        assert r.status_code == 401, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["reason"] == "replayed"
    assert await claims_of(db, second_sender) == []
    assert len(await claims_of(db, first_sender)) == 1


async def test_mailgun_tokens_are_forgotten_after_the_window(mail, db):
    old = MailgunToken(token="0" * 64, seen_at=utcnow() - timedelta(seconds=601))
    recent = MailgunToken(token="1" * 64, seen_at=utcnow() - timedelta(seconds=599))
    db.add_all([old, recent])
    await db.commit()
    fields = mailgun_fields(sender="window@example.com", **{"body-plain": "Still broken."})
    assert (await mail.post(URL, data=fields)).status_code == 201
    kept = (await db.execute(select(MailgunToken.token))).scalars().all()
    await db.rollback()
    assert "1" * 64 in kept and "0" * 64 not in kept  # twice the 300 s window


async def test_form_without_mailgun_fields_is_422(mail):
    r = await mail.post(URL, data=mailgun_fields(hello="world"))
    assert r.status_code == 422


# --------------------------------------------------------- limits and shapes


async def test_oversized_message_is_413_and_logged(mail, caplog, db):
    raw, mid = fixture("03_cp1251_base64.eml")
    big = raw + b"A" * LIMIT
    with caplog.at_level("WARNING", logger="app.email_intake"):
        r = await mail.post(URL, content=big, headers=signed(big))
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any("too large" in rec.getMessage() for rec in caplog.records)
    assert await inbound_count(db, mid) == 0


async def test_oversized_chunked_message_is_413(mail):
    async def chunks():
        for _ in range(LIMIT // 10_000 + 2):
            yield b"X" * 10_000

    r = await mail.post(URL, content=chunks(), headers={"Content-Type": "message/rfc822"})
    assert r.status_code == 413


@pytest.mark.parametrize(
    ("ctype", "body", "status"),
    [
        ("text/csv", b"a,b", 415),
        ("application/json", b"{not json", 422),
        ("application/json", b"[1, 2]", 422),
        ("message/rfc822", b"   ", 422),
        ("multipart/form-data", b"garbage without a boundary", 422),
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nbroken", 422),
        ("application/x-www-form-urlencoded", b"%ff%fe=%00&&=", 422),
    ],
)
async def test_unusable_bodies(mail, ctype, body, status):
    r = await mail.post(URL, content=body, headers=signed(body, ctype))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


# --------------------------------------------------------- the failed queue


async def test_failed_list_retry_and_assign(mail, client, auth, new_claim, db):
    raw, mid = fixture("07_malformed.eml")
    r = await deliver(mail, raw)
    assert r.status_code == 201, r.text
    failed = r.json()
    assert failed["status"] == "failed" and "sender" in failed["error"]

    listing = await client.get(f"{URL}/failed", headers=auth(Role.specialist))
    assert listing.status_code == 200
    assert failed["id"] in [i["id"] for i in listing.json()["items"]]
    assert (await client.get(f"{URL}/failed", headers=auth(Role.intake))).status_code == 403
    assert (await client.get(f"{URL}/failed", headers=auth(Role.head))).status_code == 200

    retried = await client.post(f"{URL}/{failed['id']}/retry", headers=auth(Role.specialist))
    assert retried.status_code == 200
    assert retried.json()["status"] == "failed" and retried.json()["attempts"] == 2

    claim = await new_claim()
    missing = await client.post(
        f"{URL}/{failed['id']}/assign",
        json={"claim_number": "CLM-2099-999999"},
        headers=auth(Role.specialist),
    )
    assert missing.status_code == 404
    assigned = await client.post(
        f"{URL}/{failed['id']}/assign",
        json={"claim_number": claim["number"]},
        headers=auth(Role.admin),
    )
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["status"], assigned.json()["outcome"]) == ("processed", "assigned")
    assert assigned.json()["claim_number"] == claim["number"]
    read = (
        await client.get(f"/api/v1/claims/{claim['number']}", headers=auth(Role.specialist))
    ).json()
    assert "Текст в неизвестной кодировке." in read["messages"][-1]["body"]

    listing = await client.get(f"{URL}/failed", headers=auth(Role.specialist))
    assert failed["id"] not in [i["id"] for i in listing.json()["items"]]
    again = await client.post(
        f"{URL}/{failed['id']}/assign",
        json={"claim_number": claim["number"]},
        headers=auth(Role.specialist),
    )
    assert again.status_code == 409
    assert (
        await client.post(f"{URL}/{failed['id']}/retry", headers=auth(Role.specialist))
    ).status_code == 409
    assert (
        await client.post(f"{URL}/999999999/retry", headers=auth(Role.specialist))
    ).status_code == 404
    one = await client.get(f"{URL}/{failed['id']}", headers=auth(Role.specialist))
    assert one.status_code == 200 and one.json()["message_id"] == mid


async def test_unparseable_message_is_assigned_with_the_original_attached(
    mail, client, auth, new_claim
):
    body = json.dumps(
        {"subject": "no sender at all", "message_id": f"{uuid.uuid4().hex}@x.example"}
    ).encode()
    r = await mail.post(URL, content=body, headers=signed(body, "application/json"))
    assert r.status_code == 201 and r.json()["status"] == "failed"
    assert "cannot be parsed" in r.json()["error"]
    claim = await new_claim()
    assigned = await client.post(
        f"{URL}/{r.json()['id']}/assign",
        json={"claim_number": claim["number"]},
        headers=auth(Role.specialist),
    )
    assert assigned.status_code == 200, assigned.text
    read = (
        await client.get(f"/api/v1/claims/{claim['number']}", headers=auth(Role.specialist))
    ).json()
    assert "no sender at all" in read["messages"][-1]["body"]


async def test_ignored_auto_reply_can_be_assigned(mail, client, auth, new_claim):
    raw, _ = fixture("08_autoreply.eml")
    ignored = (await deliver(mail, raw)).json()
    assert ignored["status"] == "ignored"
    assert (
        await client.post(f"{URL}/{ignored['id']}/retry", headers=auth(Role.specialist))
    ).status_code == 409
    claim = await new_claim()
    assigned = await client.post(
        f"{URL}/{ignored['id']}/assign",
        json={"claim_number": claim["number"]},
        headers=auth(Role.specialist),
    )
    assert assigned.status_code == 200 and assigned.json()["outcome"] == "assigned"


async def test_abandoned_delivery_is_listed_and_retried(mail, client, auth, db):
    """A crash between storing and processing leaves a `received` row: nothing is lost."""
    raw, mid = fixture(
        "03_cp1251_base64.eml", From="=?utf-8?B?0J7Qu9GM0LPQsA==?= <olga.crash@teploset.example>"
    )
    row = InboundEmail(
        source="rfc822",
        content_type="message/rfc822",
        raw=raw,
        headers={},
        size=len(raw),
        received_by="email-gateway",
        dedup_key=f"mid:{mid}",
        message_id=mid,
        received_at=utcnow().replace(year=2025),
    )
    db.add(row)
    await db.commit()
    fresh_raw, _ = fixture("04_koi8r_qp.eml")
    listing = (await client.get(f"{URL}/failed?limit=200", headers=auth(Role.specialist))).json()
    assert row.id in [i["id"] for i in listing["items"]]
    retried = await client.post(f"{URL}/{row.id}/retry", headers=auth(Role.specialist))
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["outcome"]) == ("processed", "created")
    assert [c[1] for c in await claims_of(db, "olga.crash@teploset.example")] == ["email"]


async def test_failed_list_pages(mail, client, auth):
    for _ in range(3):
        body = json.dumps(
            {"from": "nobody", "message_id": f"{uuid.uuid4().hex}@x.example"}
        ).encode()
        assert (
            await mail.post(URL, content=body, headers=signed(body, "application/json"))
        ).status_code == 201
    first = (await client.get(f"{URL}/failed?limit=2", headers=auth(Role.specialist))).json()
    assert len(first["items"]) == 2 and first["next_before"] == first["items"][-1]["id"]
    second = (
        await client.get(
            f"{URL}/failed?limit=2&before={first['next_before']}", headers=auth(Role.specialist)
        )
    ).json()
    assert all(i["id"] < first["next_before"] for i in second["items"])
    assert (
        await client.get(f"{URL}/failed?limit=0", headers=auth(Role.specialist))
    ).status_code == 422
