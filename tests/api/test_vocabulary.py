"""One vocabulary in the API document: clean schema names, one cost-bearer enum, and each
error status documented with its own problem."""

from typing import Any

import httpx

from app.enums import CostBearer, Role
from tests.conftest import claim_payload


async def test_schema_names_are_clean_and_the_cost_bearer_is_one(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    names = schema["components"]["schemas"]
    generated = [n for n in names if "__" in n or n.startswith("Body_")]
    assert not generated, generated
    assert {"AddAttachmentForm", "ImportUnitsForm", "VerifyDocumentForm"} <= set(names)
    assert names["CostBearer"]["enum"] == [b.value for b in CostBearer]
    assert [n for n in names if "CostBearer" in n] == ["CostBearer"]
    cost_bearer = names["ClaimCostCreate"]["properties"]["cost_bearer"]
    assert {"$ref": "#/components/schemas/CostBearer"} in cost_bearer["anyOf"]


async def test_each_error_status_shows_its_own_problem(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    examples = schema["components"]["examples"]
    seen: dict[int, set[str]] = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if not code.isdigit() or int(code) < 400:
                    continue
                media: dict[str, Any] = response["content"]["application/problem+json"]
                [ref] = [e["$ref"] for e in media["examples"].values()]
                example = examples[ref.removeprefix("#/components/examples/")]["value"]
                assert example["status"] == int(code), f"{method} {path} {code}: {example}"
                seen.setdefault(int(code), set()).add(example["type"])
    for code in (401, 403, 404, 409, 412, 413, 415, 422, 428, 503):
        assert code in seen, code
        assert len(seen[code]) == 1, seen[code]
    types = [next(iter(t)) for t in seen.values()]
    assert len(set(types)) == len(types), "two statuses share an example"
    assert "errors" not in examples["Problem401"]["value"]
    assert examples["Problem422"]["value"]["errors"]


async def test_allowed_actions_are_the_same_in_the_registration_and_in_get(
    client: httpx.AsyncClient, auth: Any
) -> None:
    for role in (Role.specialist, Role.intake, Role.head):
        created = await client.post("/api/v1/claims", json=claim_payload(), headers=auth(role))
        assert created.status_code == 201, created.text
        number = created.json()["number"]
        fetched = await client.get(f"/api/v1/claims/{number}", headers=auth(role))
        assert created.json()["allowed_actions"] == fetched.json()["allowed_actions"], role
    assert created.json()["allowed_actions"], "the head may act on a new claim"
