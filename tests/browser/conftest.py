"""Browser tests: Playwright driving Debian's Chromium against a live server.

Chromium comes from the system (`apt-get install chromium`), not from
Playwright's own download. Without it these tests skip, unless
KIJI_REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]


def chromium_path() -> str | None:
    return os.environ.get("KIJI_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if not executable:
        message = "Chromium not found (apt-get install chromium, or set KIJI_CHROMIUM)"
        if os.environ.get("KIJI_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
