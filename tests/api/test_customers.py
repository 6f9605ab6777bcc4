"""/api/v1/customers through the real app on the real database: records, search, edits with
If-Match, roles, the audit trail, merges, and a key customer's letters."""

import random
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.enums import Role
from app.models.system import OutboxEvent
from tests.conftest import claim_payload

CUSTOMERS = "/api/v1/customers"
LETTERS = "/api/v1/letters"
NOT_EDITORS = [Role.intake, Role.director, Role.design, Role.service, Role.auditor, Role.admin]


def tag() -> str:
    return uuid.uuid4().hex[:10]


def digits(n: int) -> str:
    return "".join(random.choice("0123456789") for _ in range(n))


def lv_mobile() -> tuple[str, str, str]:
    """One Latvian mobile number in two notations, and its E.164 form."""
    number = "29" + digits(6)  # 29…: always a valid mobile (230… is not)
    return f"+371 {number[:4]} {number[4:]}", f"00371 {number}", f"+371{number}"


def latvian(t: str, **overrides: Any) -> dict[str, Any]:
    reg = "4" + digits(10)
    phone, _, _ = lv_mobile()
    payload: dict[str, Any] = {
        "kind": "organisation",
        "name": f"SIA «Siltums» {t}",
        "short_name": f"Siltums {t}",
        "registration_number": reg,
        "vat_number": f"LV{reg}",
        "address": {
            "street": "Brīvības iela 100-5",
            "city": "Rīga",
            "postcode": "LV-1010",
            "country": "LV",
        },
        "language": "lv",
        "contacts": [
            {
                "given_name": "Jānis",
                "surname": "Ozoliņš",
                "position": "Galvenais inženieris",
                "gender": "male",
                "email": f"Janis.{t}@Siltums.example.lv",
                "phone": phone,
            }
        ],
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def api(client: httpx.AsyncClient, auth: Any) -> Any:
    class Api:
        async def create(self, payload: dict[str, Any], role: Any = Role.specialist):
            return await client.post(CUSTOMERS, json=payload, headers=auth(role))

        async def created(self, payload: dict[str, Any], role: Any = Role.specialist) -> dict:
            response = await self.create(payload, role)
            assert response.status_code == 201, response.text
            return response.json()

        async def get(self, path: str = "", role: Any = Role.auditor, **params: Any):
            return await client.get(f"{CUSTOMERS}{path}", params=params, headers=auth(role))

        async def patch(self, customer: dict, body: dict, role: Any = Role.specialist, **hdr: str):
            headers = auth(role, **({"If-Match": f'"{customer["version"]}"'} | hdr))
            return await client.patch(f"{CUSTOMERS}/{customer['id']}", json=body, headers=headers)

        async def post(self, customer: dict, path: str, body: dict, role: Any = Role.specialist):
            headers = auth(role, **{"If-Match": f'"{customer["version"]}"'})
            return await client.post(
                f"{CUSTOMERS}/{customer['id']}{path}", json=body, headers=headers
            )

        async def patch_contact(
            self, customer: dict, contact_id: int, body: dict, role: Any = Role.specialist
        ):
            headers = auth(role, **{"If-Match": f'"{customer["version"]}"'})
            return await client.patch(
                f"{CUSTOMERS}/{customer['id']}/contacts/{contact_id}", json=body, headers=headers
            )

        async def history(self, customer_id: int) -> list[dict]:
            response = await self.get(f"/{customer_id}/history")
            assert response.status_code == 200, response.text
            return response.json()

        async def search(self, q: str, **params: Any) -> list[int]:
            response = await self.get(q=q, **params)
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["items"]]

    return Api()


def problem_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


