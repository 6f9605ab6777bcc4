"""The request body limit (CLAIMS_MAX_BODY_BYTES) holds for chunked bodies too: a body sent
without Content-Length is counted as it arrives and answers 413, never 422 "could not be
parsed", whichever parser the endpoint uses (JSON, multipart, the web form)."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.enums import Role
from tests.api.test_claim_correction import app_with
from tests.conftest import claim_payload

LIMIT = 64 * 1024


async def chunked(
    head: bytes, filler: bytes, total: int, tail: bytes = b""
) -> AsyncIterator[bytes]:
    """`head`, then `filler` repeated until `total` bytes, then `tail`: no Content-Length."""
    yield head
    sent = len(head)
    while sent < total:
        yield filler
        sent += len(filler)
    yield tail


def multipart(field: str, filename: str, content_type: str) -> tuple[bytes, bytes, str]:
    boundary = "limitboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail, f"multipart/form-data; boundary={boundary}"


def assert_413(response: Any) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413


async def test_a_chunked_json_body_over_the_limit_is_413(settings, auth) -> None:
    async with app_with(settings, max_body_bytes=LIMIT) as client:
        body = chunked(b'{"defect_description": "', b"x" * 4096, 2 * LIMIT, b'"}')
        response = await client.post(
            "/api/v1/claims",
            content=body,
            headers=auth(Role.intake, **{"Content-Type": "application/json"}),
        )
        assert "content-length" not in response.request.headers
        assert_413(response)


async def test_a_chunked_upload_over_the_limit_is_413(settings, auth, new_claim) -> None:
    number = (await new_claim())["number"]
    head, tail, ctype = multipart("file", "big.txt", "text/plain")
    async with app_with(settings, max_body_bytes=LIMIT) as client:
        response = await client.post(
            f"/api/v1/claims/{number}/attachments",
            content=chunked(head, b"y" * 4096, 2 * LIMIT, tail),
            headers=auth(Role.intake, **{"Content-Type": ctype}),
        )
        assert_413(response)


@pytest.mark.parametrize("path", ["/claim-form", "/claim-status"])
async def test_a_chunked_web_form_over_the_limit_is_413(settings, path) -> None:
    async with app_with(settings, max_body_bytes=LIMIT) as client:
        response = await client.post(
            path,
            content=chunked(b"description=", b"z" * 4096, 2 * LIMIT),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert_413(response)


async def test_a_chunked_body_under_the_limit_still_works(settings, auth) -> None:
    async with app_with(settings, max_body_bytes=LIMIT) as client:
        raw = json.dumps(claim_payload()).encode()

        async def body() -> AsyncIterator[bytes]:
            for i in range(0, len(raw), 50):
                yield raw[i : i + 50]

        response = await client.post(
            "/api/v1/claims",
            content=body(),
            headers=auth(Role.intake, **{"Content-Type": "application/json"}),
        )
        assert response.status_code == 201, response.text
