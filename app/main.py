"""The ASGI application: create_app() wires settings, database, middleware, errors and routers."""

import gc
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import anyio.to_thread
from fastapi import FastAPI

from app import language
from app.auth.api_keys import PrincipalCache
from app.config import Settings, get_settings
from app.corrective import following as corrective_following
from app.db import create_engine, create_read_session_factory, create_session_factory
from app.docs_offline import STATIC_URL, install_offline_docs
from app.errors import PROBLEM_EXAMPLES, PROBLEM_JSON, ProblemDetails, install_error_handlers
from app.events.outbound import OutboundPolicy
from app.letters.pdf import configure_pdf_pool, shutdown_pdf_pool
from app.letters.signed_pdf import load_certificate
from app.logging_setup import configure_logging
from app.mail.offload import shutdown_pool as shutdown_mail_pool
from app.middleware import AdmissionMiddleware, InputGuardMiddleware, RequestContextMiddleware
from app.preflight import StartupError, storage_problem
from app.routers import (
    admin,
    catalog,
    claims,
    corrective,
    corrective_letters,
    corrective_reports,
    customers,
    dashboard,
    email_intake,
    health,
    letters,
    metrics,
    reports,
    signatures,
    sla,
    suppliers,
    webhooks,
    workflow,
)
from app.routers import web as web_pages
from app.sla.service import on_state_change as sla_follows_state
from app.suppliers import letters as supplier_letters
from app.telemetry import instrument_app, instrument_engine
from app.workflow.service import observe_state_changes

DESCRIPTION = """
Takes in customer claims (рекламации) about the company's products from email, phone and the
web, and works each one to a formal, signed answer.

**Authorize** with an API key (header `X-API-Key`). A first key comes from the command line:
`claims create-api-key --role specialist --name me`. Each key carries roles
(`intake`, `specialist`, `head`, `director`, `design`, `service`, `auditor`, `admin`);
an endpoint refused for your role answers 403 and names the roles it needs.

Errors are RFC 9457 problem details (`application/problem+json`). Workflow actions need
`If-Match` with the claim's ETag (its `version`).
"""

TAGS = [
    {"name": "claims", "description": "Register, find and read claims; add messages and files."},
    {
        "name": "customers",
        "description": "Customers as master data: organisations and private persons, their "
        "contacts, merges of duplicates, and the history of every change.",
    },
    {
        "name": "catalog",
        "description": "Product models and the sold-units registry (warranty data).",
    },
    {"name": "letters", "description": "Formal letters: drafts, sign-off, issue, sending."},
    *signatures.TAGS,
    *suppliers.TAGS,
    {"name": "admin", "description": "API keys and other operator tasks."},
    {"name": "events", "description": "Webhook subscriptions, deliveries and dead outbox events."},
    {"name": "health", "description": "Liveness and readiness probes."},
    *workflow.TAGS,
    {"name": "email intake", "description": "The email gateway's webhook; failed emails queue."},
    {"name": "reports", "description": "Summary, recurring defects and costs, as JSON or CSV."},
    *corrective.TAGS,
]


_frozen = False


