# ruff: noqa: F811 (the letters tests' fixtures, imported)
"""Enclosures of outgoing letters: chosen claim attachments and issued documents go with the
email; the design memo takes the customer's photos; the choice is checked and frozen."""

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.enums import Role
from app.events.delivery import email_request, inline_attachments, send_email
from app.events.outbound import Destination
from app.models.claims import Claim
from app.models.system import OutboxEvent
from tests.api.test_letters import LETTERS, latvian_claim, letter_api  # noqa: F401

CLAIMS = "/api/v1/claims"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


async def upload(client: httpx.AsyncClient, auth: Any, number: str, name: str, data: bytes,
                 ctype: str) -> dict[str, Any]:  # fmt: skip
    response = await client.post(
        f"{CLAIMS}/{number}/attachments",
        headers=auth(Role.intake),
        files={"file": (name, data, ctype)},
    )
    assert response.status_code == 201, response.text
    return response.json()


def photo(n: int) -> bytes:
    # Different bytes, so different stored files (attachments are stored by content hash).
    return JPEG + os.urandom(64) + bytes([n])


async def edit(client: httpx.AsyncClient, auth: Any, letter_id: int, role: Role = Role.specialist,
               **body: Any) -> httpx.Response:  # fmt: skip
    return await client.patch(f"{LETTERS}/{letter_id}", json=body, headers=auth(role))


async def issued_act(letter_api: Any, number: str) -> dict[str, Any]:
    return await letter_api.issued(
        number,
        "inspection_act",
        fields={
            "findings": "Water in the terminal box.",
            "cost_bearer": "customer",
            "conclusion": "Not a manufacturing defect.",
        },
    )


async def test_design_memo_carries_the_customers_photos(
    client,
    auth,
    latvian_claim,
    letter_api,
) -> None:
    claim = await latvian_claim()
    number = claim["number"]
    first = await upload(client, auth, number, "pump-1.jpg", photo(1), "image/jpeg")
    await upload(client, auth, number, "invoice.pdf", PDF, "application/pdf")
    second = await upload(client, auth, number, "pump-2.jpg", photo(2), "image/jpeg")

    memo = await letter_api.draft(number, "design_memo")
    assert memo.status_code == 201, memo.text
    attached = memo.json()["attachments"]
    assert [(a["type"], a["id"], a["filename"]) for a in attached] == [
        ("attachment", first["id"], "pump-1.jpg"),
        ("attachment", second["id"], "pump-2.jpg"),
    ]
    assert all(a["content_type"] == "image/jpeg" and a["size"] > 0 for a in attached)

    # Other kinds carry nothing unless chosen; an explicit choice replaces the default.
    closure = await letter_api.draft(number, "closure")
    assert closure.json()["attachments"] == []
    chosen = await letter_api.draft(number, "design_memo", attachment_ids=[second["id"]])
    assert [a["id"] for a in chosen.json()["attachments"]] == [second["id"]]