async def test_create_and_read_a_latvian_organisation(api) -> None:
    t = tag()
    payload = latvian(t)
    response = await api.create(payload)
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    body = response.json()
    assert response.headers["Location"] == f"{CUSTOMERS}/{body['id']}"
    assert body["name"] == f"SIA «Siltums» {t}" and body["kind"] == "organisation"
    assert body["vat_number"] == payload["vat_number"]
    assert body["address"] == payload["address"]
    assert body["version"] == 1 and body["merged_into_id"] is None
    assert body["is_key_customer"] is False
    assert body["claims"] == [] and body["claims_total"] == 0
    [contact] = body["contacts"]
    assert contact["name"] == "Jānis Ozoliņš"
    assert contact["email"] == f"janis.{t}@siltums.example.lv"
    assert contact["phone"] == "+" + "".join(
        ch for ch in payload["contacts"][0]["phone"] if ch.isdigit()
    )

    read = await api.get(f"/{body['id']}")
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    assert read.json() == body


async def test_a_russian_organisation_and_a_private_person(api) -> None:
    t = tag()
    inn = "77" + digits(8)
    body = await api.created(
        {
            "kind": "organisation",
            "name": f"ООО «Теплосеть» {t}",
            "registration_number": inn,
            "language": "ru",
            "contacts": [
                {
                    "given_name": "Иван",
                    "patronymic": "Сергеевич",
                    "surname": "Петров",
                    "gender": "male",
                    "phone": "+7 912 000-00-00",
                }
            ],
        },
        role=Role.head,
    )
    assert body["registration_number"] == inn and body["language"] == "ru"
    assert body["contacts"][0]["name"] == "Иван Сергеевич Петров"
    assert body["contacts"][0]["phone"] == "+79120000000"
    assert body["address"] == {"street": None, "city": None, "postcode": None, "country": None}

    person = await api.created({"kind": "person", "name": f"Anna Bērziņa {t}"})
    assert person["kind"] == "person" and person["contacts"] == []
    assert person["language"] == "en"  # CLAIMS_DEFAULT_LANGUAGE


async def test_search_by_name_part_numbers_email_and_phone(api) -> None:
    t = tag()
    phone, other_notation, _ = lv_mobile()
    payload = latvian(t)
    payload["contacts"][0]["phone"] = phone
    siltums = (await api.created(payload))["id"]
    teploset = (
        await api.created(
            {"kind": "organisation", "name": f"ООО «Теплосеть» {t}", "language": "ru"}
        )
    )["id"]

    assert await api.search(f"SILTUMS {t}") == [siltums]
    assert await api.search(f'"Siltums" {t}') == [siltums]
    assert set(await api.search(t)) == {siltums, teploset}
    assert await api.search(f"теплосеть {t}") == [teploset]
    assert await api.search(payload["registration_number"]) == [siltums]
    vat = payload["vat_number"]
    assert await api.search(f"{vat[:2].lower()} {vat[2:]}") == [siltums]
    assert await api.search(f"JANIS.{t}@siltums.example.lv") == [siltums]
    assert await api.search(other_notation) == [siltums]
    assert await api.search(f"nobody {t}") == []
    assert await api.search(t, kind="person") == []


async def test_pages_follow_the_cursor_in_name_order(api) -> None:
    t = tag()
    ids = [
        (await api.created({"kind": "organisation", "name": f"{letter} {t}"}))["id"]
        for letter in ("Charlie", "alpha", "Bravo")
    ]
    first = await api.get(q=t, limit=2)
    assert first.status_code == 200
    page = first.json()
    assert [item["name"] for item in page["items"]] == [f"alpha {t}", f"Bravo {t}"]
    assert page["items"][0]["contacts"] == []
    second = (await api.get(q=t, limit=2, cursor=page["next_cursor"])).json()
    assert [item["id"] for item in second["items"]] == [ids[0]]
    assert second["next_cursor"] is None

    assert "query.cursor" in problem_fields(await api.get(q=t, cursor="not-a-cursor"))


