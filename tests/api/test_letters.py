"""Letters through the HTTP API: drafting, sign-off, issue with frozen PDF, sending."""

import asyncio
import hashlib
import io
import re
import shutil
import uuid
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from app.enums import Role
from app.letters.render import TEMPLATES_DIR
from app.letters.service import create_draft
from app.main import create_app
from app.models.claims import Claim, Message
from app.models.customers import Customer
from app.models.system import OutboxEvent

LETTERS = "/api/v1/letters"
NUMBER = re.compile(r"^L-\d{4}-\d{6}$")


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


@pytest.fixture
def latvian_claim(new_claim: Any) -> Any:
    async def create(**customer: Any) -> dict[str, Any]:
        tag = uuid.uuid4().hex[:10]
        person = {
            "name": "Jānis Ozoliņš",
            "organisation": f"SIA «Ziemeļu Vējš» {tag}",
            "email": f"janis.{tag}@ziemelu-vejs.example.lv",
            "language": "lv",
            **customer,
        }
        return await new_claim(customer=person)

    return create


@pytest.fixture
def letter_api(client: httpx.AsyncClient, auth: Any) -> Any:
    class Api:
        async def draft(self, number: str, kind: str, role: Any = Role.specialist, **body: Any):
            return await client.post(
                f"/api/v1/claims/{number}/letters", json={"kind": kind, **body}, headers=auth(role)
            )

        async def act(self, letter_id: int, action: str, role: Any, **kwargs: Any):
            return await client.post(
                f"{LETTERS}/{letter_id}/{action}", headers=auth(role), **kwargs
            )

        async def get(self, path: str, role: Any = Role.auditor):
            return await client.get(path, headers=auth(role))

        async def issued(self, number: str, kind: str = "acknowledgement", **body: Any) -> dict:
            """A letter driven through draft, submit, approve and issue."""
            created = await self.draft(number, kind, **body)
            assert created.status_code == 201, created.text
            letter_id = created.json()["id"]
            for action, role in (
                ("submit", Role.specialist),
                ("approve", Role.head),
                ("issue", Role.specialist),
            ):
                response = await self.act(letter_id, action, role)
                assert response.status_code == 200, (action, response.text)
            return response.json()

    return Api()


async def set_key_customer(app: Any, claim_number: str) -> None:
    async with app.state.session_factory() as s:
        customer_id = (
            await s.execute(select(Claim.customer_id).where(Claim.number == claim_number))
        ).scalar_one()
        await s.execute(
            update(Customer).where(Customer.id == customer_id).values(is_key_customer=True)
        )
        await s.commit()


