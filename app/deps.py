"""Dependencies shared by the routers: session, settings, the calling principal, the claim."""

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth import api_keys
from app.auth.principal import Principal
from app.claims.reading import check_fresh, get_claim
from app.config import Settings
from app.enums import Role
from app.errors import Forbidden, PreconditionFailed, PreconditionRequired, Unauthorized
from app.events.outbound import OutboundPolicy
from app.models.claims import Claim

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="An API key from `claims create-api-key --role R --name N`.",
)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    # Services commit; this only closes (and so rolls back anything left uncommitted).
    async with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    # For routes that only read: no transaction on PostgreSQL (app/db.py).
    async with request.app.state.read_session_factory() as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]


async def app_settings(request: Request) -> Settings:
    # The app's own settings (create_app may be given non-default ones, as the tests do).
    # async: FastAPI runs a plain `def` dependency in the thread pool, a hand-off per request.
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


async def outbound_policy(request: Request) -> OutboundPolicy:
    """Where webhooks may point (CLAIMS_OUTBOUND_ALLOW), with the app's resolver."""
    policy: OutboundPolicy = request.app.state.outbound
    return policy


OutboundDep = Annotated[OutboundPolicy, Depends(outbound_policy)]


async def principal_of(
    request: Request,
    session: AsyncSession,
    key: str | None,
    *,
    missing: str = "Send an API key in the X-API-Key header.",
) -> Principal:
    """The key's principal (401 without a key or for an unknown or revoked one), named in the
    request's log line."""
    if not key:
        raise Unauthorized(missing)
    principal = await api_keys.authenticate(session, key, request.app.state.principal_cache)
    if principal is None:
        raise Unauthorized("The API key is unknown or revoked.")
    request.state.principal = principal.name
    return principal


async def get_principal(
    request: Request, session: SessionDep, key: Annotated[str | None, Depends(api_key_header)]
) -> Principal:
    return await principal_of(request, session, key)


async def get_reading_principal(
    request: Request, session: ReadSessionDep, key: Annotated[str | None, Depends(api_key_header)]
) -> Principal:
    # The key lookup only reads; on the read session, a read-only route opens one session.
    return await principal_of(request, session, key)


def require(*roles: Role, read_only: bool = False) -> Callable[..., object]:
    """A dependency that lets through only keys holding one of `roles`; `read_only` for a route
    whose handler takes ReadSessionDep, so that the request has that one session."""
    allowed = frozenset(roles)
    find = get_reading_principal if read_only else get_principal

    async def dependency(principal: Annotated[Principal, Depends(find)]) -> Principal:
        refuse_roles(principal, allowed)
        return principal

    return dependency


ALL_ROLES = tuple(Role)
READERS = ALL_ROLES
CONTRIBUTORS = (Role.intake, Role.specialist, Role.head, Role.director, Role.design, Role.service)

AnyPrincipal = Annotated[Principal, Depends(require(*READERS))]
# AnyPrincipal for the routes on ReadSessionDep.
AnyReader = Annotated[Principal, Depends(require(*READERS, read_only=True))]
Contributor = Annotated[Principal, Depends(require(*CONTRIBUTORS))]
Registrar = Annotated[Principal, Depends(require(Role.intake, Role.specialist, Role.head))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
# Corrects a claim's record and assigns its owner.
Corrector = Annotated[Principal, Depends(require(Role.specialist, Role.head))]


async def claim_by_number(
    _: Annotated[Principal, Depends(get_principal)], number: str, session: SessionDep
) -> Claim:
    # Authenticated first, whatever order a handler lists its parameters in: otherwise an
    # anonymous caller tells existing numbers (401) from unknown ones (404). A handler still
    # lists its role check before the claim, so that a wrong role answers 403 for both.
    return await get_claim(session, number)


ClaimDep = Annotated[Claim, Depends(claim_by_number)]


def parse_if_match(if_match: str | None, what: str = "claim") -> int:
    """The version a client expects, from `If-Match: "7"`, `W/"7"` or `7`; `what` names the
    resource in the problem's detail."""
    if not if_match:
        raise PreconditionRequired(
            f"Send If-Match with the {what}'s ETag (its version) to guard against lost updates."
        )
    value = if_match.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    # ASCII digits only ("²".isdigit() is true, int() refuses it), and few of them.
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise PreconditionFailed(f"If-Match {if_match!r} is not a version of this {what}.")
    return int(value)


async def expected_version(
    if_match: Annotated[str | None, Header(description='The claim\'s ETag, e.g. "3"')] = None,
) -> int:
    return parse_if_match(if_match)


ExpectedVersion = Annotated[int, Depends(expected_version)]


def refuse_roles(principal: Principal, allowed: frozenset[Role] | set[Role]) -> None:
    """403 unless the key holds one of `allowed`: the same problem as `require`'s."""
    if not principal.has_any(allowed):
        raise Forbidden(
            "Your key's roles do not allow this; it needs one of: " + ", ".join(sorted(allowed)),
            required_roles=sorted(allowed),
        )


async def fresh_claim_version(
    _: Annotated[Principal, Depends(get_principal)],
    number: str,
    session: SessionDep,
    expected: ExpectedVersion,
) -> int:
    """The claim's If-Match, checked against the claim before the body is read: the order of
    checks is authentication, role, precondition, body (docs/api.md). A handler lists its role
    check before this. The service checks again under its lock, for a change in between."""
    await check_fresh(session, number, expected)
    return expected


FreshClaimVersion = Annotated[int, Depends(fresh_claim_version)]


def etag(version: int) -> str:
    return f'"{version}"'