async def test_list_loads_contacts_for_a_page_in_one_query(api, count_statements) -> None:
    t = tag()
    for _ in range(3):
        await api.created(latvian(t))
    with count_statements() as counter:
        response = await api.get(q=t)
    assert response.status_code == 200 and len(response.json()["items"]) == 3
    assert all(len(item["contacts"]) == 1 for item in response.json()["items"])
    # The key (cached after the first request, else one SELECT), the page, its contacts.
    assert counter.count <= 3, counter.statements


async def test_patch_needs_if_match(api, auth, client) -> None:
    customer = await api.created(latvian(tag()))
    url = f"{CUSTOMERS}/{customer['id']}"

    missing = await client.patch(url, json={"notes": "x"}, headers=auth(Role.specialist))
    assert missing.status_code == 428
    assert "customer's ETag" in missing.json()["detail"]
    stale = await api.patch(customer, {"notes": "x"}, **{"If-Match": '"7"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == 1
    for nonsense in ('"v1"', '"' + "9" * 5000 + '"'):
        assert (
            await api.patch(customer, {"notes": "x"}, **{"If-Match": nonsense})
        ).status_code == 412

    changed = await api.patch(
        customer,
        {"short_name": "Siltums Serviss", "address": {"city": "Jūrmala"}, "notes": "Pays late"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    body = changed.json()
    assert body["version"] == 2 and body["short_name"] == "Siltums Serviss"
    assert (
        body["address"]["city"] == "Jūrmala"
        and body["address"]["street"] == customer["address"]["street"]
    )
    assert body["updated_at"] > customer["updated_at"]

    # Nothing changes: the version stays and no event is written.
    same = await api.patch(body, {"short_name": "Siltums Serviss", "address": {"city": "Jūrmala"}})
    assert same.status_code == 200 and same.headers["ETag"] == '"2"'
    assert [e["action"] for e in await api.history(customer["id"])] == [
        "created",
        "contact_added",
        "updated",
    ]

    cleared = await api.patch(body, {"notes": None, "address": None})
    assert cleared.status_code == 200
    assert cleared.json()["notes"] is None
    assert set(cleared.json()["address"].values()) == {None}
    assert problem_fields(await api.patch(cleared.json(), {"name": None})) == ["body.name"]


async def test_bad_input_is_422_naming_the_field(api) -> None:
    def with_contact(**fields: Any) -> dict[str, Any]:
        return latvian(tag(), contacts=[{"name": "Jānis Ozoliņš", **fields}])

    cases = [
        (latvian(tag(), address={"country": "Latvia"}), "body.address.country"),
        (latvian(tag(), language="Latvian"), "body.language"),
        (latvian(tag(), kind="company"), "body.kind"),
        (latvian(tag(), name="   "), "body.name"),
        (latvian(tag(), registration_number="40003#12345"), "body.registration_number"),
        (with_contact(email="janis@"), "body.contacts.0.email"),
        (with_contact(phone="12"), "body.contacts.0.phone"),
        (with_contact(gender="unknown"), "body.contacts.0.gender"),
        (latvian(tag(), contacts=[{"position": "CEO"}]), "body.contacts.0.name"),
    ]
    for payload, field in cases:
        assert field in problem_fields(await api.create(payload)), field

    customer = await api.created(latvian(tag()))
    assert problem_fields(await api.patch(customer, {"language": "LV"})) == ["body.language"]
    assert problem_fields(
        await api.post(customer, "/contacts", {"name": "X", "phone": "+371 1"})
    ) == ["body.phone"]
    assert (await api.get(f"/{customer['id']}")).json()["version"] == 1  # nothing written


async def test_unknown_is_404_and_no_key_is_401(api, client, auth) -> None:
    unknown = {"id": 2_000_000_000, "version": 1}
    assert (await api.get(f"/{unknown['id']}")).status_code == 404
    assert (await api.get(f"/{unknown['id']}/history")).status_code == 404
    assert (await api.patch(unknown, {"notes": "x"})).status_code == 404
    assert (await api.post(unknown, "/contacts", {"name": "X"})).status_code == 404
    customer = await api.created(latvian(tag()))
    assert (await api.post(customer, "/merge", {"duplicate_id": unknown["id"]})).status_code == 404
    assert (
        await api.patch_contact(customer, 2_000_000_000, {"position": "CEO"})
    ).status_code == 404
    # A contact of another customer is not this one's.
    other = await api.created(latvian(tag()))
    other_contact = other["contacts"][0]["id"]
    assert (
        await api.patch_contact(customer, other_contact, {"position": "CEO"})
    ).status_code == 404

    for call in (
        client.get(CUSTOMERS),
        client.get(f"{CUSTOMERS}/{customer['id']}"),
        client.post(CUSTOMERS, json=latvian(tag())),
    ):
        response = await call
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", NOT_EDITORS)
async def test_roles_that_may_not_edit_get_403(api, role) -> None:
    denied = await api.create(latvian(tag()), role=role)
    assert denied.status_code == 403
    assert set(denied.json()["required_roles"]) == {"specialist", "head"}

    customer = await api.created(latvian(tag()))
    duplicate = await api.created(latvian(tag()))
    assert (
        await api.post(customer, "/merge", {"duplicate_id": duplicate["id"]}, role)
    ).status_code == 403
    assert (await api.post(customer, "/contacts", {"name": "X"}, role)).status_code == 403
    patched = await api.patch(customer, {"notes": "x"}, role)
    assert patched.status_code == 403
    # The director may send a PATCH, for the key flag alone (test_only_head_and_director_...).
    editors = (
        {"specialist", "head"} if role == Role.director else {"specialist", "head", "director"}
    )
    assert set(patched.json()["required_roles"]) == editors
    contact_id = customer["contacts"][0]["id"]
    assert (
        await api.patch_contact(customer, contact_id, {"position": "x"}, role)
    ).status_code == 403

    # Everyone reads.
    assert (await api.get(f"/{customer['id']}", role=role)).status_code == 200
    assert (await api.get(role=role, q=customer["name"])).status_code == 200
    assert (await api.get(f"/{customer['id']}/history", role=role)).status_code == 200
    after = (await api.get(f"/{customer['id']}")).json()
    assert after["version"] == 1 and after["notes"] is None


async def test_only_head_and_director_set_the_key_flag(api) -> None:
    refused = await api.create(latvian(tag(), is_key_customer=True))
    assert refused.status_code == 403
    assert refused.json()["required_roles"] == ["director", "head"]
    assert refused.json()["fields"] == ["is_key_customer"]
    # Created as an ordinary customer, the flag's default is no obstacle.
    customer = await api.created(latvian(tag(), is_key_customer=False))

    for value in (True, False):  # sending it at all is refused, even the stored value
        response = await api.patch(customer, {"is_key_customer": value})
        assert response.status_code == 403 and "head" in response.json()["detail"]

    director = await api.patch(customer, {"is_key_customer": True}, Role.director)
    assert director.status_code == 200 and director.json()["is_key_customer"] is True
    customer = director.json()
    mixed = await api.patch(customer, {"is_key_customer": False, "notes": "x"}, Role.director)
    assert mixed.status_code == 403 and mixed.json()["fields"] == ["notes"]
    head = await api.patch(customer, {"is_key_customer": False, "notes": "x"}, Role.head)
    assert head.status_code == 200 and head.json()["is_key_customer"] is False

    key = await api.created(latvian(tag(), is_key_customer=True), role=Role.head)
    assert key["is_key_customer"] is True
    assert tuple(await api.search(key["name"], key_customer="true")) == (key["id"],)


async def test_every_change_is_audited_with_before_and_after(api) -> None:
    t = tag()
    customer = await api.created(latvian(t))
    changed = (
        await api.patch(
            customer, {"name": f"SIA Siltums Serviss {t}", "is_key_customer": True}, Role.head
        )
    ).json()
    phone, _, e164 = lv_mobile()
    added = await api.post(changed, "/contacts", {"surname": "Liepa", "phone": phone})
    assert added.status_code == 201 and added.headers["ETag"] == '"3"'
    new_contact = added.json()["contacts"][-1]
    assert new_contact["name"] == "Liepa" and new_contact["phone"] == e164
    updated = await api.patch_contact(
        added.json(),
        new_contact["id"],
        {"given_name": "Ilze", "gender": "female", "email": "ILZE@Siltums.example.lv"},
    )
    assert updated.status_code == 200 and updated.headers["ETag"] == '"4"'
    contact = updated.json()["contacts"][-1]
    assert contact["name"] == "Ilze Liepa" and contact["email"] == "ilze@siltums.example.lv"

    events = await api.history(customer["id"])
    assert [e["action"] for e in events] == [
        "created",
        "contact_added",
        "updated",
        "contact_added",
        "contact_updated",
    ]
    created = events[0]
    assert created["actor"] == "test-specialist"
    assert created["payload"]["changes"]["name"] == {"before": None, "after": f"SIA «Siltums» {t}"}
    assert created["payload"]["changes"]["address.city"] == {"before": None, "after": "Rīga"}
    assert events[1]["payload"]["contact_id"] == customer["contacts"][0]["id"]
    assert events[2]["actor"] == "test-head"
    assert events[2]["payload"] == {
        "changes": {
            "name": {"before": f"SIA «Siltums» {t}", "after": f"SIA Siltums Serviss {t}"},
            "is_key_customer": {"before": False, "after": True},
        }
    }
    assert events[4]["payload"] == {
        "contact_id": new_contact["id"],
        "changes": {
            "name": {"before": "Liepa", "after": "Ilze Liepa"},
            "given_name": {"before": None, "after": "Ilze"},
            "gender": {"before": None, "after": "female"},
            "email": {"before": None, "after": "ilze@siltums.example.lv"},
        },
    }


async def test_merge_moves_claims_and_contacts_and_is_audited(
    api, client, auth, new_claim, db
) -> None:
    t = tag()
    target = await api.created(
        latvian(t, registration_number=None, vat_number=None, address=None, contacts=[])
    )
    duplicate = await api.created(latvian(t, name=f"Siltums {t}", short_name=None))
    email = duplicate["contacts"][0]["email"]
    claim = await new_claim(customer={"name": "Jānis Ozoliņš", "email": email, "language": "lv"})
    assert claim["customer"]["id"] == duplicate["id"]
    assert claim["contact"]["id"] == duplicate["contacts"][0]["id"]

    assert (await api.post(target, "/merge", {"duplicate_id": target["id"]})).status_code == 409
    stale = await api.post({**target, "version": 9}, "/merge", {"duplicate_id": duplicate["id"]})
    assert stale.status_code == 412

    merged = await api.post(target, "/merge", {"duplicate_id": duplicate["id"]})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert merged.headers["ETag"] == '"2"'
    assert [c["id"] for c in body["contacts"]] == [duplicate["contacts"][0]["id"]]
    assert [c["number"] for c in body["claims"]] == [claim["number"]] and body["claims_total"] == 1
    # The target's blanks are filled; what it had stays.
    assert body["registration_number"] == duplicate["registration_number"]
    assert body["address"] == duplicate["address"]
    assert body["name"] == target["name"] and body["short_name"] == target["short_name"]

    moved = (
        await client.get(f"/api/v1/claims/{claim['number']}", headers=auth(Role.auditor))
    ).json()
    assert moved["customer"]["id"] == target["id"]
    assert moved["contact"]["id"] == duplicate["contacts"][0]["id"]
    assert moved["version"] == claim["version"]
    assert any(
        e["action"] == "customer_merged" and e["payload"]["to_customer_id"] == target["id"]
        for e in moved["timeline"]
    )
    listed = await client.get(
        "/api/v1/claims", params={"customer_id": target["id"]}, headers=auth(Role.auditor)
    )
    assert [c["number"] for c in listed.json()["items"]] == [claim["number"]]

    gone = (await api.get(f"/{duplicate['id']}")).json()
    assert gone["merged_into_id"] == target["id"] and gone["version"] == 2
    assert gone["contacts"] == [] and gone["claims_total"] == 0

    [merge_event] = [e for e in await api.history(target["id"]) if e["action"] == "merge"]
    assert merge_event["payload"]["duplicate_id"] == duplicate["id"]
    assert merge_event["payload"]["claims"] == [claim["number"]]
    assert merge_event["payload"]["contacts"] == [duplicate["contacts"][0]["id"]]
    assert merge_event["payload"]["changes"]["registration_number"] == {
        "before": None,
        "after": duplicate["registration_number"],
    }
    last = (await api.history(duplicate["id"]))[-1]
    assert last["action"] == "merged_into"
    assert last["payload"]["changes"] == {"merged_into_id": {"before": None, "after": target["id"]}}

    [outbox] = await db(
        select(OutboxEvent.payload).where(
            OutboxEvent.type == "customer.merged",
            OutboxEvent.payload["id"].as_integer() == target["id"],
        )
    )
    assert outbox.payload["duplicate_id"] == duplicate["id"]

    # The duplicate is out of the listing unless asked for, and out of the workflow.
    assert await api.search(f"Siltums {t}") == [target["id"]]
    assert set(await api.search(f"Siltums {t}", include_merged="true")) == {
        target["id"],
        duplicate["id"],
    }
    assert (await api.post(body, "/merge", {"duplicate_id": duplicate["id"]})).status_code == 409
    assert (await api.post(gone, "/merge", {"duplicate_id": target["id"]})).status_code == 409
    refused = await api.patch(gone, {"notes": "x"})
    assert refused.status_code == 409 and refused.json()["merged_into_id"] == target["id"]

    # A later claim from the same contact comes to the surviving customer.
    again = await new_claim(customer={"name": "Jānis Ozoliņš", "email": email, "language": "lv"})
    assert again["customer"]["id"] == target["id"]


async def test_a_merge_that_makes_a_key_customer_takes_a_head(api) -> None:
    t = tag()
    target = await api.created(latvian(t))
    duplicate = await api.created(latvian(t, is_key_customer=True), role=Role.head)
    refused = await api.post(target, "/merge", {"duplicate_id": duplicate["id"]})
    assert refused.status_code == 403 and refused.json()["required_roles"] == ["head"]
    merged = await api.post(target, "/merge", {"duplicate_id": duplicate["id"]}, Role.head)
    assert merged.status_code == 200 and merged.json()["is_key_customer"] is True
    assert len(merged.json()["contacts"]) == 2


async def test_a_key_customer_made_through_the_api_needs_the_director_on_letters(
    api, client, auth
) -> None:
    """The issue's done-when: no database access, the API alone."""
    t = tag()
    customer = await api.created(latvian(t))
    email = customer["contacts"][0]["email"]

    registered = await client.post(
        "/api/v1/claims",
        json=claim_payload(
            channel="web",
            customer={"name": "Jānis Ozoliņš", "email": email.upper(), "language": "lv"},
        ),
        headers=auth(Role.intake),
    )
    assert registered.status_code == 201, registered.text
    claim = registered.json()
    assert claim["customer"]["id"] == customer["id"]
    assert claim["contact"]["id"] == customer["contacts"][0]["id"]
    assert claim["customer"]["is_key_customer"] is False

    marked = await api.patch(customer, {"is_key_customer": True}, Role.head)
    assert marked.status_code == 200 and marked.json()["is_key_customer"] is True

    drafted = await client.post(
        f"/api/v1/claims/{claim['number']}/letters",
        json={"kind": "acknowledgement"},
        headers=auth(Role.specialist),
    )
    assert drafted.status_code == 201, drafted.text
    letter_id = drafted.json()["id"]
    assert drafted.json()["approver_roles"] == ["director"]

    async def act(action: str, role: Role) -> httpx.Response:
        return await client.post(f"{LETTERS}/{letter_id}/{action}", headers=auth(role))

    assert (await act("submit", Role.specialist)).status_code == 200
    head = await act("approve", Role.head)
    assert head.status_code == 403 and "director" in head.json()["detail"]
    director = await act("approve", Role.director)
    assert director.status_code == 200, director.text
    assert director.json()["approver_role"] == "director"


async def test_a_renamed_organisation_is_matched_by_its_new_name(api, client, auth) -> None:
    customer = await api.created(latvian(tag()))
    renamed = f"SIA Jaunais Vārds {tag()}"
    response = await api.patch(customer, {"name": renamed}, Role.head)
    assert response.status_code == 200, response.text
    payload = claim_payload(
        customer={"name": "Anna Ozola", "organisation": renamed.upper(), "email": f"{tag()}@x.lv"}
    )
    claim = await client.post("/api/v1/claims", json=payload, headers=auth(Role.intake))
    assert claim.status_code == 201, claim.text
    assert claim.json()["customer"]["id"] == customer["id"]
    assert (await api.search(renamed.lower())) == [customer["id"]]


async def test_the_key_flag_moves_the_due_dates_of_claims_not_yet_acknowledged(
    app, settings, auth
) -> None:
    from sqlalchemy import update

    from app.models.claims import Claim
    from tests.api.test_claim_correction import MONDAY, app_with

    organisation, email = f"SIA Atslēga {tag()}", f"{tag()}@atslega.lv"
    person = {"name": "Pēteris Kalns", "organisation": organisation, "email": email}
    async with app_with(settings, key_customer_ack_due_working_days=1) as other:

        async def register() -> dict[str, Any]:
            payload = claim_payload(customer=person, received_at=MONDAY)
            response = await other.post("/api/v1/claims", json=payload, headers=auth(Role.intake))
            assert response.status_code == 201, response.text
            return response.json()

        async def read(number: str) -> dict[str, Any]:
            response = await other.get(f"/api/v1/claims/{number}", headers=auth(Role.auditor))
            return response.json()

        open_claim, acked = await register(), await register()
        assert open_claim["deadlines"]["ack_due_date"] == "2026-03-05"
        async with app.state.session_factory() as s:
            await s.execute(
                update(Claim)
                .where(Claim.number == acked["number"])
                .values(acknowledged_at=Claim.received_at)
            )
            await s.commit()
        customer_id = open_claim["customer"]["id"]
        current = (await other.get(f"{CUSTOMERS}/{customer_id}", headers=auth(Role.head))).json()
        marked = await other.patch(
            f"{CUSTOMERS}/{customer_id}",
            json={"is_key_customer": True},
            headers=auth(Role.head, **{"If-Match": f'"{current["version"]}"'}),
        )
        assert marked.status_code == 200, marked.text

        moved = await read(open_claim["number"])
        assert moved["deadlines"]["ack_due_date"] == "2026-03-03"
        assert moved["timeline"][-1]["action"] == "deadline_changed"
        assert moved["timeline"][-1]["payload"]["ack_due_date"] == {
            "before": "2026-03-05",
            "after": "2026-03-03",
        }
        assert (await read(acked["number"]))["deadlines"]["ack_due_date"] == "2026-03-05"
        history = (
            await other.get(f"{CUSTOMERS}/{customer_id}/history", headers=auth(Role.auditor))
        ).json()
        assert history[-1]["payload"]["claims_ack_due_date"] == {
            open_claim["number"]: {"before": "2026-03-05", "after": "2026-03-03"}
        }
