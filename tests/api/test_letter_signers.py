"""Who signs a letter (the person who approved it, with their title; a deputy as acting) and
the executor line (the claim's owner) on every kind."""

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app import cli
from app.config import get_settings
from app.enums import Role
from app.letters.kinds import CLAIM_KINDS
from app.models.claims import Claim
from app.models.customers import Customer
from app.models.system import ApiKey
from tests.conftest import claim_payload, unique

CLAIMS, LETTERS, KEYS = "/api/v1/claims", "/api/v1/letters", "/api/v1/admin/api-keys"


async def make_key(client: httpx.AsyncClient, auth: Any, **body: Any) -> dict[str, Any]:
    """A key made through the admin API; `X-API-Key` headers for it under "headers"."""
    response = await client.post(
        KEYS, json={"name": unique("person"), **body}, headers=auth(Role.admin)
    )
    assert response.status_code == 201, response.text
    key = response.json()
    key["headers"] = {"X-API-Key": key["key"]}
    return key


async def claim_in(client: httpx.AsyncClient, auth: Any, language: str) -> str:
    tag = unique()
    response = await client.post(
        CLAIMS,
        json=claim_payload(
            customer={
                "name": "Jānis Bērziņš",
                "organisation": f"SIA Vējš {tag}",
                "email": f"{tag}@example.lv",
                "language": language,
            }
        ),
        headers=auth(Role.intake),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


async def submitted(client: httpx.AsyncClient, auth: Any, number: str) -> int:
    created = await client.post(
        f"{CLAIMS}/{number}/letters",
        json={"kind": "acknowledgement"},
        headers=auth(Role.specialist),
    )
    assert created.status_code == 201, created.text
    letter_id = int(created.json()["id"])
    response = await client.post(f"{LETTERS}/{letter_id}/submit", headers=auth(Role.specialist))
    assert response.status_code == 200, response.text
    return letter_id


async def approve_and_issue(
    client: httpx.AsyncClient, auth: Any, letter_id: int, approver: dict[str, str]
) -> dict[str, Any]:
    approved = await client.post(f"{LETTERS}/{letter_id}/approve", headers=approver)
    assert approved.status_code == 200, approved.text
    issued = await client.post(f"{LETTERS}/{letter_id}/issue", headers=auth(Role.specialist))
    assert issued.status_code == 200, issued.text
    body: dict[str, Any] = issued.json()
    html = await client.get(f"{LETTERS}/{letter_id}/html", headers=auth(Role.auditor))
    body["html"] = html.text
    return body


async def make_key_customer(app: Any, number: str) -> None:
    async with app.state.session_factory() as s:
        customer_id = (
            await s.execute(select(Claim.customer_id).where(Claim.number == number))
        ).scalar_one()
        await s.execute(
            update(Customer).where(Customer.id == customer_id).values(is_key_customer=True)
        )
        await s.commit()


@pytest.mark.parametrize(
    ("lang", "title"),
    [("ru", "Начальник отдела качества"), ("lv", "Kvalitātes daļas vadītāja"), ("en", None)],
)
async def test_the_approver_signs_with_their_name_and_title(
    client, auth, settings, lang: str, title: str | None
) -> None:
    head = await make_key(
        client,
        auth,
        roles=["head"],
        full_name="Olga Smirnova",
        titles={"ru": "Начальник отдела качества", "lv": "Kvalitātes daļas vadītāja"},
    )
    number = await claim_in(client, auth, lang)
    letter = await approve_and_issue(
        client, auth, await submitted(client, auth, number), head["headers"]
    )
    # No English title in the profile: the settings' title of the role, never another language's.
    expected = title or settings.letter_head_title["en"]
    assert (letter["signatory_name"], letter["signatory_title"]) == ("Olga Smirnova", expected)
    assert letter["approver_acting"] is False
    signature = letter["html"][letter["html"].index('class="signature"') :]
    assert "Olga Smirnova" in signature and expected in signature


async def test_an_empty_profile_falls_back_to_the_settings_names(client, auth, settings) -> None:
    number = await claim_in(client, auth, "lv")
    letter = await approve_and_issue(
        client, auth, await submitted(client, auth, number), auth(Role.head)
    )
    assert letter["signatory_name"] == settings.letter_head_name
    assert letter["signatory_title"] == settings.letter_head_title["lv"]


@pytest.mark.parametrize(
    ("lang", "head_title", "director_title"),
    [
        ("ru", "И. о. начальника отдела контроля качества", "И. о. директора"),
        ("lv", "Kvalitātes kontroles nodaļas vadītāja p.i.", "Direktora p.i."),
        ("en", "Acting Head of Quality Control Department", "Acting Director"),
    ],
)
async def test_an_acting_deputy_approves_and_signs_as_acting(
    app, client, auth, lang: str, head_title: str, director_title: str
) -> None:
    deputy = await make_key(
        client, auth, roles=["specialist"], full_name="Pēteris Kalns", acting_for="head"
    )
    assert deputy["acting_for"] == "head"
    number = await claim_in(client, auth, lang)
    letter_id = await submitted(client, auth, number)
    shown = await client.get(f"{LETTERS}/{letter_id}", headers=deputy["headers"])
    assert "approve" in shown.json()["allowed_actions"]
    letter = await approve_and_issue(client, auth, letter_id, deputy["headers"])
    assert (letter["approver_role"], letter["approver_acting"]) == ("head", True)
    assert (letter["signatory_name"], letter["signatory_title"]) == ("Pēteris Kalns", head_title)
    assert head_title in letter["html"] and "Pēteris Kalns" in letter["html"]

    # A key customer's letter needs the director: the head's deputy may not, the director's may.
    await make_key_customer(app, number)
    letter_id = await submitted(client, auth, number)
    refused = await client.post(f"{LETTERS}/{letter_id}/approve", headers=deputy["headers"])
    assert refused.status_code == 403
    for_director = await make_key(
        client, auth, roles=["specialist"], full_name="Inga Ozola", acting_for="director"
    )
    letter = await approve_and_issue(client, auth, letter_id, for_director["headers"])
    assert (letter["approver_role"], letter["approver_acting"]) == ("director", True)
    assert (letter["signatory_name"], letter["signatory_title"]) == ("Inga Ozola", director_title)


async def test_a_deputy_stands_in_for_approval_only(client, auth) -> None:
    deputy = await make_key(client, auth, roles=["auditor"], acting_for="head")
    number = await claim_in(client, auth, "lv")
    # Drafting is not approval: the deputy's own role (auditor) decides.
    drafted = await client.post(
        f"{CLAIMS}/{number}/letters", json={"kind": "closure"}, headers=deputy["headers"]
    )
    assert drafted.status_code == 403
    letter_id = await submitted(client, auth, number)
    rejected = await client.post(
        f"{LETTERS}/{letter_id}/reject", json={"comment": "Wrong date."}, headers=deputy["headers"]
    )
    assert rejected.status_code == 200, rejected.text
    issue = await client.post(f"{LETTERS}/{letter_id}/issue", headers=deputy["headers"])
    assert issue.status_code == 409  # back in draft: the state is checked first


async def test_titles_and_acting_are_checked_and_can_be_changed(client, auth) -> None:
    bad = await client.post(
        KEYS,
        json={"name": unique("k"), "roles": ["head"], "acting_for": "janitor"},
        headers=auth(Role.admin),
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.acting_for"]
    bad = await client.post(
        KEYS,
        json={"name": unique("k"), "roles": ["head"], "titles": {"Russian!": "Начальник"}},
        headers=auth(Role.admin),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("body.titles")

    key = await make_key(client, auth, roles=["specialist"])
    number = await claim_in(client, auth, "ru")
    letter_id = await submitted(client, auth, number)
    assert (
        await client.post(f"{LETTERS}/{letter_id}/approve", headers=key["headers"])
    ).status_code == 403
    changed = await client.patch(
        f"{KEYS}/{key['id']}",
        json={"acting_for": "head", "titles": {"ru": "Заместитель начальника"}},
        headers=auth(Role.admin),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["titles"] == {"ru": "Заместитель начальника"}
    # The change takes effect at once on this server (the remembered principal is dropped).
    assert (
        await client.post(f"{LETTERS}/{letter_id}/approve", headers=key["headers"])
    ).status_code == 200
    cleared = await client.patch(
        f"{KEYS}/{key['id']}", json={"acting_for": None, "titles": {}}, headers=auth(Role.admin)
    )
    assert (cleared.json()["acting_for"], cleared.json()["titles"]) == (None, None)


async def test_the_cli_sets_titles_and_acting(database_url, monkeypatch, capsys, db) -> None:
    monkeypatch.setenv("CLAIMS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    name = unique("cli")
    try:
        argv = ["create-api-key", "--role", "specialist", "--name", name]
        await asyncio.to_thread(
            cli.main,
            [
                *argv,
                "--title",
                "ru=И. о. начальника ОКК",
                "--title",
                "lv=Vadītāja p.i.",
                "--acting-for",
                "head",
            ],
        )
        with pytest.raises(SystemExit):
            await asyncio.to_thread(cli.main, [*argv, "--title", "no-equals-sign"])
        assert "--title takes LANG=TITLE" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    [(titles, acting)] = await db(
        select(ApiKey.titles, ApiKey.acting_for).where(ApiKey.name == name)
    )
    assert titles == {"ru": "И. о. начальника ОКК", "lv": "Vadītāja p.i."} and acting == "head"


async def test_the_owner_is_the_executor_on_every_kind(app, client, auth) -> None:
    owner = await make_key(
        client, auth, roles=["specialist"], full_name="Anna Petrova", phone="+371 2612 3456"
    )
    for lang in ("ru", "lv", "en"):
        number = await claim_in(client, auth, lang)
        async with app.state.session_factory() as s:
            await s.execute(update(Claim).where(Claim.number == number).values(owner=owner["name"]))
            await s.commit()
        for kind in CLAIM_KINDS:
            created = await client.post(
                f"{CLAIMS}/{number}/letters",
                json={"kind": kind.value},
                headers=auth(Role.specialist),
            )
            assert created.status_code == 201, created.text
            html = (
                await client.get(
                    f"{LETTERS}/{created.json()['id']}/preview.html", headers=auth(Role.auditor)
                )
            ).text
            footer = html[html.index('class="executor"') :].replace("\u00a0", " ")
            assert "Anna Petrova" in footer and "+371 26 123 456" in footer, (lang, kind)
