"""Reminders are letters: rendered per language, signed by the executor, Reply-To the claim;
key customers' reminders go through sign-off or are off; waits for information and for a
payment guarantee are reminded too; the head hears of it after the last (both databases)."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.auth.api_keys import create_key
from app.enums import ClaimState, Role
from app.models.claims import Claim, Message
from app.models.customers import Customer
from app.models.letters import Letter
from app.models.system import OutboxEvent
from app.sla import service as sla_service
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.receiver import Receiver

DAY = timedelta(days=1)

PEOPLE = {
    "ru": {"name": "Иван Петров", "organisation": "АО «Северная верфь»"},
    "en": {"name": "John Smith", "organisation": "Northern Yard Ltd"},
    "lv": {"name": "Jānis Bērziņš", "organisation": "SIA «Ziemeļu Vējš»"},
    "bg": {"name": "Георги Димитров", "organisation": "„Северен вятър“ ООД"},
}
SUBJECTS = {
    "ru": "Напоминание по рекламации №",
    "en": "Reminder concerning claim No.",
    "lv": "Atgādinājums par reklamāciju Nr.",
    "bg": "Напомняне по рекламация №",
}
ASKED_FOR_INFORMATION = {
    "ru": "просили Вас сообщить дополнительные сведения",
    "en": "asked you for further information",
    "lv": "lūdzām Jūs sniegt papildu informāciju",
    "bg": "Ви помолихме да ни предоставите допълнителна информация",
}
CLOSINGS = {"ru": "С уважением,", "en": "Yours", "lv": "Ar cieņu,", "bg": "С уважение,"}


@pytest.fixture
async def env(events_env: EventsEnv) -> AsyncIterator[EventsEnv]:  # noqa: F811
    yield events_env
    # The sweeps act on every open claim of this database; settle what they queued so the
    # other events tests' workers are not busy with it.
    async with events_env.factory() as s:
        await s.execute(
            update(OutboxEvent).where(OutboxEvent.status == "pending").values(status="delivered")
        )
        await s.commit()


async def key(env: EventsEnv, role: Role, **person: Any) -> tuple[str, str]:
    name = f"{role.value}-{uuid.uuid4().hex[:6]}"
    async with env.factory() as s:
        created = await create_key(s, name=name, roles=[role], **person)
    return name, created.key


async def claim_waiting(
    env: EventsEnv,
    state: ClaimState,
    at: datetime,
    *,
    lang: str = "ru",
    owner: str | None = None,
    key_customer: bool = False,
) -> tuple[str, int, str]:
    """A claim that began waiting for the customer at `at`, as the workflow leaves it."""
    tag = uuid.uuid4().hex[:8]
    person = PEOPLE[lang]
    email = f"{tag}@customer.example"
    created = await env.new_claim(
        customer={
            "name": person["name"],
            "organisation": f"{person['organisation']} {tag}",
            "email": email,
            "language": lang,
        },
        received_at=(at - 3 * DAY).isoformat(),
    )
    number = created["number"]
    async with env.factory() as s:
        claim = (await s.execute(select(Claim).where(Claim.number == number))).scalar_one()
        claim.state, claim.updated_at, claim.acknowledged_at = state, at, at
        claim.owner = owner
        if key_customer:
            await s.execute(
                update(Customer)
                .where(Customer.id == claim.customer_id)
                .values(is_key_customer=True)
            )
        await sla_service.on_state_change(
            s, claim=claim, to_state=state, settings=env.settings, now=at
        )
        await s.commit()
        assert claim.id is not None
        return number, claim.id, email


async def sweep(env: EventsEnv, now: datetime) -> sla_service.SweepResult:
    async with env.factory() as s:
        return await sla_service.sweep(s, settings=env.settings, now=now)


async def outbox(env: EventsEnv, claim_id: int, event_type: str) -> list[dict[str, Any]]:
    async with env.factory() as s:
        rows = (
            await s.execute(
                select(OutboxEvent)
                .where(OutboxEvent.claim_id == claim_id, OutboxEvent.type == event_type)
                .order_by(OutboxEvent.id)
            )
        ).scalars()
        return [row.payload for row in rows]


async def escalations(env: EventsEnv, claim_id: int) -> list[dict[str, Any]]:
    overdue = await outbox(env, claim_id, "claim.overdue")
    return [e for e in overdue if e["deadline_kind"] == "customer_reply"]


async def reminder_mails(env: EventsEnv, claim_id: int) -> list[dict[str, Any]]:
    mails = await outbox(env, claim_id, "email.outbound")
    return [m for m in mails if m.get("purpose") == "reminder"]


@pytest.mark.parametrize("lang", ["ru", "en", "lv", "bg"])
async def test_a_reminder_is_a_letter_in_the_customers_language(env: EventsEnv, lang: str) -> None:
    owner, _ = await key(
        env, Role.specialist, full_name="Анна Петрова" if lang == "ru" else "Anna Petrova",
        phone="+37167000111", email="anna.petrova@example.com",
    )  # fmt: skip
    waiting = datetime(2020, 2, 3, 9, tzinfo=UTC)
    number, claim_id, email = await claim_waiting(
        env, ClaimState.awaiting_customer_info, waiting, lang=lang, owner=owner
    )
    await sweep(env, waiting + 6 * DAY)
    assert await reminder_mails(env, claim_id) == []
    await sweep(env, waiting + 7 * DAY)
    [mail] = await reminder_mails(env, claim_id)

    assert mail["to"] == [email] and mail["language"] == lang
    assert mail["reply_to"] == f"claims+{number}@{env.settings.letter_reply_domain}"
    assert mail["from"] == env.settings.letter_from_address
    assert mail["subject"] == f"{SUBJECTS[lang]} {number}"
    text = mail["text"]
    assert ASKED_FOR_INFORMATION[lang] in text and number in text
    # Signed by the executor, with their phone and email, under the letters' closing.
    closing = text.index(CLOSINGS[lang])
    signature = text[closing:]
    assert ("Анна Петрова" if lang == "ru" else "Anna Petrova") in signature
    assert "+371 67 000 111" in signature and "anna.petrova@example.com" in signature
    for impersonal in (
        "Уважаемый клиент", "Уважаеми клиенти", "Dear customer", "Cienījamais klient", "{{", "None"
    ):  # fmt: skip
        assert impersonal not in text
    assert "2020-" not in text  # no ISO dates in a letter's text

    async with env.factory() as s:
        [message] = (
            (await s.execute(select(Message).where(Message.claim_id == claim_id))).scalars().all()
        )
    assert message.body == text and f"<{message.external_message_id}>" == mail["message_id"]

    # Through the email gateway: the Reply-To and the text arrive as rendered.
    with Receiver() as gateway:
        async with env.worker(email_gateway_url=gateway.url("/send")) as worker:
            await worker.drain()
        sent = [r.json() for r in gateway.requests if r.json().get("purpose") == "reminder"]
    mine = [m for m in sent if m["message_id"] == mail["message_id"]]
    assert len(mine) == 1 and mine[0]["reply_to"] == mail["reply_to"]
    assert mine[0]["text"] == text


async def test_waiting_for_a_payment_guarantee_reminds_then_escalates_to_the_head(
    env: EventsEnv,
) -> None:
    waiting = datetime(2020, 3, 2, 9, tzinfo=UTC)
    number, claim_id, _ = await claim_waiting(
        env, ClaimState.awaiting_payment_guarantee, waiting, lang="lv"
    )
    await sweep(env, waiting + 7 * DAY)
    await sweep(env, waiting + 14 * DAY)
    mails = await reminder_mails(env, claim_id)
    assert len(mails) == 2  # CLAIMS_REMINDER_MAX=2
    assert "garantijas vēstuli" in mails[0]["text"]
    # Without an owner the department signs.
    assert "Kvalitātes kontroles nodaļa" in mails[0]["text"]

    await sweep(env, waiting + 20 * DAY)  # the last reminder's interval has not run out
    assert await escalations(env, claim_id) == []
    await sweep(env, waiting + 21 * DAY)
    await sweep(env, waiting + 30 * DAY)  # once per wait
    [escalation] = await escalations(env, claim_id)
    assert escalation["deadline_kind"] == "customer_reply"
    assert escalation["escalated_to"] == "head" and escalation["reminders_sent"] == 2
    assert escalation["state"] == "awaiting_payment_guarantee"
    to_head = [
        m for m in await outbox(env, claim_id, "email.outbound") if m["purpose"] == "escalation"
    ]
    assert len(to_head) == 1 and to_head[0]["to"] == ["head@example.lv"]
    assert number in to_head[0]["text"] and "2 reminder" in to_head[0]["text"]
    assert len(await reminder_mails(env, claim_id)) == 2


async def test_a_key_customers_reminder_waits_for_the_directors_sign_off(
    env: EventsEnv,
) -> None:
    owner, _ = await key(env, Role.specialist, full_name="Anna Petrova", phone="+37167000111")
    _, director = await key(env, Role.director)
    _, head = await key(env, Role.head)
    waiting = datetime(2020, 4, 6, 9, tzinfo=UTC)
    number, claim_id, _ = await claim_waiting(
        env,
        ClaimState.awaiting_customer_confirmation,
        waiting,
        lang="en",
        owner=owner,
        key_customer=True,
    )
    result = await sweep(env, waiting + 7 * DAY)
    assert result.reminders >= 1
    assert await reminder_mails(env, claim_id) == []  # nothing leaves unsigned
    async with env.factory() as s:
        [letter] = (
            (await s.execute(select(Letter).where(Letter.claim_id == claim_id))).scalars().all()
        )
    assert letter.kind == "reminder" and letter.state == "pending_approval"
    assert letter.submitted_by == "system:sla" and letter.fields["awaiting"] == "confirmation"
    submitted = await outbox(env, claim_id, "letter.submitted")
    assert [e["letter_id"] for e in submitted] == [letter.id]
    [notice] = await outbox(env, claim_id, "claim.reminder_sent")
    assert notice["channel"] == "letter" and notice["letter_id"] == letter.id
    assert notice["letter_state"] == "pending_approval"

    await sweep(env, waiting + 14 * DAY)  # the director has not signed: no second letter
    async with env.factory() as s:
        letters = (await s.execute(select(Letter.id).where(Letter.claim_id == claim_id))).all()
    assert [row[0] for row in letters] == [letter.id]
    notices = await outbox(env, claim_id, "claim.reminder_sent")
    assert [n["letter_id"] for n in notices] == [letter.id, letter.id]

    view = await env.client.get(f"/api/v1/letters/{letter.id}", headers=env.auth(Role.specialist))
    assert view.status_code == 200 and view.json()["approver_roles"] == ["director"]
    refused = await env.client.post(
        f"/api/v1/letters/{letter.id}/approve", headers={"X-API-Key": head}
    )
    assert refused.status_code == 403
    preview = await env.client.get(
        f"/api/v1/letters/{letter.id}/preview.html", headers=env.auth(Role.specialist)
    )
    assert "whether the fault has been remedied" in preview.text
    assert "Anna Petrova" in preview.text  # the executor at the foot
    approved = await env.client.post(
        f"/api/v1/letters/{letter.id}/approve", headers={"X-API-Key": director}
    )
    assert approved.status_code == 200, approved.text
    issued = await env.client.post(
        f"/api/v1/letters/{letter.id}/issue", headers=env.auth(Role.specialist)
    )
    assert issued.status_code == 200, issued.text
    # Sending needs a configured gateway; the send only queues the email, nothing is called.
    env.app.state.settings = env.settings.model_copy(
        update={"email_gateway_url": "http://127.0.0.1:9/send"}
    )
    try:
        sent = await env.client.post(
            f"/api/v1/letters/{letter.id}/send", headers=env.auth(Role.specialist)
        )
    finally:
        env.app.state.settings = env.settings
    assert sent.status_code == 200, sent.text
    [mail] = [e["email"] for e in await outbox(env, claim_id, "letter.sent")]
    assert mail["reply_to"] == f"claims+{number}@{env.settings.letter_reply_domain}"


async def test_reminders_to_key_customers_can_be_off(
    env: EventsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(env.settings, "reminder_key_customers", "off")
    waiting = datetime(2020, 5, 4, 9, tzinfo=UTC)
    _, claim_id, _ = await claim_waiting(
        env, ClaimState.awaiting_withdrawal, waiting, key_customer=True
    )
    for days in (7, 14, 20):
        await sweep(env, waiting + days * DAY)
    assert await reminder_mails(env, claim_id) == []
    assert await outbox(env, claim_id, "claim.reminder_sent") == []
    async with env.factory() as s:
        letters = (await s.execute(select(Letter).where(Letter.claim_id == claim_id))).all()
    assert letters == []
    assert await escalations(env, claim_id) == []
    # The head still hears of a customer who has not answered for as long as the
    # reminders would have taken (two reminders and the interval after the last).
    await sweep(env, waiting + 21 * DAY)
    [escalation] = await escalations(env, claim_id)
    assert escalation["deadline_kind"] == "customer_reply" and escalation["reminders_sent"] == 0
