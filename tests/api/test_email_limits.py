"""Email never blocks the event loop: parsing runs in a worker process within limits, and a
message over a limit is stored raw as failed, with the reason (issue 17, point 1)."""

import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.enums import Role
from app.mail.signing import sign_body
from app.main import create_app
from app.models.email_intake import InboundEmail, InboundSource, InboundStatus
from tests.support.looplag import loop_lag, probe_latency

SECRET = "test-email-limits-secret-0123456789"
URL = "/api/v1/intake/email"


async def _app(settings: Any, **update: Any) -> Any:
    configured = settings.model_copy(
        update={"email_hmac_secret": SecretStr(SECRET), "default_language": "en", **update}
    )
    return create_app(configured)


async def warm(client: httpx.AsyncClient) -> None:
    """An app's first request builds its routes (FastAPI, a third of a second) and the first
    email starts the parsing workers: neither is what a test of the loop's lag measures."""
    assert (await client.get("/healthz")).status_code == 200
    raw, _ = many_parts(1)
    await client.post(URL, content=raw, headers=signed(raw))


@pytest.fixture(scope="module")
async def roomy(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The default limits, signed deliveries."""
    application = await _app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            await warm(c)
            yield c


@pytest.fixture(scope="module")
async def tight(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Small limits, so that small messages pass them."""
    application = await _app(
        settings, email_max_parts=5, email_max_depth=3, email_max_headers=20,
        email_max_line_bytes=1000,
    )  # fmt: skip
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def signed(body: bytes, ctype: str = "message/rfc822") -> dict[str, str]:
    ts = int(time.time())
    return {
        "Content-Type": ctype,
        "X-Claims-Timestamp": str(ts),
        "X-Claims-Signature": sign_body(SECRET, ts, body),
    }


async def deliver(client: httpx.AsyncClient, raw: bytes, ctype: str = "message/rfc822") -> Any:
    r = await client.post(URL, content=raw, headers=signed(raw, ctype))
    assert r.status_code == 201, r.text
    return r.json()


def head(mid: str, ctype: str = "multipart/mixed; boundary=b", extra: bytes = b"") -> bytes:
    sender = f"limits-{uuid.uuid4().hex[:8]}@customer.example"
    return (
        (
            f"From: {sender}\r\nTo: claims@factory.example\r\nSubject: Pump\r\n"
            f"Message-ID: <{mid}>\r\nMIME-Version: 1.0\r\nContent-Type: {ctype}\r\n"
        ).encode()
        + extra
        + b"\r\n"
    )


def many_parts(count: int, part_headers: bytes = b"") -> tuple[bytes, str]:
    mid = f"{uuid.uuid4().hex}@customer.example"
    part = b"--b\r\n" + part_headers + b"\r\nx\r\n"
    return head(mid) + part * count + b"--b--\r\n", mid


def nested(depth: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\nThe pump is broken.\r\n"
    for level in range(depth):
        b = f"n{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary=" + b + b"\r\n\r\n--" + b + b"\r\n"
            + body + b"--" + b + b"--\r\n"
        )  # fmt: skip
    return head(f"{uuid.uuid4().hex}@customer.example", extra=b"").replace(
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n", body
    )


async def stored_raw(app_client: httpx.AsyncClient, inbound_id: int) -> bytes:
    app = app_client._transport.app  # type: ignore[attr-defined]
    async with app.state.session_factory() as s:
        return (
            await s.execute(select(InboundEmail.raw).where(InboundEmail.id == inbound_id))
        ).scalar_one()


async def test_300k_parts_are_stored_as_failed_while_healthz_stays_quick(roomy):
    """The reproduction: 300,000 tiny parts (3.3 MB) froze every endpoint for ~27 s."""
    raw, mid = many_parts(300_000)
    async with probe_latency(roomy, "/healthz") as health, loop_lag() as lag:
        body = await deliver(roomy, raw)
    assert body["status"] == "failed" and body["message_id"] == mid
    assert body["error"] == (
        "over a limit: more than 1000 MIME parts (CLAIMS_EMAIL_MAX_PARTS); stored as received"
    )
    assert await stored_raw(roomy, body["id"]) == raw  # nothing lost
    assert len(health.samples) > 20
    assert health.p99 < 0.05, f"/healthz: {health}"
    assert lag.p99 < 0.1, f"event loop: {lag}"


async def test_a_heavy_message_within_the_limits_is_parsed_off_the_loop(settings):
    """2,500 parts with a header each take the email package about half a second: in the
    worker, not on the loop."""
    application = await _app(settings, email_max_parts=10_000)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            raw, _ = many_parts(2_500, b"Content-Type: text/plain; charset=utf-8\r\n")
            await warm(c)
            async with loop_lag() as lag:
                body = await deliver(c, raw)
    assert (body["status"], body["outcome"]) == ("processed", "created"), body
    assert lag.p99 < 0.1, f"event loop: {lag}"


@pytest.mark.parametrize(
    ("what", "raw", "reason"),
    [
        ("parts", many_parts(6)[0], "more than 5 MIME parts (CLAIMS_EMAIL_MAX_PARTS)"),
        ("depth", nested(5), "nested more than 3 levels deep (CLAIMS_EMAIL_MAX_DEPTH)"),
        (
            "headers",
            head("h@c.example", "text/plain", b"X-Note: x\r\n" * 20) + b"Body\r\n",
            "more than 20 header fields in one section (CLAIMS_EMAIL_MAX_HEADERS)",
        ),
        (
            "line",
            head("l@c.example", "text/plain") + b"y" * 1500 + b"\r\n",
            "a line of 1500 bytes, over 1000 (CLAIMS_EMAIL_MAX_LINE_BYTES)",
        ),
        (
            "folded header",
            head("f@c.example", "text/plain", b"X-Long: a\r\n" + b" word\r\n" * 200) + b"B\r\n",
            "a header of 1005 bytes, over 1000 (CLAIMS_EMAIL_MAX_LINE_BYTES)",
        ),
    ],
)
async def test_each_limit_stores_the_message_as_failed_with_the_reason(tight, what, raw, reason):
    raw = raw.replace(b"Message-ID: <", f"Message-ID: <{uuid.uuid4().hex}".encode(), 1)
    body = await deliver(tight, raw)
    assert body["status"] == "failed", body
    assert body["error"] == f"over a limit: {reason}; stored as received"
    assert await stored_raw(tight, body["id"]) == raw
    # The failed queue still says who wrote and about what (read from the headers alone).
    assert body["from_address"].startswith("limits-") and body["subject"] == "Pump"


async def test_the_failed_queue_reads_sender_and_subject_of_older_rows(tight, auth):
    """Rows stored failed before the intake kept sender and subject: the queue shows them
    from the stored raw delivery, in each of the three forms."""
    tag = uuid.uuid4().hex[:8]
    mime = (
        head(f"{tag}@customer.example", "text/plain").replace(
            b"Subject: Pump", b"Subject: =?utf-8?q?S=C5=ABknis?="
        )
        + b"x\r\n"
    )
    rows = {
        InboundSource.rfc822: mime,
        InboundSource.json: json.dumps(
            {"from": f"Anna <anna-{tag}@customer.example>", "subject": "  Leaking   valve "}
        ).encode(),
        InboundSource.mailgun: json.dumps(
            {"fields": {"sender": f"mg-{tag}@customer.example", "subject": "Noisy fan"}}
        ).encode(),
    }
    app = tight._transport.app  # type: ignore[attr-defined]
    ids = {}
    async with app.state.session_factory() as s:
        for source, raw in rows.items():
            row = InboundEmail(
                source=source, content_type="x", raw=raw, headers={}, size=len(raw),
                received_by="test", dedup_key=f"legacy-{tag}-{source}",
                status=InboundStatus.failed, error="cannot be parsed: legacy",
            )  # fmt: skip
            s.add(row)
            await s.flush()
            ids[source] = row.id
        await s.commit()
    shown = {}
    for source, inbound_id in ids.items():
        r = await tight.get(f"{URL}/{inbound_id}", headers=auth(Role.specialist))
        assert r.status_code == 200, r.text
        shown[source] = (r.json()["from_address"], r.json()["subject"])
    sender, subject = shown[InboundSource.rfc822]
    assert sender.startswith("limits-") and sender.endswith("@customer.example")
    assert subject == "Sūknis"  # the encoded word decoded
    assert shown[InboundSource.json] == (f"anna-{tag}@customer.example", "Leaking valve")
    assert shown[InboundSource.mailgun] == (f"mg-{tag}@customer.example", "Noisy fan")
    listing = (await tight.get(f"{URL}/failed?limit=200", headers=auth(Role.specialist))).json()
    listed = {i["id"]: i["subject"] for i in listing["items"]}
    assert listed[ids[InboundSource.json]] == "Leaking valve"
    # Bytes that are no message at all: shown as unknown, never a 500.
    async with app.state.session_factory() as s:
        junk = InboundEmail(
            source=InboundSource.json, content_type="x", raw=b"\xff{", headers={}, size=2,
            received_by="test", dedup_key=f"legacy-{tag}-junk", status=InboundStatus.failed,
        )  # fmt: skip
        s.add(junk)
        await s.commit()
        junk_id = junk.id
    r = await tight.get(f"{URL}/{junk_id}", headers=auth(Role.specialist))
    assert r.status_code == 200 and (r.json()["from_address"], r.json()["subject"]) == (None, None)


async def test_gateway_json_attachments_count_as_parts(tight):
    doc = {
        "from": "json-limits@customer.example",
        "subject": "Photos",
        "text": "Photos attached.",
        "message_id": f"<{uuid.uuid4().hex}@customer.example>",
        "attachments": [
            {"filename": f"{i}.txt", "content_type": "text/plain",
             "content_base64": base64.b64encode(b"x").decode()}
            for i in range(5)
        ],
    }  # fmt: skip
    body = await deliver(tight, json.dumps(doc).encode(), "application/json")
    assert body["status"] == "failed" and "CLAIMS_EMAIL_MAX_PARTS" in body["error"]


async def test_over_the_limit_retried_after_raising_it_or_assigned_with_the_original(
    tight, client, auth, new_claim
):
    raw, _ = many_parts(6)
    failed = await deliver(tight, raw)
    retry = f"{URL}/{failed['id']}/retry"
    again = await tight.post(retry, headers=auth(Role.specialist))
    assert again.json()["status"] == "failed" and "MAX_PARTS" in again.json()["error"]
    # The default app has the default limits: the same stored message now goes through.
    done = await client.post(retry, headers=auth(Role.specialist))
    assert (done.json()["status"], done.json()["outcome"]) == ("processed", "created"), done.text

    other = await deliver(tight, many_parts(6)[0])
    claim = await new_claim()
    assigned = await tight.post(
        f"{URL}/{other['id']}/assign",
        json={"claim_number": claim["number"]},
        headers=auth(Role.specialist),
    )
    assert assigned.status_code == 200, assigned.text
    read = (
        await client.get(f"/api/v1/claims/{claim['number']}", headers=auth(Role.specialist))
    ).json()
    assert "MAX_PARTS" in read["messages"][-1]["body"]
    assert [a["content_type"] for a in read["attachments"]] == ["message/rfc822"]


async def test_json_that_is_no_object_is_still_refused_with_422(roomy):
    for body in (b"{not json", b"[1, 2]"):
        r = await roomy.post(URL, content=body, headers=signed(body, "application/json"))
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
