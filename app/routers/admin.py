"""Administration: API keys."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from app.auth import api_keys
from app.deps import Admin, SessionDep, SettingsDep
from app.errors import problem_responses

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.post(
    "/api-keys",
    status_code=201,
    response_model=api_keys.ApiKeyCreated,
    summary="Create an API key",
    responses=problem_responses(401, 403, 422),
)
async def create_key(
    principal: Admin, data: api_keys.ApiKeyCreate, session: SessionDep, settings: SettingsDep
) -> api_keys.ApiKeyCreated:
    """The key is in the response once; only its hash is stored. The person's name, phone and
    email are printed in the letters of the claims the key owns."""
    return await api_keys.create_key(
        session,
        name=data.name,
        roles=data.roles,
        full_name=data.full_name,
        phone=api_keys.person_phone(data.phone, settings.phone_default_region),
        email=data.email,
        titles=data.titles,
        acting_for=data.acting_for,
    )


@router.get(
    "/api-keys",
    response_model=list[api_keys.ApiKeyRead],
    summary="List API keys",
    responses=problem_responses(401, 403),
)
async def list_keys(principal: Admin, session: SessionDep) -> list[api_keys.ApiKeyRead]:
    """Names, prefixes and roles; never the keys."""
    return await api_keys.list_keys(session)


@router.patch(
    "/api-keys/{key_id}",
    response_model=api_keys.ApiKeyRead,
    summary="Update the person behind an API key",
    responses=problem_responses(401, 403, 404, 422),
)
async def update_key(
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: Admin,
    data: api_keys.ApiKeyUpdate,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> api_keys.ApiKeyRead:
    """Full name, phone and email for the letters' executor line, titles per language for the
    signature, and whom a deputy acts for; `null` clears one."""
    return await api_keys.update_key(
        session,
        key_id=key_id,
        data=data,
        phone_region=settings.phone_default_region,
        cache=request.app.state.principal_cache,
    )


@router.delete(
    "/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key",
    responses=problem_responses(401, 403, 404),
)
async def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: Admin,
    session: SessionDep,
    request: Request,
) -> None:
    """The key stops working at once on this server, and within `CLAIMS_API_KEY_CACHE_SECONDS`
    (5 s by default) on the other replicas."""
    await api_keys.revoke_key(session, key_id=key_id, cache=request.app.state.principal_cache)