async def test_acknowledgement_lifecycle_freezes_pdf_and_stops_the_clock(
    client, auth, latvian_claim, letter_api, db
) -> None:
    claim = await latvian_claim()
    number = claim["number"]

    created = await letter_api.draft(number, "acknowledgement")
    assert created.status_code == 201, created.text
    letter = created.json()
    assert letter["state"] == "draft" and letter["language"] == "lv"
    assert letter["number"] is None and letter["allowed_actions"] == ["edit", "submit"]
    assert created.headers["Location"] == f"{LETTERS}/{letter['id']}"
    assert created.headers["ETag"] == '"1"'
    letter_id = letter["id"]

    preview = await letter_api.get(f"{LETTERS}/{letter_id}/preview.html")
    assert preview.status_code == 200
    assert preview.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in preview.headers["content-security-policy"]
    assert number in preview.text and "PROJEKTS" in preview.text
    preview_pdf = await letter_api.get(f"{LETTERS}/{letter_id}/preview.pdf")
    assert preview_pdf.status_code == 200 and preview_pdf.content.startswith(b"%PDF-")
    assert "PROJEKTS" in pdf_text(preview_pdf.content)

    not_yet = await letter_api.get(f"{LETTERS}/{letter_id}/pdf")
    assert not_yet.status_code == 409
    assert not_yet.headers["content-type"].startswith("application/problem+json")

    for action, role, state in (
        ("submit", Role.specialist, "pending_approval"),
        ("approve", Role.head, "approved"),
    ):
        response = await letter_api.act(letter_id, action, role)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state
    assert response.json()["approved_by"] == "test-head"

    issued = await letter_api.act(letter_id, "issue", Role.specialist)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["state"] == "issued" and NUMBER.match(body["number"])
    assert body["subject"] == f"Par reklamācijas Nr. {number} reģistrēšanu"
    assert body["signatory_title"] == "Kvalitātes kontroles nodaļas vadītājs"
    assert body["links"]["pdf"] == f"{LETTERS}/{letter_id}/pdf"

    pdf = await letter_api.get(f"{LETTERS}/{letter_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == body["sha256"]
    text = pdf_text(pdf.content)
    for expected in (
        number,
        body["number"],
        "SIA«ZiemeļuVējš»",
        "J.Ozoliņam",
        "GodātaisOzoliņakungs!",
    ):
        assert expected in text
    html = await letter_api.get(f"{LETTERS}/{letter_id}/html")
    assert hashlib.sha256(html.content).hexdigest() == body["html_sha256"]
    assert body["number"] in html.text and "PROJEKTS" not in html.text

    claim_now = (await client.get(f"/api/v1/claims/{number}", headers=auth(Role.auditor))).json()
    assert claim_now["deadlines"]["acknowledged_at"] is not None
    assert claim_now["deadlines"]["acknowledged_in_time"] is True
    assert claim_now["version"] == claim["version"] + 1
    actions = [e["action"] for e in claim_now["timeline"]]
    assert {"letter_drafted", "letter_submit", "letter_approve", "letter_issued"} <= set(actions)


async def test_send_by_email_writes_outbox_and_threads_a_message(
    client, auth, latvian_claim, letter_api, db, settings
) -> None:
    claim = await latvian_claim()
    number = claim["number"]
    letter = await letter_api.issued(number, "closure")

    sent = await letter_api.act(letter["id"], "send", Role.specialist)
    assert sent.status_code == 200, sent.text
    body = sent.json()
    # Issue 18: not `sent` until the gateway takes it (tests/integration/test_letter_sending.py).
    assert body["state"] == "sending" and body["send_channel"] == "email"
    assert body["sent_at"] is None and body["gateway_message_id"] is None
    assert body["sent_to"] == claim["contact"]["email"]

    claim_id = (await db(select(Claim.id).where(Claim.number == number)))[0][0]
    rows = await db(
        select(OutboxEvent).where(
            OutboxEvent.claim_id == claim_id, OutboxEvent.type == "letter.sent"
        )
    )
    assert len(rows) == 1
    email = rows[0][0].payload["email"]
    assert f"[{number}]" in email["subject"] and letter["number"] in email["subject"]
    assert email["reply_to"] == f"claims+{number}@{settings.letter_reply_domain}"
    assert email["to"] == [claim["contact"]["email"]]
    assert email["attachments"][0]["sha256"] == letter["sha256"]
    assert letter["number"] in email["text"] and "Godātais Ozoliņa kungs!" in email["text"]

    messages = await db(select(Message).where(Message.claim_id == claim_id))
    outbound = [m[0] for m in messages if m[0].direction == "outbound"]
    assert len(outbound) == 1
    # Stored without angle brackets, sent with them (app/msgids.py).
    assert f"<{outbound[0].external_message_id}>" == email["message_id"]
    assert outbound[0].subject == email["subject"] and outbound[0].channel == "email"

    again = await letter_api.act(letter["id"], "send", Role.specialist)
    assert again.status_code == 409


@pytest.mark.parametrize("given", ["<abc@customer.example>", "abc@customer.example"])
async def test_email_reply_threads_to_the_customers_last_email(
    client, auth, latvian_claim, letter_api, db, given
) -> None:
    """The id is stored without angle brackets and the reply's In-Reply-To carries them
    (issue 17: it went out bare)."""
    claim = await latvian_claim()
    number = claim["number"]
    inbound = await client.post(
        f"/api/v1/claims/{number}/messages",
        json={
            "direction": "inbound",
            "channel": "email",
            "body": "Any news?",
            "external_message_id": given,
        },
        headers=auth(Role.intake),
    )
    assert inbound.status_code == 201, inbound.text
    assert inbound.json()["external_message_id"] == "abc@customer.example"
    letter = await letter_api.issued(number, "acknowledgement")
    assert (await letter_api.act(letter["id"], "send", Role.head)).status_code == 200
    claim_id = (await db(select(Claim.id).where(Claim.number == number)))[0][0]
    row = (
        await db(
            select(OutboxEvent).where(
                OutboxEvent.claim_id == claim_id, OutboxEvent.type == "letter.sent"
            )
        )
    )[0][0]
    assert row.payload["email"]["in_reply_to"] == "<abc@customer.example>"
    assert row.payload["email"]["references"] == ["<abc@customer.example>"]


@pytest.mark.parametrize(
    "stored", ["abc\r\nBcc: victim@example.com", "<x@y>\r\nX-Injected: 1", "two words@host"]
)
async def test_a_stored_message_id_that_is_no_msg_id_never_reaches_the_reply(
    client, auth, latvian_claim, letter_api, db, app, stored
) -> None:
    """Issue 17: CR/LF in an inbound Message-ID was handed on in the letter's `in_reply_to`
    and `references`. Such an id is refused or dropped now; one stored earlier is not sent."""
    claim = await latvian_claim()
    number = claim["number"]
    claim_id = (await db(select(Claim.id).where(Claim.number == number)))[0][0]
    async with app.state.session_factory() as s:
        s.add(
            Message(
                claim_id=claim_id,
                direction="inbound",
                channel="email",
                body="Any news?",
                author="customer",
                external_message_id=stored,
            )
        )
        await s.commit()
    letter = await letter_api.issued(number, "acknowledgement")
    assert (await letter_api.act(letter["id"], "send", Role.head)).status_code == 200
    row = (
        await db(
            select(OutboxEvent).where(
                OutboxEvent.claim_id == claim_id, OutboxEvent.type == "letter.sent"
            )
        )
    )[0][0]
    email = row.payload["email"]
    assert email["in_reply_to"] is None and email["references"] == []
    assert re.fullmatch(r"<[^<>\s]+@[^<>\s]+>", email["message_id"])


async def test_mark_sent_by_post_records_a_post_message(
    client, auth, new_claim, letter_api, db
) -> None:
    # A phone claim without email: the letter goes by post.
    claim = await new_claim(
        channel="phone",
        customer={"name": "Иван Петров", "phone": "+7 912 555-11-22", "language": "ru"},
        phone_call={"operator": "Anna K.", "duration_seconds": 60},
    )
    letter = await letter_api.issued(claim["number"], "acknowledgement")
    assert letter["language"] == "ru" and letter["subject"].startswith("О регистрации")

    no_email = await letter_api.act(letter["id"], "send", Role.specialist)
    assert no_email.status_code == 422
    assert "post" in no_email.json()["detail"]

    future = await letter_api.act(
        letter["id"], "mark-sent", Role.specialist, json={"sent_at": "2999-01-01T00:00:00+00:00"}
    )
    assert future.status_code == 422
    naive = await letter_api.act(
        letter["id"], "mark-sent", Role.specialist, json={"sent_at": "2026-01-01T00:00:00"}
    )
    assert naive.status_code == 422

    posted = await letter_api.act(
        letter["id"], "mark-sent", Role.specialist, json={"note": "Registered mail RR123456789LV"}
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["send_channel"] == "post" and posted.json()["state"] == "sent"
    claim_id = (await db(select(Claim.id).where(Claim.number == claim["number"])))[0][0]
    messages = [m[0] for m in await db(select(Message).where(Message.claim_id == claim_id))]
    assert [m.channel for m in messages if m.direction == "outbound"] == ["post"]


async def test_who_may_do_what(client, auth, latvian_claim, letter_api, app) -> None:
    claim = await latvian_claim()
    number = claim["number"]

    assert (await letter_api.draft(number, "acknowledgement", role=Role.head)).status_code == 403
    assert (await letter_api.draft(number, "acknowledgement", role=Role.auditor)).status_code == 403
    letter_id = (await letter_api.draft(number, "acknowledgement")).json()["id"]

    assert (await letter_api.act(letter_id, "submit", Role.head)).status_code == 403
    assert (await letter_api.act(letter_id, "send", Role.specialist)).status_code == 409
    assert (await letter_api.act(letter_id, "submit", Role.specialist)).status_code == 200

    denied = await letter_api.act(letter_id, "approve", Role.specialist)
    assert denied.status_code == 403
    assert denied.headers["content-type"].startswith("application/problem+json")
    assert (await letter_api.act(letter_id, "issue", Role.specialist)).status_code == 409
    assert (await letter_api.act(letter_id, "send", Role.head)).status_code == 409

    # The customer becomes a key customer: the head may no longer approve, the director must.
    await set_key_customer(app, number)
    state = (await letter_api.get(f"{LETTERS}/{letter_id}", Role.head)).json()
    assert state["key_customer"] is True and state["approver_roles"] == ["director"]
    assert state["allowed_actions"] == []
    head = await letter_api.act(letter_id, "approve", Role.head)
    assert head.status_code == 403 and "director" in head.json()["detail"]
    director = await letter_api.act(letter_id, "approve", Role.director)
    assert director.status_code == 200
    assert director.json()["approver_role"] == "director"

    assert (await letter_api.act(letter_id, "issue", Role.director)).status_code == 403
    assert (await letter_api.act(letter_id, "send", Role.specialist)).status_code == 409
    issued = await letter_api.act(letter_id, "issue", Role.head)
    assert issued.status_code == 200
    assert issued.json()["signatory_title"] == "Direktors"
    assert (await letter_api.act(letter_id, "send", Role.auditor)).status_code == 403


async def test_reject_needs_a_comment_and_returns_to_draft(client, auth, latvian_claim, letter_api):
    number = (await latvian_claim())["number"]
    letter_id = (await letter_api.draft(number, "explanation")).json()["id"]

    incomplete = await letter_api.act(letter_id, "submit", Role.specialist)
    assert incomplete.status_code == 422
    assert incomplete.json()["missing_fields"] == ["explanation_text"]

    edited = await client.patch(
        f"{LETTERS}/{letter_id}",
        json={"fields": {"explanation_text": "Pieslēdziet sūkni 230 V tīklam."}},
        headers=auth(Role.specialist, **{"If-Match": '"1"'}),
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["missing_fields"] == [] and edited.headers["ETag"] == '"2"'
    stale = await client.patch(
        f"{LETTERS}/{letter_id}",
        json={"fields": {"body_extra": "x"}},
        headers=auth(Role.specialist, **{"If-Match": '"1"'}),
    )
    assert stale.status_code == 412

    assert (await letter_api.act(letter_id, "submit", Role.specialist)).status_code == 200
    no_comment = await letter_api.act(letter_id, "reject", Role.head, json={"comment": ""})
    assert no_comment.status_code == 422
    blank = await letter_api.act(letter_id, "reject", Role.head, json={"comment": "   "})
    assert blank.status_code == 422
    rejected = await letter_api.act(
        letter_id, "reject", Role.head, json={"comment": "Lūdzu, norādiet instrukcijas sadaļu."}
    )
    assert rejected.status_code == 200
    body = rejected.json()
    assert body["state"] == "draft" and body["rejection_comment"].startswith("Lūdzu")
    assert body["rejected_by"] == "test-head"

    resubmitted = await letter_api.act(letter_id, "submit", Role.specialist)
    assert resubmitted.status_code == 200 and resubmitted.json()["rejection_comment"] is None


async def test_bad_input_is_a_problem_not_a_500(client, auth, latvian_claim, letter_api) -> None:
    number = (await latvian_claim())["number"]
    assert (await letter_api.draft(number, "love_letter")).status_code == 422
    unknown_field = await letter_api.draft(number, "closure", fields={"nope": "x"})
    assert unknown_field.status_code == 422 and "nope" in unknown_field.json()["detail"]
    too_long = await letter_api.draft(number, "closure", fields={"body_extra": "x" * 10_001})
    assert too_long.status_code == 422
    assert (await letter_api.draft(number, "closure", language="english")).status_code == 422
    assert (await letter_api.draft("CLM-1999-999999", "closure")).status_code == 404
    assert (await letter_api.get(f"{LETTERS}/999999999")).status_code == 404
    assert (await letter_api.get(f"{LETTERS}/99999999999999")).status_code == 422
    assert (await letter_api.get(f"{LETTERS}/0")).status_code == 422
    assert (await client.get(f"{LETTERS}/1")).status_code == 401

    # A language without templates falls back (CLAIMS_LETTER_LANGUAGE_FALLBACKS, then English).
    ukrainian = await letter_api.draft(number, "closure", language="uk")
    assert ukrainian.status_code == 201 and ukrainian.json()["language"] == "en"
    bulgarian = await letter_api.draft(number, "closure", language="bg")
    assert bulgarian.status_code == 201 and bulgarian.json()["language"] == "bg"

    letter_id = (await letter_api.draft(number, "closure")).json()["id"]
    bad = await letter_api.act(letter_id, "mark-sent", Role.specialist, content=b"{not json")
    assert bad.status_code == 422
    bad_if_match = await client.patch(
        f"{LETTERS}/{letter_id}", json={}, headers=auth(Role.specialist, **{"If-Match": "abc"})
    )
    assert bad_if_match.status_code == 412


async def test_issued_letter_never_changes(
    client, auth, latvian_claim, letter_api, app, settings, tmp_path
) -> None:
    """The stored PDF and its hash survive later changes to the claim and to the template."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    custom = create_app(settings.model_copy(update={"letter_templates_dir": templates}))
    async with (
        custom.router.lifespan_context(custom),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=custom), base_url="http://test"
        ) as other,
    ):
        claim = await latvian_claim()
        number = claim["number"]

        async def call(method: str, path: str, role: Any, **kwargs: Any) -> httpx.Response:
            return await other.request(method, path, headers=auth(role), **kwargs)

        created = await call(
            "POST",
            f"/api/v1/claims/{number}/letters",
            Role.specialist,
            json={"kind": "acknowledgement"},
        )
        letter_id = created.json()["id"]
        for action, role in (
            ("submit", Role.specialist),
            ("approve", Role.head),
            ("issue", Role.specialist),
        ):
            response = await call("POST", f"{LETTERS}/{letter_id}/{action}", role)
            assert response.status_code == 200, response.text
        issued = response.json()
        before = (await call("GET", f"{LETTERS}/{letter_id}/pdf", Role.auditor)).content
        before_html = (await call("GET", f"{LETTERS}/{letter_id}/html", Role.auditor)).content

        # The claim changes and the template is rewritten.
        async with app.state.session_factory() as s:
            await s.execute(
                update(Claim)
                .where(Claim.number == number)
                .values(defect_description="Pavisam cits apraksts.")
            )
            await s.commit()
        template = templates / "letters" / "lv" / "acknowledgement.html.j2"
        template.write_text(
            template.read_text(encoding="utf-8").replace(
                "Paldies, ka sazinājāties ar mums.", "MAINĪTS TEKSTS."
            ),
            encoding="utf-8",
        )

        # A new draft shows the change; the issued letter does not.
        fresh = await call(
            "POST",
            f"/api/v1/claims/{number}/letters",
            Role.specialist,
            json={"kind": "acknowledgement"},
        )
        preview = await call("GET", f"{LETTERS}/{fresh.json()['id']}/preview.html", Role.auditor)
        assert "MAINĪTS TEKSTS." in preview.text and "Pavisam cits apraksts." in preview.text

        after = await call("GET", f"{LETTERS}/{letter_id}/pdf", Role.auditor)
        assert after.content == before
        assert hashlib.sha256(after.content).hexdigest() == issued["sha256"]
        assert (await call("GET", f"{LETTERS}/{letter_id}/html", Role.auditor)).content == (
            before_html
        )
        again = (await call("GET", f"{LETTERS}/{letter_id}", Role.auditor)).json()
        assert again["sha256"] == issued["sha256"] and again["number"] == issued["number"]

        # Nothing can change it through the API either.
        edit = await call(
            "PATCH", f"{LETTERS}/{letter_id}", Role.specialist, json={"fields": {"body_extra": "x"}}
        )
        assert edit.status_code == 409
        assert (await call("POST", f"{LETTERS}/{letter_id}/issue", Role.head)).status_code == 409
        assert (
            await call("GET", f"{LETTERS}/{letter_id}/preview.pdf", Role.auditor)
        ).status_code == 409


async def test_numbers_are_consecutive_and_listed(client, auth, latvian_claim, letter_api) -> None:
    number = (await latvian_claim())["number"]
    first = await letter_api.issued(number, "acknowledgement")
    second = await letter_api.issued(number, "withdrawal_request")
    year_1, seq_1 = first["number"].split("-")[1:]
    year_2, seq_2 = second["number"].split("-")[1:]
    assert year_1 == year_2 and int(seq_2) == int(seq_1) + 1

    third = await letter_api.draft(number, "withdrawal_request")
    assert third.json()["fields"]["reminder_of"].startswith(second["number"])

    listed = await letter_api.get(f"/api/v1/claims/{number}/letters")
    assert listed.status_code == 200
    assert [x["id"] for x in listed.json()] == [first["id"], second["id"], third.json()["id"]]
    assert (await letter_api.get("/api/v1/claims/CLM-1999-999999/letters")).status_code == 404


async def test_create_draft_for_workflow_actions(app, latvian_claim, letter_api) -> None:
    """Workflow services create drafts in their own transaction."""
    number = (await latvian_claim())["number"]
    async with app.state.session_factory() as s:
        claim = (await s.execute(select(Claim).where(Claim.number == number))).scalar_one()
        letter = await create_draft(
            s, claim=claim, kind="design_memo", actor="workflow", settings=app.state.settings
        )
        await s.commit()
        letter_id = letter.id
    got = (await letter_api.get(f"{LETTERS}/{letter_id}")).json()
    assert got["kind"] == "design_memo" and got["created_by"] == "workflow"
    assert got["fields"]["defect_details"] == "The pump stops after ten minutes of work."
    rows = await letter_api.get(f"/api/v1/claims/{number}/letters")
    assert [x["id"] for x in rows.json()] == [letter_id]


async def test_internal_memo_goes_to_design_department(
    client, auth, latvian_claim, letter_api, app
) -> None:
    number = (await latvian_claim())["number"]
    await set_key_customer(app, number)
    letter_id = (await letter_api.draft(number, "design_memo")).json()["id"]
    assert (await letter_api.act(letter_id, "submit", Role.specialist)).status_code == 200
    # Internal: the key-customer rule does not apply, the head approves.
    approved = await letter_api.act(letter_id, "approve", Role.head)
    assert approved.status_code == 200, approved.text
    issued = await letter_api.act(letter_id, "issue", Role.head)
    assert issued.json()["signatory_title"] == "Kvalitātes kontroles nodaļas vadītājs"
    no_address = await letter_api.act(letter_id, "send", Role.head)
    assert no_address.status_code == 422
    sent = await letter_api.act(letter_id, "send", Role.head, json={"to": "design@example.lv"})
    assert sent.status_code == 200 and sent.json()["sent_to"] == "design@example.lv"


async def test_letters_in_openapi(client) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/api/v1/claims/{number}/letters" in paths
    for suffix in (
        "",
        "/submit",
        "/approve",
        "/reject",
        "/issue",
        "/send",
        "/mark-sent",
        "/html",
        "/pdf",
        "/preview.html",
        "/preview.pdf",
    ):
        assert f"/api/v1/letters/{{letter_id}}{suffix}" in paths
    assert (
        "application/pdf"
        in paths["/api/v1/letters/{letter_id}/pdf"]["get"]["responses"]["200"]["content"]
    )


async def test_concurrent_issue_gives_one_number_and_one_frozen_copy(
    client, auth, latvian_claim, letter_api
) -> None:
    number = (await latvian_claim())["number"]
    ids = []
    for kind in ("acknowledgement", "closure", "closure"):
        letter_id = (await letter_api.draft(number, kind)).json()["id"]
        for action, role in (("submit", Role.specialist), ("approve", Role.head)):
            assert (await letter_api.act(letter_id, action, role)).status_code == 200
        ids.append(letter_id)

    # The same letter issued twice at once: one wins, the other is told it is issued.
    same = await asyncio.gather(*(letter_api.act(ids[0], "issue", Role.specialist) for _ in "ab"))
    assert sorted(r.status_code for r in same) == [200, 409]
    winner = next(r.json() for r in same if r.status_code == 200)
    pdf = await letter_api.get(f"{LETTERS}/{ids[0]}/pdf")
    assert hashlib.sha256(pdf.content).hexdigest() == winner["sha256"]

    # Two letters issued at once get the next two numbers: no gap from the race above.
    both = await asyncio.gather(*(letter_api.act(i, "issue", Role.head) for i in ids[1:]))
    assert [r.status_code for r in both] == [200, 200]
    seqs = sorted(int(r.json()["number"].rsplit("-", 1)[1]) for r in both)
    first = int(winner["number"].rsplit("-", 1)[1])
    assert seqs == [first + 1, first + 2]


async def test_drafts_start_from_what_the_workflow_recorded(app, latvian_claim, letter_api) -> None:
    from datetime import date

    from app.models.workflow_records import DesignFinding, InspectionAct, Referral, ServiceJob

    number = (await latvian_claim())["number"]
    async with app.state.session_factory() as s:
        claim_id = (await s.execute(select(Claim.id).where(Claim.number == number))).scalar_one()
        s.add(
            Referral(
                claim_id=claim_id,
                memo="Motor hums; breaker trips.",
                urgency="high",
                questions="Winding class?",
                created_by="test",
            )
        )
        s.add(
            DesignFinding(
                claim_id=claim_id,
                cause="misuse",
                analysis="Connected to 400 V.",
                recommendations="Connect L and N to 230 V.",
                author="design",
            )
        )
        s.add(
            ServiceJob(
                claim_id=claim_id,
                kind="field_visit",
                status="scheduled",
                planned_on=date(2026, 12, 1),
                created_by="test",
                details={
                    "technicians": ["P. Liepa", "O. Ivanovs"],
                    "site_address": "Krasta iela 82, Rīga",
                },
            )
        )
        s.add(
            InspectionAct(
                claim_id=claim_id,
                inspected_on=date(2026, 12, 2),
                place="Rīga",
                our_participants=[{"name": "A. Kalniņš", "position": "quality"}],
                customer_participants=[{"name": "J. Ozoliņš", "position": None}],
                findings="Water in the terminal box.",
                culpability="customer",
                cost_bearer="customer",
                author="service",
            )
        )
        await s.commit()

    async def fields(kind: str) -> dict[str, Any]:
        response = await letter_api.draft(number, kind)
        assert response.status_code == 201, response.text
        return response.json()

    memo = (await fields("design_memo"))["fields"]
    assert (
        memo["defect_details"] == "Motor hums; breaker trips."
        and memo["questions"] == "Winding class?"
    )
    # The designers' recommendations are part of the explanation of correct use.
    explanation = (await fields("explanation"))["fields"]["explanation_text"]
    assert explanation == "Connected to 400 V.\n\nConnect L and N to 230 V."
    recommendations = await fields("recommendations")
    assert recommendations["fields"]["recommendations"] == "Connect L and N to 230 V."
    assert recommendations["missing_fields"] == []
    visit = (await fields("service_visit"))["fields"]
    assert visit["visit_date"] == "01.12.2026" and visit["technicians"] == "P. Liepa\nO. Ivanovs"
    act = await fields("inspection_act")
    assert act["fields"]["findings"] == "Water in the terminal box."
    assert act["fields"]["participants"] == "A. Kalniņš (quality)\nJ. Ozoliņš"
    assert act["fields"]["cost_bearer"] == "customer"
    preview = await letter_api.get(f"{LETTERS}/{act['id']}/preview.html")
    assert "Izmaksas sedz klients." in preview.text
