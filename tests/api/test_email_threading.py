"""Who may answer for the customer (issue 17, threading): mail from the company's own domains
is an internal note, mail from a stranger is filed for review, and a complaint on a closed
claim is flagged with the choice to reopen it or open a linked new claim."""

import base64
import uuid
from typing import Any

import pytest

from app.config import Settings
from app.enums import Action, Role
from tests.api.workflow_support import Flow

URL = "/api/v1/intake/email"
CLAIMS = "/api/v1/claims"


@pytest.fixture
def email(client, auth):
    """Deliver a gateway JSON email with the intake key (the default app: the company's
    domains are those of CLAIMS_EMAIL_FROM and the letters' addresses, example.com and
    claims.example.com)."""

    async def deliver(sender: str, number: str, **extra: Any) -> dict[str, Any]:
        doc = {
            "from": sender,
            "to": [f"claims+{number}@claims.example.com"],
            "subject": f"Re: [{number}]",
            "text": "Here is the information you asked for.",
            "message_id": f"<{uuid.uuid4().hex}@mail.example.net>",
            **extra,
        }
        r = await client.post(URL, json=doc, headers=auth(Role.intake))
        assert r.status_code == 201, r.text
        return r.json()

    return deliver


async def waiting_claim(client, auth, new_claim) -> tuple[Flow, dict[str, Any]]:
    claim = await new_claim()
    flow = Flow(client, auth, claim)
    assert (await flow.act(Action.request_info, Role.specialist))["state"] == (
        "awaiting_customer_info"
    )
    return flow, claim


async def listed(client, auth, number: str, **query: str) -> bool:
    r = await client.get(CLAIMS, params={"limit": 200, **query}, headers=auth(Role.specialist))
    assert r.status_code == 200, r.text
    return number in [c["number"] for c in r.json()["items"]]


@pytest.mark.parametrize("sender", ["design@example.com", "Konstruktors@Eng.Example.com"])
async def test_mail_from_the_companys_domains_is_an_internal_note(
    client, auth, new_claim, email, sender
):
    """The reproduction: the design department answered the memo sent with
    Reply-To: claims+CLM-…, and the claim left awaiting_customer_info."""
    flow, _ = await waiting_claim(client, auth, new_claim)
    result = await email(sender, flow.number)
    assert (result["status"], result["outcome"]) == ("processed", "internal")
    claim = await flow.read()
    assert claim["state"] == "awaiting_customer_info" and claim["version"] == flow.version
    note = claim["messages"][-1]
    assert (note["direction"], note["channel"], note["needs_review"]) == (
        "internal",
        "email",
        False,
    )


async def test_a_stranger_naming_the_claim_is_filed_for_review(client, auth, new_claim, email):
    """The reproduction: a sender unknown to the claim named someone else's claim number and
    resumed it as if the customer had answered."""
    flow, claim = await waiting_claim(client, auth, new_claim)
    assert not await listed(client, auth, flow.number, needs_review="true")
    result = await email("stranger@elsewhere.example", flow.number)
    assert (result["status"], result["outcome"]) == ("processed", "review")
    read = await flow.read()
    assert read["state"] == "awaiting_customer_info" and read["version"] == flow.version
    message = read["messages"][-1]
    assert message["direction"] == "inbound"
    assert (message["needs_review"], message["review_reason"]) == (True, "unknown_sender")
    assert await listed(client, auth, flow.number, needs_review="true")
    assert not await listed(client, auth, flow.number, needs_review="false")

    path = f"{CLAIMS}/{flow.number}/messages/{message['id']}/reviewed"
    assert (await client.post(path, headers=auth(Role.intake))).status_code == 403
    done = await client.post(path, headers=auth(Role.specialist))
    assert done.status_code == 200 and done.json()["needs_review"] is False, done.text
    assert (await client.post(path, headers=auth(Role.specialist))).status_code == 409
    assert not await listed(client, auth, flow.number, needs_review="true")
    read = await flow.read()
    assert read["state"] == "awaiting_customer_info"  # reviewing changes no state
    assert read["timeline"][-1]["action"] == "message_reviewed"

    # The customer's own answer still resumes the claim.
    result = await email(claim["contact"]["email"], flow.number)
    assert result["outcome"] == "threaded"
    assert (await flow.read())["state"] == "new"