def _freeze_startup_objects() -> None:
    """Move what start-up loaded (modules, routes, templates, the language model: ~250,000
    objects that live as long as the process) out of the cyclic collector's sight. Otherwise
    every full collection walks them all: ~100 ms on this machine, on the event loop, at a
    moment no request chooses (issue 20: a third of a year's recurring-defects report, and
    spikes of loop lag). Once per process: a second app in the same process (the tests) would
    otherwise freeze the first one's objects, garbage by then, for good."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    problem = await anyio.to_thread.run_sync(storage_problem, settings.storage_dir)
    if problem:
        # Before: unnoticed until the first upload answered 500 (issue 18).
        raise StartupError(problem)
    engine = create_engine(settings)
    instrument_engine(engine)  # only with OTEL_EXPORTER_OTLP_ENDPOINT (app/telemetry.py)
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.read_session_factory = create_read_session_factory(engine)
    configure_pdf_pool(settings.letter_pdf_workers)
    await anyio.to_thread.run_sync(language.warm_up)
    app.state.signing_certificate = await load_certificate(settings)
    _freeze_startup_objects()
    stop_worker = None
    if settings.worker_in_process:
        from app.runner import start_in_process

        stop_worker = start_in_process(app.state.session_factory, settings)
    try:
        yield
    finally:
        if stop_worker is not None:
            await stop_worker()
        shutdown_pdf_pool()
        shutdown_mail_pool()
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="Claims service",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        swagger_ui_parameters={
            "persistAuthorization": True,
            "displayRequestDuration": True,
            "tryItOutEnabled": True,
        },
    )
    app.state.settings = settings
    observe_state_changes("sla", sla_follows_state)  # the SLA clock pauses with the claim's state
    supplier_letters.follow()  # a supplier claim's letter going out sends the supplier claim
    corrective_following.follow()  # a corrective action's D2 follows its claims' corrections
    app.state.principal_cache = PrincipalCache(settings.api_key_cache_seconds)
    app.state.outbound = OutboundPolicy.from_settings(settings)  # webhook URLs (SSRF guard)
    install_error_handlers(app)
    # Innermost of the three: a refused body never queues, and the access line's duration
    # includes the wait for a slot.
    app.add_middleware(
        AdmissionMiddleware,
        limit=settings.max_requests_in_progress,
        wait_seconds=settings.admission_wait_seconds,
        exempt_paths=frozenset(
            path
            for path in (
                "/healthz",
                "/readyz",
                "/metrics",
                app.docs_url,
                app.redoc_url,
                app.openapi_url,
                app.swagger_ui_oauth2_redirect_url,
            )
            if path
        ),
        exempt_prefixes=(STATIC_URL + "/",),
    )
    app.add_middleware(InputGuardMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    routers: tuple[ModuleType, ...]
    routers = (
        claims,
        customers,
        workflow,
        letters,
        corrective_letters,
        signatures,
        email_intake,
        reports,
        corrective,
        dashboard,
        catalog,
        admin,
        health,
        metrics,
    )
    routers += (sla, webhooks)  # events out: the SLA view, webhooks admin
    routers += (suppliers,)  # suppliers and the claims against them
    routers += (corrective_reports,)  # the 8D report (JSON and PDF)
    for module in routers:
        app.include_router(module.router)
    app.include_router(web_pages.router)  # the public claim form and status page (HTML)
    install_problem_openapi(app)
    install_offline_docs(app)  # Swagger UI's files from the package, not a CDN
    instrument_app(app)  # tracing, only with OTEL_EXPORTER_OTLP_ENDPOINT (app/telemetry.py)
    return app


def install_problem_openapi(app: FastAPI) -> None:
    """Document every error response as what it really is: application/problem+json."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ProblemDetails"] = ProblemDetails.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.update(
            ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}").pop(
                "$defs", {}
            )
        )
        components["ProblemDetails"].pop("$defs", None)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                for status_code, response in operation.get("responses", {}).items():
                    if status_code.isdigit() and int(status_code) >= 400:
                        content: dict[str, Any] = {
                            "schema": {"$ref": "#/components/schemas/ProblemDetails"}
                        }
                        if int(status_code) in PROBLEM_EXAMPLES:
                            # A reference: written out under each response, the examples
                            # would add a third to the document that Swagger UI loads.
                            ref = f"#/components/examples/Problem{status_code}"
                            content["examples"] = {status_code: {"$ref": ref}}
                        response["content"] = {PROBLEM_JSON: content}
                        if status_code == "422":
                            response["description"] = "Invalid input; `errors` names each field"
        schema["components"]["examples"] = {
            f"Problem{code}": {"summary": example["title"], "value": example}
            for code, example in sorted(PROBLEM_EXAMPLES.items())
        }
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        schema = _rename_form_bodies(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _rename_form_bodies(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI names a multipart body after its operation id, the handler's name followed by
    the path and method (`Body_add_attachment_api_v1_claims__number__attachments_post`);
    clients generate classes from these names, so keep the handler's (`AddAttachmentForm`)."""
    names = {}
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            op_id = operation.get("operationId", "")
            suffix = re.sub(r"\W", "_", path) + "_" + method
            if op_id.endswith(suffix):
                handler = op_id[: -len(suffix)]
                names[f"Body_{op_id}"] = handler.title().replace("_", "") + "Form"
    components = schema["components"]["schemas"]
    renamed = {old: new for old, new in names.items() if old in components}
    if not renamed:
        return schema
    text = json.dumps(schema)
    for old, new in renamed.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    result: dict[str, Any] = json.loads(text)
    schemas = result["components"]["schemas"]
    result["components"]["schemas"] = {renamed.get(k, k): v for k, v in schemas.items()}
    for new in renamed.values():
        result["components"]["schemas"][new]["title"] = new
    return result


app = create_app()
