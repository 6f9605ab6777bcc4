"""Registering, listing and reading claims through the HTTP API."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
import pytest
from sqlalchemy import select

from app.enums import Role
from app.models.claims import Claim, ClaimEvent
from app.models.system import OutboxEvent
from tests.conftest import claim_payload, unique

CLAIMS = "/api/v1/claims"


async def test_register_web_claim_returns_number_deadlines_and_timeline(client, auth) -> None:
    response = await client.post(CLAIMS, json=claim_payload(), headers=auth(Role.intake))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["number"].startswith("CLM-")
    year, seq = body["number"].split("-")[1:]
    assert len(year) == 4 and len(seq) == 6
    assert body["state"] == "new"
    assert body["channel"] == "web"
    assert body["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"{CLAIMS}/{body['number']}"
    assert body["deadlines"]["ack_due_date"] < body["deadlines"]["ack_deadline_date"]
    assert [e["action"] for e in body["timeline"]] == ["register"]
    assert body["created_by"] == "test-intake"


async def test_register_phone_claim_keeps_call_details(client, auth) -> None:
    payload = claim_payload(
        channel="phone",
        customer={"name": "Иван Петров", "phone": "+7 912 000-00-00", "language": "ru"},
        phone_call={"operator": "Anna K.", "call_id": "c-1", "duration_seconds": 312},
    )
    response = await client.post(CLAIMS, json=payload, headers=auth(Role.intake))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["phone_call"]["operator"] == "Anna K."
    assert body["contact"]["phone"] == "+79120000000"
    assert body["language"] == "ru"


async def test_phone_claim_without_call_details_names_the_field(client, auth) -> None:
    payload = claim_payload(channel="phone")
    response = await client.post(CLAIMS, json=payload, headers=auth(Role.intake))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert [e["field"] for e in problem["errors"]] == ["body.phone_call"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"defect_description": "x"}, "body.defect_description"),
        ({"channel": "fax"}, "body.channel"),
        ({"customer": {"name": "A", "email": "not-an-email"}}, "body.customer.email"),
        ({"customer": {"name": "A"}}, "body.customer"),
        (
            {"customer": {"name": "A", "email": "a@b.lv", "language": "latvian"}},
            "body.customer.language",
        ),
        ({"received_at": "2026-11-23T10:00:00"}, "body.received_at"),
    ],
)
async def test_validation_errors_name_the_field(client, auth, change, field) -> None:
    response = await client.post(CLAIMS, json=claim_payload(**change), headers=auth(Role.intake))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_malformed_json_is_422_not_500(client, auth) -> None:
    response = await client.post(
        CLAIMS,
        content=b"{not json",
        headers=auth(Role.intake, **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("validation-error")


async def test_same_customer_email_is_matched_not_duplicated(client, auth) -> None:
    email = f"{unique()}@example.com"
    first = await client.post(
        CLAIMS,
        json=claim_payload(customer={"name": "A", "email": email}),
        headers=auth(Role.intake),
    )
    second = await client.post(
        CLAIMS,
        json=claim_payload(customer={"name": "A again", "email": email.upper()}),
        headers=auth(Role.intake),
    )
    assert first.json()["customer"]["id"] == second.json()["customer"]["id"]


async def test_idempotency_key_replays_and_detects_reuse(client, auth) -> None:
    key = unique("idem")
    payload = claim_payload()
    headers = auth(Role.intake, **{"Idempotency-Key": key})
    first = await client.post(CLAIMS, json=payload, headers=headers)
    again = await client.post(CLAIMS, json=payload, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    other = await client.post(CLAIMS, json=claim_payload(), headers=headers)
    assert other.status_code == 409
    listed = await client.get(
        CLAIMS, params={"customer": payload["customer"]["email"]}, headers=auth(Role.specialist)
    )
    assert len(listed.json()["items"]) == 1
    # The replay and the refused reuse wrote nothing, not even a claim number: no gap.
    following = await client.post(CLAIMS, json=claim_payload(), headers=auth(Role.intake))
    seq = int(first.json()["number"].rsplit("-", 1)[1])
    assert following.json()["number"].endswith(f"-{seq + 1:06d}")


async def test_concurrent_retries_with_one_idempotency_key_make_one_claim(client, auth) -> None:
    key = unique("idem")
    payload = claim_payload()
    headers = auth(Role.intake, **{"Idempotency-Key": key})
    responses = await asyncio.gather(
        *[client.post(CLAIMS, json=payload, headers=headers) for _ in range(5)]
    )
    assert {r.status_code for r in responses} <= {200, 201}
    assert len({r.json()["number"] for r in responses}) == 1


async def test_read_claim_with_timeline_messages_and_attachments(client, auth, new_claim) -> None:
    claim = await new_claim()
    number = claim["number"]
    msg = await client.post(
        f"{CLAIMS}/{number}/messages",
        headers=auth(Role.intake),
        json={"channel": "phone", "body": "Customer called again."},
    )
    assert msg.status_code == 201, msg.text
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    up = await client.post(
        f"{CLAIMS}/{number}/attachments",
        headers=auth(Role.intake),
        files={"file": ("photo.png", png, "image/png")},
    )
    assert up.status_code == 201, up.text
    assert up.json()["size"] == len(png)
    response = await client.get(f"{CLAIMS}/{number}", headers=auth(Role.auditor))
    assert response.status_code == 200
    body = response.json()
    assert response.headers["ETag"] == '"1"'
    assert [e["action"] for e in body["timeline"]] == [
        "register",
        "message_added",
        "attachment_added",
    ]
    assert body["messages"][0]["body"] == "Customer called again."
    assert body["attachments"][0]["filename"] == "photo.png"
    file_url = f"{CLAIMS}/{number}/attachments/{body['attachments'][0]['id']}"
    downloaded = await client.get(file_url, headers=auth(Role.auditor))
    assert downloaded.content == png
    assert downloaded.headers["content-type"] == "image/png"
    other = await new_claim()
    wrong_claim = await client.get(
        f"{CLAIMS}/{other['number']}/attachments/{body['attachments'][0]['id']}",
        headers=auth(Role.auditor),
    )
    assert wrong_claim.status_code == 404
    assert isinstance(body["allowed_actions"], list)


async def test_attachment_type_and_content_are_checked(client, auth, new_claim) -> None:
    number = (await new_claim())["number"]
    exe = await client.post(
        f"{CLAIMS}/{number}/attachments",
        headers=auth(Role.intake),
        files={"file": ("x.exe", b"MZ\x90\x00", "application/x-msdownload")},
    )
    assert exe.status_code == 415
    fake = await client.post(
        f"{CLAIMS}/{number}/attachments",
        headers=auth(Role.intake),
        files={"file": ("x.png", b"not a png at all", "image/png")},
    )
    assert fake.status_code == 415


async def test_attachment_over_the_limit_is_413(client, auth, new_claim, app) -> None:
    number = (await new_claim())["number"]
    limit = app.state.settings.max_attachment_bytes
    big = b"%PDF-" + b"0" * limit
    response = await client.post(
        f"{CLAIMS}/{number}/attachments",
        headers=auth(Role.intake),
        files={"file": ("big.pdf", big, "application/pdf")},
    )
    assert response.status_code == 413
    assert response.json()["status"] == 413


async def test_body_over_the_request_limit_is_413(client, auth, app) -> None:
    too_big = app.state.settings.max_body_bytes + 1
    response = await client.post(
        CLAIMS,
        content=b"{" + b" " * too_big + b"}",
        headers=auth(Role.intake, **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_claim_is_404_problem(client, auth) -> None:
    response = await client.get(f"{CLAIMS}/CLM-1999-999999", headers=auth(Role.specialist))
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"
    message = await client.post(
        f"{CLAIMS}/CLM-1999-999999/messages",
        headers=auth(Role.intake),
        json={"channel": "phone", "body": "x"},
    )
    assert message.status_code == 404


async def test_list_filters_and_cursor_pagination(client, auth, new_claim) -> None:
    organisation = unique("org")
    numbers = []
    for i in range(5):
        claim = await new_claim(
            customer={"name": f"{organisation} person {i}", "email": f"{unique()}@x.lv"},
            channel="phone" if i % 2 else "web",
            **({"phone_call": {"operator": "op"}} if i % 2 else {}),
        )
        numbers.append(claim["number"])
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"customer": organisation, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(CLAIMS, params=params, headers=auth(Role.specialist))).json()
        seen += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(numbers))
    phone = await client.get(
        CLAIMS, params={"customer": organisation, "channel": "phone"}, headers=auth(Role.specialist)
    )
    assert {i["number"] for i in phone.json()["items"]} == {numbers[1], numbers[3]}
    text = await client.get(
        CLAIMS, params={"q": f"{organisation} person 4"}, headers=auth(Role.specialist)
    )
    assert [i["number"] for i in text.json()["items"]] == [numbers[4]]


async def test_list_by_serial_status_and_created_range(client, auth, new_claim) -> None:
    serial = unique("SN")
    claim = await new_claim(
        product={"serial_number": serial}, received_at="2026-01-15T09:00:00+00:00"
    )
    by_serial = await client.get(CLAIMS, params={"serial": serial}, headers=auth(Role.head))
    assert [i["number"] for i in by_serial.json()["items"]] == [claim["number"]]
    in_range = await client.get(
        CLAIMS,
        params={
            "serial": serial,
            "created_from": "2026-01-15T00:00:00Z",
            "created_to": "2026-01-16T00:00:00Z",
            "status": "new",
        },
        headers=auth(Role.head),
    )
    assert len(in_range.json()["items"]) == 1
    out_of_range = await client.get(
        CLAIMS,
        params={"serial": serial, "created_from": "2026-01-16T00:00:00Z"},
        headers=auth(Role.head),
    )
    assert out_of_range.json()["items"] == []
    closed = await client.get(
        CLAIMS, params={"serial": serial, "status": "closed"}, headers=auth(Role.head)
    )
    assert closed.json()["items"] == []


async def test_overdue_filter_uses_the_acknowledgement_due_date(client, auth, new_claim) -> None:
    serial = unique("SN")
    old = await new_claim(
        product={"serial_number": serial}, received_at="2025-01-06T09:00:00+00:00"
    )
    response = await client.get(
        CLAIMS, params={"serial": serial, "overdue": "true"}, headers=auth(Role.head)
    )
    assert [i["number"] for i in response.json()["items"]] == [old["number"]]
    detail = await client.get(f"{CLAIMS}/{old['number']}", headers=auth(Role.head))
    assert detail.json()["deadlines"]["overdue"] is True
    assert detail.json()["deadlines"]["ack_due_date"] == "2025-01-09"
    assert detail.json()["deadlines"]["ack_deadline_date"] == "2025-01-13"


async def make_model(client, auth) -> str:
    code = unique("M")
    response = await client.post(
        "/api/v1/product-models",
        headers=auth(Role.admin),
        json={"code": code, "name": "Pump", "warranty_months": 24},
    )
    assert response.status_code == 201, response.text
    return code


async def test_list_item_carries_every_summary_field(client, auth, new_claim) -> None:
    code = await make_model(client, auth)
    serial, organisation = unique("SN"), unique("SIA")
    claim = await new_claim(
        customer={
            "name": "Jānis Bērziņš",
            "organisation": organisation,
            "email": f"{unique()}@x.lv",
        },
        product={"model_code": code, "serial_number": serial},
        title="Pump stops",
        received_at="2026-03-02T08:30:00+02:00",
    )
    page = (await client.get(CLAIMS, params={"serial": serial}, headers=auth(Role.head))).json()
    assert page == {
        "items": [
            {
                "number": claim["number"],
                "channel": "web",
                "state": "new",
                "customer_name": organisation,
                "contact_name": "Jānis Bērziņš",
                "owner": None,
                "model_code": code,
                "serial_number": serial,
                "title": "Pump stops",
                "received_at": "2026-03-02T06:30:00Z",
                "ack_due_date": claim["deadlines"]["ack_due_date"],
                "acknowledged_at": None,
                "letter_send_failed": None,
                "version": 1,
            }
        ],
        "next_cursor": None,
    }


async def test_list_with_every_filter_pages_and_reuses_the_query_for_other_values(
    client, auth, new_claim
) -> None:
    code = await make_model(client, auth)
    groups = []
    for _ in range(2):
        organisation, serial = unique("org"), unique("SN")
        numbers = [
            (
                await new_claim(
                    customer={"name": f"{organisation} {i}", "email": f"{unique()}@x.lv"},
                    product={"model_code": code, "serial_number": serial},
                    received_at=f"2025-02-0{i + 1}T10:00:00+00:00",
                )
            )["number"]
            for i in range(3)
        ]
        groups.append((organisation, serial, numbers))
    for organisation, serial, numbers in groups:
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {
                "status": ["new", "closed"],
                "channel": "web",
                "customer": organisation,
                "model": code,
                "serial": serial,
                "overdue": "true",
                "created_from": "2025-01-01T00:00:00Z",
                "created_to": "2025-03-01T00:00:00Z",
                "q": organisation,
                "limit": 1,
                **({"cursor": cursor} if cursor else {}),
            }
            response = await client.get(CLAIMS, params=params, headers=auth(Role.head))
            assert response.status_code == 200, response.text
            seen += [item["number"] for item in response.json()["items"]]
            cursor = response.json()["next_cursor"]
            if not cursor:
                break
        assert seen == list(reversed(numbers))
    not_overdue = await client.get(
        CLAIMS, params={"serial": groups[0][1], "overdue": "false"}, headers=auth(Role.head)
    )
    assert not_overdue.json()["items"] == []


async def test_bad_cursor_is_422(client, auth) -> None:
    response = await client.get(CLAIMS, params={"cursor": "garbage!"}, headers=auth(Role.head))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.cursor"


async def test_registration_uses_a_small_fixed_number_of_statements(
    client, auth, count_statements, is_postgres
) -> None:
    customer = claim_payload()["customer"]
    await client.post(CLAIMS, json=claim_payload(customer=customer), headers=auth(Role.intake))
    with count_statements() as counter:
        response = await client.post(
            CLAIMS,
            json=claim_payload(customer=customer),
            headers=auth(Role.intake, **{"Idempotency-Key": unique()}),
        )
    assert response.status_code == 201
    # The key is remembered from the first request and the Idempotency-Key is not read first:
    # unit lookup, customer lookup, then the number with the claim, its event, outbox row and
    # idempotency record: one statement on PostgreSQL; on SQLite the counter and four inserts
    # (+ COMMIT, which the driver hook does not see).
    if is_postgres:
        assert counter.count == 3, counter.statements
        assert "counters" in counter.statements[2]
    else:
        assert counter.count == 7, counter.statements
        assert "counters" in counter.statements[2]


async def test_rows_written_with_the_claim_carry_its_number(client, auth, db) -> None:
    response = await client.post(CLAIMS, json=claim_payload(), headers=auth(Role.intake))
    number = response.json()["number"]
    [(claim_id,)] = await db(select(Claim.id).where(Claim.number == number))
    [(payload,)] = await db(select(OutboxEvent.payload).where(OutboxEvent.claim_id == claim_id))
    assert payload == {"number": number, "channel": "web", "state": "new"}
    [(action, to_state)] = await db(
        select(ClaimEvent.action, ClaimEvent.to_state).where(ClaimEvent.claim_id == claim_id)
    )
    assert (action, to_state) == ("register", "new")


async def test_listing_costs_at_most_two_statements(client, auth, count_statements) -> None:
    with count_statements() as counter:
        response = await client.get(
            CLAIMS, params={"status": "new", "limit": 50}, headers=auth(Role.specialist)
        )
    assert response.status_code == 200
    assert counter.count <= 2, counter.statements


async def test_listing_hands_nothing_to_the_thread_pool(client, auth, monkeypatch) -> None:
    # FastAPI runs a plain `def` dependency or endpoint in the thread pool: a thread hand-off on
    # every request (bench/RESULTS.md, "What was changed" 2).
    handed_off: list[Any] = []
    real_run_sync = anyio.to_thread.run_sync

    async def recording_run_sync(func: Any, *args: Any, **kwargs: Any) -> Any:
        handed_off.append(func)
        return await real_run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", recording_run_sync)
    response = await client.get(
        CLAIMS, params={"status": "new", "limit": 50}, headers=auth(Role.specialist)
    )
    assert response.status_code == 200
    assert handed_off == []


async def test_nul_characters_are_refused_not_stored(client, auth) -> None:
    body = claim_payload(customer={"name": "A\x00B", "email": "a@b.lv"})
    response = await client.post(CLAIMS, json=body, headers=auth(Role.intake))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.customer.name"
    query = await client.get(CLAIMS, params={"q": "a\x00"}, headers=auth(Role.head))
    assert query.status_code == 422
    path = await client.get(f"{CLAIMS}/CLM%00", headers=auth(Role.head))
    assert path.status_code == 422


async def test_deadlines_follow_the_country_calendar(client, auth, app) -> None:
    # The suite counts weekends only; here the plant works by Latvia's calendar, where
    # Wednesday 18 November 2026 is Proclamation Day. (Not monkeypatch: it would delete the
    # attribute at undo, since Starlette's State keeps it outside the instance __dict__.)
    weekends_only = app.state.settings
    app.state.settings = weekends_only.model_copy(update={"calendar_country": "LV"})
    try:
        claim = await client.post(
            CLAIMS,
            json=claim_payload(received_at="2026-11-16T09:00:00+02:00"),  # Monday
            headers=auth(Role.intake),
        )
        assert claim.status_code == 201, claim.text
        number = claim.json()["number"]
        sla = await client.get(f"{CLAIMS}/{number}/sla", headers=auth(Role.auditor))
    finally:
        app.state.settings = weekends_only
    # 3 working days: Tue 17, Thu 19, Fri 20; 5: Mon 23, Tue 24.
    assert claim.json()["deadlines"]["ack_due_date"] == "2026-11-20"
    assert claim.json()["deadlines"]["ack_deadline_date"] == "2026-11-24"
    assert sla.status_code == 200, sla.text
    # 20 working days of resolution time skip the holiday too: Tuesday 15 December, 09:00 Riga.
    due = datetime.fromisoformat(sla.json()["resolution_due_at"])
    assert due == datetime(2026, 12, 15, 7, tzinfo=UTC)