async def test_a_stranger_answering_our_message_id_is_filed_for_review(
    client, auth, new_claim, email
):
    flow, _ = await waiting_claim(client, auth, new_claim)
    ours = f"request-{uuid.uuid4().hex}@claims.example.com"
    sent = await client.post(
        f"{CLAIMS}/{flow.number}/messages",
        json={"direction": "outbound", "channel": "email", "body": "Please send photos.",
              "external_message_id": f"<{ours}>"},
        headers=auth(Role.specialist),
    )  # fmt: skip
    assert sent.status_code == 201 and sent.json()["external_message_id"] == ours
    result = await email(
        "forwarded@elsewhere.example",
        "no number",
        to=["claims@claims.example.com"],
        subject="Re: photos",
        in_reply_to=f"<{ours}>",
    )
    assert (result["outcome"], result["claim_number"]) == ("review", flow.number)
    assert (await flow.read())["state"] == "awaiting_customer_info"


async def test_a_complaint_on_a_closed_claim_can_open_a_linked_new_claim(
    client, auth, new_claim, email
):
    claim = await new_claim()
    flow = Flow(client, auth, claim)
    await flow.act(Action.close, Role.specialist)
    photo = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 32).decode()
    result = await email(
        claim["contact"]["email"],
        flow.number,
        subject=f"[{flow.number}] The pump stopped again",
        text="The pump stopped again after the repair.",
        attachments=[{"filename": "again.png", "content_type": "image/png",
                      "content_base64": photo}],
    )  # fmt: skip
    assert result["outcome"] == "review"
    read = await flow.read()
    assert read["state"] == "closed"
    message = read["messages"][-1]
    assert (message["needs_review"], message["review_reason"]) == (True, "closed_claim")
    assert await listed(client, auth, flow.number, needs_review="true")

    path = f"{CLAIMS}/{flow.number}/messages/{message['id']}/new-claim"
    assert (await client.post(path, headers=auth(Role.intake))).status_code == 403
    r = await client.post(path, headers=auth(Role.specialist))
    assert r.status_code == 201, r.text
    new = r.json()
    assert r.headers["location"] == f"{CLAIMS}/{new['number']}"
    assert new["number"] != flow.number and new["state"] == "new" and new["channel"] == "email"
    assert new["customer"]["id"] == read["customer"]["id"]
    assert new["contact"]["id"] == read["contact"]["id"]
    assert new["serial_number"] == read["serial_number"]
    assert new["defect_description"] == "The pump stopped again after the repair."
    assert [a["filename"] for a in new["attachments"]] == ["again.png"]
    assert new["timeline"][-1]["action"] == "opened_as_follow_up"
    assert new["timeline"][-1]["payload"]["follows"] == flow.number
    old = await flow.read()
    assert old["state"] == "closed" and old["messages"][-1]["needs_review"] is False
    assert old["timeline"][-1]["action"] == "follow_up_opened"
    assert old["timeline"][-1]["payload"]["number"] == new["number"]
    assert not await listed(client, auth, flow.number, needs_review="true")
    again = await client.post(path, headers=auth(Role.specialist))
    assert again.status_code == 409  # never two claims from one message


async def test_a_complaint_on_a_closed_claim_can_reopen_it(client, auth, new_claim, email):
    claim = await new_claim()
    flow = Flow(client, auth, claim)
    await flow.act(Action.close, Role.specialist)
    result = await email(claim["contact"]["email"], flow.number, text="It leaks again.")
    assert result["outcome"] == "review"
    assert (await flow.act(Action.reopen, Role.head))["state"] == "new"
    read = await flow.read()
    [message] = [m for m in read["messages"] if m["body"] == "It leaks again."]
    done = await client.post(
        f"{CLAIMS}/{flow.number}/messages/{message['id']}/reviewed", headers=auth(Role.head)
    )
    assert done.status_code == 200, done.text


async def test_a_new_claim_only_from_a_message_on_a_closed_claim(client, auth, new_claim, email):
    flow, claim = await waiting_claim(client, auth, new_claim)
    await email("stranger@elsewhere.example", flow.number)
    message = (await flow.read())["messages"][-1]
    r = await client.post(
        f"{CLAIMS}/{flow.number}/messages/{message['id']}/new-claim",
        headers=auth(Role.specialist),
    )
    assert r.status_code == 409 and r.json()["state"] == "awaiting_customer_info"
    other = await new_claim()
    wrong = await client.post(
        f"{CLAIMS}/{other['number']}/messages/{message['id']}/reviewed",
        headers=auth(Role.specialist),
    )
    assert wrong.status_code == 404  # the message is another claim's


def test_company_domains_default_to_the_service_addresses_or_the_setting():
    defaults = Settings(
        email_from="claims@factory.example",
        letter_from_address="Quality <quality@mail.factory.example>",
        letter_reply_domain="reply.factory.example",
    )
    assert defaults.company_domains == {
        "factory.example",
        "mail.factory.example",
        "reply.factory.example",
    }
    assert Settings(company_email_domains="Factory.example, @group.example").company_domains == {
        "factory.example",
        "group.example",
    }
