"""Headless Chromium for the browser tests (marker `browser`).

Debian's /usr/bin/chromium driven by Playwright for Python through `executable_path`:
Playwright's own browser download is never used (scripts/install-browser.sh installs both).
When no Chromium or no Playwright can be found, every browser test is skipped with one
clear message instead of failing.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
    """CLAIMS_CHROMIUM_PATH, else a Chromium on PATH, else Debian's path."""
    candidates = [os.environ.get("CLAIMS_CHROMIUM_PATH")]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser")]
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
def chromium() -> Iterator[Any]:
    executable = find_chromium()
    if executable is None:
        pytest.skip(
            "browser tests skipped: no Chromium found (set CLAIMS_CHROMIUM_PATH or run "
            "scripts/install-browser.sh, which apt-installs Debian's chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "browser tests skipped: the playwright package is missing "
            "(pip install playwright; run scripts/install-browser.sh)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()
