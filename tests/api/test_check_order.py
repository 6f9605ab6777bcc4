"""The order of checks, on every operation that takes a body: authentication (401), then the
role (403), then the precondition (If-Match: 428 missing, 412 stale), then the body (422).
So a caller who fixes the body never meets a refusal that was there all along."""

from typing import Any

import httpx

from app.enums import Role
from tests.api.test_auth_first import (  # noqa: F401  (the fixture)
    EMAIL_WEBHOOK,
    PUBLIC_OPERATIONS,
    existing,
    fill,
)

# A JSON body no operation takes: every body here is an object (or a form).
INVALID = [["not", "an", "object"]]
# Operations an auditor (read-only) may call although they take a body.
AUDITOR_MAY = {("POST", "/api/v1/documents/verify")}  # checks a PDF; nothing is stored
STALE = '"987654"'


def body_operations(app: Any) -> list[tuple[str, str, dict[str, Any]]]:
    schema = app.openapi()
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
        and (method.upper(), path) not in PUBLIC_OPERATIONS
        and (method.upper(), path) != EMAIL_WEBHOOK
    ]


def takes_if_match(operation: dict[str, Any]) -> bool:
    return any(
        p["in"] == "header" and p["name"].lower() == "if-match"
        for p in operation.get("parameters", [])
    )


async def send(
    client: httpx.AsyncClient, method: str, url: str, operation: dict[str, Any], **headers: str
) -> httpx.Response:
    content = operation["requestBody"]["content"]
    if "application/json" in content:
        return await client.request(method, url, json=INVALID, headers=headers)
    # A form: one field nobody asked for, and none of those wanted.
    return await client.request(method, url, data={"nothing": "here"}, headers=headers)


async def test_authentication_comes_before_the_body(
    client: httpx.AsyncClient,
    app: Any,
    existing: dict[str, str],  # noqa: F811
) -> None:
    wrong = []
    for method, path, operation in body_operations(app):
        response = await send(client, method, fill(path, existing), operation)
        if response.status_code != 401:
            wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


async def test_the_role_comes_before_the_precondition_and_the_body(
    client: httpx.AsyncClient,
    app: Any,
    auth: Any,
    existing: dict[str, str],  # noqa: F811
) -> None:
    wrong = []
    for method, path, operation in body_operations(app):
        if (method, path) in AUDITOR_MAY:
            continue
        headers = auth(Role.auditor)
        for extra in ({}, {"If-Match": STALE}):
            response = await send(
                client, method, fill(path, existing), operation, **headers, **extra
            )
            if response.status_code != 403:
                wrong.append(f"{method} {path} {extra}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


async def test_the_precondition_comes_before_the_body(
    client: httpx.AsyncClient,
    app: Any,
    auth: Any,
    existing: dict[str, str],  # noqa: F811
) -> None:
    wrong = []
    checked = 0
    for method, path, operation in body_operations(app):
        if not takes_if_match(operation):
            continue
        url = fill(path, existing)
        stale = await send(client, method, url, operation, **auth("all"), **{"If-Match": STALE})
        checked += 1
        if stale.status_code != 412:
            wrong.append(f"{method} {path} stale: {stale.status_code} {stale.text[:120]}")
        required = [p for p in operation["parameters"] if p["name"].lower() == "if-match"]
        if required[0].get("required") or "428" in operation["responses"]:
            missing = await send(client, method, url, operation, **auth("all"))
            if missing.status_code != 428:
                wrong.append(f"{method} {path} missing: {missing.status_code}")
    assert not wrong, "\n".join(wrong)
    assert checked > 30