async def test_choice_is_checked_frozen_and_sent_to_the_gateway(
    client,
    auth,
    latvian_claim,
    letter_api,
    db,
    settings,
) -> None:
    claim = await latvian_claim()
    number = claim["number"]
    picture = await upload(client, auth, number, "bojājums.jpg", photo(3), "image/jpeg")
    act = await issued_act(letter_api, number)
    other = await latvian_claim()
    strangers = await upload(client, auth, other["number"], "cits.jpg", photo(4), "image/jpeg")
    foreign_act = await issued_act(letter_api, other["number"])

    created = await letter_api.draft(number, "closure")
    letter_id = created.json()["id"]

    for body, field in (
        ({"attachment_ids": [strangers["id"]]}, "attachment_ids"),
        ({"attachment_ids": [2_000_000_000]}, "attachment_ids"),
        ({"document_ids": [foreign_act["id"]]}, "document_ids"),
        ({"document_ids": [letter_id]}, "document_ids"),  # not itself
    ):
        refused = await edit(client, auth, letter_id, **body)
        assert refused.status_code == 422, (body, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    unissued = (await letter_api.draft(number, "rejection")).json()["id"]
    refused = await edit(client, auth, letter_id, document_ids=[unissued])
    assert refused.status_code == 422 and "not issued" in refused.json()["detail"]
    for bad in ([0], [2**63], ["x"], list(range(1, 200))):
        refused = await edit(client, auth, letter_id, attachment_ids=bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["errors"][0]["field"].startswith("body.attachment_ids")

    assert (await edit(client, auth, letter_id, Role.head, attachment_ids=[])).status_code == 403
    stale = await client.patch(
        f"{LETTERS}/{letter_id}",
        json={"attachment_ids": [picture["id"]]},
        headers={**auth(Role.specialist), "If-Match": '"99"'},
    )
    assert stale.status_code == 412
    missing = await edit(client, auth, 2_000_000_000, attachment_ids=[picture["id"]])
    assert missing.status_code == 404

    chosen = await edit(
        client, auth, letter_id, attachment_ids=[picture["id"], picture["id"]],
        document_ids=[act["id"]],
    )  # fmt: skip
    assert chosen.status_code == 200, chosen.text
    view = chosen.json()["attachments"]
    assert [(a["type"], a["id"]) for a in view] == [
        ("attachment", picture["id"]),
        ("document", act["id"]),
    ]
    assert view[1]["filename"] == f"{act['number']}.pdf" and view[1]["size"] > 1000
    # Omitted keeps the choice; a field edit does not touch it.
    kept = await edit(client, auth, letter_id, fields={"body_extra": "Paldies."})
    assert kept.json()["attachments"] == view
    preview = await letter_api.get(f"{LETTERS}/{letter_id}/preview.html")
    assert "Pielikumā" in preview.text and "bojājums.jpg" in preview.text

    for action, role in (("submit", Role.specialist), ("approve", Role.head)):
        assert (await letter_api.act(letter_id, action, role)).status_code == 200
    frozen = await edit(client, auth, letter_id, attachment_ids=[])
    assert frozen.status_code == 409
    assert (await letter_api.act(letter_id, "issue", Role.specialist)).status_code == 200
    assert (await edit(client, auth, letter_id, attachment_ids=[])).status_code == 409
    html = await letter_api.get(f"{LETTERS}/{letter_id}/html")
    assert "bojājums.jpg" in html.text and act["number"] in html.text

    sent = await letter_api.act(letter_id, "send", Role.specialist)
    assert sent.status_code == 200, sent.text
    assert sent.json()["attachments"] == view
    claim_id = (await db(select(Claim.id).where(Claim.number == number)))[0][0]
    [[row]] = await db(
        select(OutboxEvent).where(
            OutboxEvent.claim_id == claim_id, OutboxEvent.type == "letter.sent"
        )
    )

    # The email gateway's request, as the worker makes it: every file inline, as stored.
    seen: list[dict[str, Any]] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(202, json={"id": "queued"})

    message = await inline_attachments(
        email_request(row.payload["email"], event_id=row.event_id, domain="claims.test"),
        Path(settings.storage_dir),
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(gateway)) as http:
        result = await send_email(
            http,
            destination=Destination("http://127.0.0.1:9/send", "127.0.0.1"),
            message=message,
            event_id=row.event_id,
        )
    assert result.ok, result
    [request] = seen
    files = {a["filename"]: base64.b64decode(a["content_base64"]) for a in request["attachments"]}
    letter_pdf = (await letter_api.get(f"{LETTERS}/{letter_id}/pdf")).content
    act_pdf = (await letter_api.get(f"{LETTERS}/{act['id']}/pdf")).content
    assert files == {
        f"{sent.json()['number']}.pdf": letter_pdf,
        "bojājums.jpg": (
            Path(settings.storage_dir) / f"attachments/{picture['sha256'][:2]}/{picture['sha256']}"
        ).read_bytes(),
        f"{act['number']}.pdf": act_pdf,
    }
    assert hashlib.sha256(files["bojājums.jpg"]).hexdigest() == picture["sha256"]
    types = {a["filename"]: a["content_type"] for a in request["attachments"]}
    assert types["bojājums.jpg"] == "image/jpeg"


async def test_an_email_has_a_size(
    client,
    auth,
    latvian_claim,
    letter_api,
    settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    claim = await latvian_claim()
    number = claim["number"]
    big = await upload(client, auth, number, "liels.jpg", photo(5) + b"\x00" * 4000, "image/jpeg")
    small = await upload(client, auth, number, "mazs.jpg", photo(6), "image/jpeg")
    monkeypatch.setattr(settings, "letter_email_max_bytes", big["size"] + 50)

    too_much = await letter_api.draft(number, "closure", attachment_ids=[big["id"], small["id"]])
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["field"] == "attachment_ids"
    assert "CLAIMS_LETTER_EMAIL_MAX_BYTES" in too_much.json()["detail"]
    # The design memo's default takes the photos that fit, and never fails the draft.
    memo = await letter_api.draft(number, "design_memo")
    assert memo.status_code == 201 and [a["id"] for a in memo.json()["attachments"]] == [big["id"]]

    # With its PDF the issued letter no longer fits: it cannot be emailed, it goes by post.
    letter = await letter_api.issued(number, "closure", attachment_ids=[big["id"]])
    refused = await letter_api.act(letter["id"], "send", Role.specialist)
    assert refused.status_code == 409, refused.text
    assert refused.json()["limit_bytes"] == big["size"] + 50
    posted = await letter_api.act(letter["id"], "mark-sent", Role.specialist, json={})
    assert posted.status_code == 200, posted.text
