"""API keys and roles: 401 without a key, 403 for a role that may not, keys stored hashed."""

import asyncio

import httpx
import pytest
from sqlalchemy import select

from app.auth.api_keys import PrincipalCache, create_key
from app.auth.keys import hash_key
from app.enums import Role
from app.main import create_app
from app.models.system import ApiKey
from tests.conftest import claim_payload

CLAIMS = "/api/v1/claims"

# Every protected endpoint, with the roles allowed to call it.
READ = set(Role)
ENDPOINTS = [
    ("GET", CLAIMS, READ),
    ("POST", CLAIMS, {Role.intake, Role.specialist, Role.head}),
    ("GET", "/api/v1/product-models", READ),
    ("POST", "/api/v1/product-models", {Role.admin}),
    ("GET", "/api/v1/units", READ),
    ("POST", "/api/v1/units", {Role.admin}),
    ("GET", "/api/v1/admin/api-keys", {Role.admin}),
]


@pytest.mark.parametrize(("method", "path", "_roles"), ENDPOINTS)
async def test_no_key_is_401_problem(client, method, path, _roles) -> None:
    response = await client.request(method, path, json={})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "X-API-Key" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "_roles"), ENDPOINTS)
async def test_unknown_key_is_401(client, method, path, _roles) -> None:
    response = await client.request(method, path, json={}, headers={"X-API-Key": "clm_nope_nope"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [(m, p, r) for m, p, allowed in ENDPOINTS for r in Role if r not in allowed],
)
async def test_wrong_role_is_403_naming_the_roles(client, auth, method, path, role) -> None:
    response = await client.request(method, path, json={}, headers=auth(role))
    assert response.status_code == 403
    assert response.json()["required_roles"]


@pytest.mark.parametrize("role", [Role.intake, Role.specialist, Role.head])
async def test_registrars_may_register(client, auth, role) -> None:
    response = await client.post(CLAIMS, json=claim_payload(), headers=auth(role))
    assert response.status_code == 201


@pytest.mark.parametrize("role", [Role.auditor, Role.admin])
async def test_readers_may_not_add_messages(client, auth, new_claim, role) -> None:
    number = (await new_claim())["number"]
    response = await client.post(
        f"{CLAIMS}/{number}/messages", headers=auth(role), json={"channel": "phone", "body": "x"}
    )
    assert response.status_code == 403


async def test_admin_creates_lists_and_revokes_keys(client, auth, db) -> None:
    created = await client.post(
        "/api/v1/admin/api-keys",
        headers=auth(Role.admin),
        json={"name": "crm", "roles": ["intake", "auditor"]},
    )
    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    [(stored,)] = await db(select(ApiKey).where(ApiKey.id == body["id"]))
    assert stored.key_hash == hash_key(key) and key not in stored.key_hash
    listed = await client.get("/api/v1/admin/api-keys", headers=auth(Role.admin))
    assert all("key" not in k for k in listed.json())
    assert (await client.get(CLAIMS, headers={"X-API-Key": key})).status_code == 200
    revoked = await client.delete(f"/api/v1/admin/api-keys/{body['id']}", headers=auth(Role.admin))
    assert revoked.status_code == 204
    assert (await client.get(CLAIMS, headers={"X-API-Key": key})).status_code == 401
    missing = await client.delete("/api/v1/admin/api-keys/999999", headers=auth(Role.admin))
    assert missing.status_code == 404


async def test_admin_key_with_unknown_role_is_422(client, auth) -> None:
    response = await client.post(
        "/api/v1/admin/api-keys",
        headers=auth(Role.admin),
        json={"name": "x", "roles": ["superuser"]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("body.roles")


async def test_health_and_docs_need_no_key(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    assert (await client.get("/docs")).status_code == 200
    schema = (await client.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"


async def test_request_id_is_returned_and_honoured(client) -> None:
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"


async def test_unknown_route_is_problem_404(client) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_key_revoked_on_another_server_stops_working_within_the_cache_time(
    client, auth, app, settings
) -> None:
    async with app.state.session_factory() as session:
        created = await create_key(session, name="replica-test", roles=[Role.auditor])
    replica = create_app(settings.model_copy(update={"api_key_cache_seconds": 0.5}))
    async with (
        replica.router.lifespan_context(replica),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=replica), base_url="http://r") as other,
    ):
        key = {"X-API-Key": created.key}
        assert (await other.get(CLAIMS, headers=key)).status_code == 200
        revoked = await client.delete(
            f"/api/v1/admin/api-keys/{created.id}", headers=auth(Role.admin)
        )
        assert revoked.status_code == 204
        # The server that revoked it refuses it at once; the replica still remembers it...
        assert (await client.get(CLAIMS, headers=key)).status_code == 401
        assert (await other.get(CLAIMS, headers=key)).status_code == 200
        await asyncio.sleep(0.6)
        # ...for at most CLAIMS_API_KEY_CACHE_SECONDS.
        assert (await other.get(CLAIMS, headers=key)).status_code == 401


def test_the_key_cache_is_bounded_and_can_be_turned_off() -> None:
    from app.auth.principal import Principal

    principal = Principal(key_id=1, name="x", roles=frozenset({Role.auditor}))
    off = PrincipalCache(0)
    off.put("h", principal)
    assert off.get("h") is None
    small = PrincipalCache(60, max_entries=2)
    for key_hash in ("a", "b", "c"):
        small.put(key_hash, principal)
    assert small.get("a") is None and small.get("b") == principal == small.get("c")
