"""Domain errors and the one place that turns every error into RFC 9457 problem details."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.logging_setup import request_id_var

log = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://claims.example/problems/"


class DomainError(Exception):
    """An error a caller can cause; `status` and `type_slug` shape the problem document."""

    status: int = 400
    type_slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status, type_slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, type_slug, title = 409, "conflict", "Conflict"


class InvalidInput(DomainError):
    status, type_slug, title = 422, "validation-error", "Invalid input"


class Unauthorized(DomainError):
    status, type_slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(DomainError):
    status, type_slug, title = 403, "forbidden", "Not allowed for your role"


class PreconditionFailed(DomainError):
    status, type_slug, title = 412, "precondition-failed", "Stale version"


class PreconditionRequired(DomainError):
    status, type_slug, title = 428, "precondition-required", "If-Match required"


class PayloadTooLarge(DomainError):
    status, type_slug, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(DomainError):
    status, type_slug, title = 415, "unsupported-media-type", "Unsupported media type"


class DatabaseUnavailable(DomainError):
    """The database cannot be reached or did not answer in time (raised by app/db.py)."""

    status, type_slug, title = 503, "service-unavailable", "Service unavailable"


# What a client is told to wait before it tries again when the database is unavailable: long
# enough for a restart or a failover to begin, short enough not to strand a user.
RETRY_AFTER_SECONDS = 5
# PostgreSQL SQLSTATE classes and codes that mean "not now" rather than "never": connection
# exceptions (08), insufficient resources (53: too many connections, disk full), operator
# intervention (57: statement timeout, admin shutdown, cannot connect now), a lock not obtained
# within lock_timeout (55P03).
_UNAVAILABLE_CLASSES = ("08", "53", "57")
_UNAVAILABLE_CODES = frozenset({"55P03"})


def problem(
    status: int, title: str, detail: str | None, type_slug: str, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": TYPE_BASE + type_slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
    return problem(exc.status, exc.title, exc.detail, exc.type_slug, **exc.extra)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"field": _field_path(err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return problem(
        422, "Invalid input", f"Check these fields: {fields}", "validation-error", errors=errors
    )


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400:
        # Only the framework raises 400 here: a body that is not JSON, not UTF-8 or broken
        # multipart. To the caller that is a validation error of the body.
        return problem(
            422,
            "Invalid input",
            "The body could not be parsed.",
            "validation-error",
            errors=[{"field": "body", "message": str(exc.detail), "type": "parse"}],
        )
    titles = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}
    response = problem(
        exc.status_code,
        titles.get(exc.status_code, "Error"),
        str(exc.detail) if exc.detail else None,
        f"http-{exc.status_code}",
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def is_data_error(exc: StatementError) -> bool:
    """Whether the database (or its driver) refused a value rather than failed: a number out
    of a column's range, a date the calendar cannot hold, a character PostgreSQL cannot store.
    What a caller can send is a 422, never a 500."""
    if isinstance(exc, DataError):
        return True
    orig = exc.orig
    if not isinstance(exc, DBAPIError):
        # A bind processor failed before the driver saw the value (year 9999 at -14:00).
        return isinstance(orig, OverflowError | ValueError)
    # PostgreSQL's data exceptions are SQLSTATE class 22; asyncpg refuses a value it cannot
    # encode (an int over int32) with its DataError, a ValueError, before sending anything.
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(code, str) and code.startswith("22"):
        return True
    return isinstance(getattr(orig, "__cause__", None), OverflowError | ValueError)


async def _data_error(request: Request, exc: StatementError) -> JSONResponse:
    # The last line of defence for values the schemas let through but the database refuses.
    log.warning(
        "database refused a value", extra={"path": request.url.path, "error": str(exc.orig)}
    )
    return problem(
        422,
        "Invalid input",
        "A value is outside what the service can store.",
        "validation-error",
        errors=[],
    )


def is_unavailable(exc: DBAPIError) -> bool:
    """A database error that says the database is out of reach, not that the request is bad."""
    if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
        return True
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or ""
    return code.startswith(_UNAVAILABLE_CLASSES) or code in _UNAVAILABLE_CODES


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # Handled here rather than left to the 500 handler, which re-raises: the server would then
    # drop the client's keep-alive connection as well.
    log.error(
        "database unavailable",
        extra={"path": request.url.path, "error": f"{type(exc).__name__}: {exc}"[:500]},
    )
    response = problem(
        503,
        DatabaseUnavailable.title,
        "The database is not available at the moment; try again shortly.",
        DatabaseUnavailable.type_slug,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def _database_error(request: Request, exc: StatementError) -> JSONResponse:
    if is_data_error(exc):
        return await _data_error(request, exc)
    if isinstance(exc, DBAPIError) and is_unavailable(exc):
        return await _database_unavailable(request, exc)
    return await _unexpected(request, exc)  # a fault of ours: logged with its traceback


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette's outermost middleware calls this after the request context middleware has
    # finished, so the id comes from the request's state and is set again for the log line.
    request_id = getattr(request.state, "request_id", None) or request_id_var.get()
    context = request_id_var.set(request_id)
    try:
        log.exception("unhandled error", extra={"path": request.url.path})
    finally:
        request_id_var.reset(context)
    detail = "The error was logged"
    detail += f" with request id {request_id}." if request_id else "."
    response = problem(500, "Internal error", detail, "internal-error", request_id=request_id)
    # Sent by Starlette's outermost middleware, past the one that adds these to the others.
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    # StatementError covers DataError, every DBAPIError and the driver's refusals: a refused
    # value is 422, an unreachable database 503, anything else a 500.
    app.add_exception_handler(StatementError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)  # no pooled connection free
    app.add_exception_handler(Exception, _unexpected)


class FieldError(BaseModel):
    field: str = Field(examples=["body.customer.email"])
    message: str
    type: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=[TYPE_BASE + "not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str | None = None
    errors: list[FieldError] | None = None
    request_id: str | None = Field(
        None, description="Only in a 500: the id of the request in the service's log"
    )


def _example(error: type[DomainError], detail: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + error.type_slug,
        "title": error.title,
        "status": error.status,
        "detail": detail,
    }
    return body | extra


# What each status looks like in the OpenAPI document: its own problem, so that Swagger does
# not show the validation problem under 401 or 403.
PROBLEM_EXAMPLES: dict[int, dict[str, Any]] = {
    401: _example(Unauthorized, "Send an API key in the X-API-Key header."),
    403: _example(
        Forbidden,
        "Your key's roles do not allow this; it needs one of: head, specialist",
        required_roles=["head", "specialist"],
    ),
    404: _example(NotFound, "Claim CLM-2026-000123 not found."),
    409: _example(Conflict, "The claim is closed; this action is not allowed in that state."),
    412: _example(
        PreconditionFailed, 'If-Match "3" is stale: the claim is at version 4; reload it.'
    ),
    413: _example(PayloadTooLarge, "The body is larger than the limit of 20 MiB."),
    415: _example(UnsupportedMediaType, "Send application/json."),
    422: _example(
        InvalidInput,
        "Check these fields: body.customer.email",
        errors=[
            {
                "field": "body.customer.email",
                "message": "value is not a valid email address",
                "type": "value_error",
            }
        ],
    ),
    428: _example(
        PreconditionRequired,
        "Send If-Match with the claim's ETag (its version) to guard against lost updates.",
    ),
    503: _example(
        DatabaseUnavailable,
        "The database is not available at the moment; try again shortly.",
    ),
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for OpenAPI: each status documented as a problem document."""
    descriptions = {
        401: "No or unknown API key",
        403: "The key's roles do not allow this",
        404: "Not found",
        409: "Conflict with the current state",
        412: "If-Match does not match the current version",
        413: "Body too large",
        415: "Unsupported media type",
        422: "Invalid input; `errors` names each field",
        428: "If-Match header required",
        503: "Temporarily unavailable (the database, or the signing certificate or timestamp authority); try again after Retry-After seconds",
    }
    return {
        s: {"description": descriptions.get(s, "Error"), "model": ProblemDetails} for s in statuses
    }
