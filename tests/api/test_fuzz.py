"""Property-based fuzzing of the whole API from its OpenAPI schema (schemathesis).

Every operation gets generated requests, valid and invalid, with a key holding every role;
no response may be a 5xx, and every response must match the documented schema, status codes
and content types.
"""

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.db import create_engine, create_read_session_factory, create_session_factory
from app.main import create_app
from tests.support.outbound import offline_policy

# The schema is loaded at import time (it needs no database); the app gets its real settings
# and connections in the fixture below, before any request is made.
fuzz_app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", log_level="WARNING"))
schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


@pytest.fixture(scope="session")
def wired_app(settings: Any) -> Any:
    # schemathesis drives ASGI apps through Starlette's TestClient, which runs each request on
    # a fresh event loop without the lifespan: give the app unpooled connections directly.
    fuzz_app.state.settings = settings
    fuzz_app.state.engine = create_engine(settings, pooled=False)
    fuzz_app.state.session_factory = create_session_factory(fuzz_app.state.engine)
    fuzz_app.state.read_session_factory = create_read_session_factory(fuzz_app.state.engine)
    fuzz_app.state.outbound = offline_policy()  # webhook hosts resolve without DNS
    return fuzz_app


@schema.parametrize()
@hypothesis_settings(
    max_examples=int(os.environ.get("CLAIMS_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_never_fails_and_matches_its_schema(
    case: Any, keys: dict[Any, str], wired_app: Any
) -> None:
    case.call_and_validate(
        headers={"X-API-Key": keys["all"]},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
        ],
    )
