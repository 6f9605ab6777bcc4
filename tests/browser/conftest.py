"""Headless Chromium for the browser tests (marker `browser`), and the app under a real uvicorn.

Debian's /usr/bin/chromium driven by Playwright for Python through `executable_path`:
Playwright's own browser download is never used (scripts/install-browser.sh installs both).
When no Chromium or no Playwright can be found, every browser test is skipped with one
clear message instead of failing.
"""

import asyncio
import os
import shutil
import threading
import time
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from app.config import Settings
from app.enums import Role

T = TypeVar("T")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


def find_chromium() -> str | None:
    """CLAIMS_CHROMIUM_PATH when set (and only it), else a Chromium on PATH, else Debian's."""
    configured = os.environ.get("CLAIMS_CHROMIUM_PATH")
    if configured:
        candidates = [configured]
    else:
        candidates = [shutil.which(name) for name in ("chromium", "chromium-browser")]
        candidates.append("/usr/bin/chromium")
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Any]:
    """Playwright's async API on the tests' own event loop. (Its sync API runs a loop of its own
    in the main thread, which would break every asyncio test and fixture after it.)"""
    executable = find_chromium()
    if executable is None:
        pytest.skip(
            "browser tests skipped: no Chromium found (set CLAIMS_CHROMIUM_PATH or run "
            "scripts/install-browser.sh, which apt-installs Debian's chromium)"
        )
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip(
            "browser tests skipped: the playwright package is missing "
            "(pip install playwright; run scripts/install-browser.sh)"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def new_page(chromium: Any) -> AsyncIterator[Any]:
    """`await new_page(locale="ru-RU", viewport=MOBILE)`: a page in a fresh browser context (its
    own cookies); the locale becomes the Accept-Language header, as in a real browser."""
    contexts: list[Any] = []

    async def make(locale: str = "en-GB", viewport: dict[str, int] = DESKTOP) -> Any:
        context = await chromium.new_context(viewport=viewport, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return await context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            await context.close()


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine on a loop of its own, in a thread, away from the tests' loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings

    def create_key(self, role: Role, name: str) -> str:
        from app.auth.api_keys import create_key
        from app.db import create_engine, create_session_factory

        async def create() -> str:
            engine = create_engine(self.settings, pooled=False)
            try:
                async with create_session_factory(engine)() as session:
                    return (await create_key(session, name=name, roles=[role])).key
            finally:
                await engine.dispose()

        return run_async(create())


@pytest.fixture(scope="session")
def live_server(chromium: Any, settings: Settings) -> Iterator[LiveServer]:
    """The real app under a real uvicorn on 127.0.0.1 and an ephemeral port, on the test
    database (migrated by the `settings` fixture), in a thread with its own event loop."""
    import uvicorn

    from app.main import create_app

    app = create_app(settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_keys(live_server: LiveServer) -> dict[Role, str]:
    return {
        role: live_server.create_key(role, f"browser-{role}-{uuid.uuid4().hex[:6]}")
        for role in (Role.admin, Role.specialist)
    }


@pytest.fixture(scope="session")
def model_code(live_server: LiveServer, live_keys: dict[Role, str]) -> str:
    code = f"AQ-{uuid.uuid4().hex[:5].upper()}"
    response = httpx.post(
        f"{live_server.url}/api/v1/product-models",
        json={"code": code, "name": "Heat pump Aqua 200", "warranty_months": 24},
        headers={"X-API-Key": live_keys[Role.admin]},
    )
    assert response.status_code == 201, response.text
    return code
