"""Real servers (Rasa, action server, web server) and a real headless Chromium for the browser
tests.

The browser is Debian's `chromium` (/usr/bin/chromium, or CHROMIUM), driven by the Python
`playwright` package; no browser is downloaded (`playwright install` is never run). Without
Chromium these tests are skipped on a developer's machine and fail in CI (CI=true), where
.ci/run installs it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit import markers
from devkit.servers import ROOT, Servers, running_servers
from tests.browser.host_page import HostPageServer

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
SCREENSHOTS = ROOT / "results" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


# Package scope, not session: while Playwright's sync API runs, its event loop is the running
# loop of the main thread, and later tests that call asyncio.run() would fail.
@pytest.fixture(scope="package")
def browser():
    markers.require("browser", "the browser fixture")
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (Debian's package)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A plain launch runs Chromium with a fresh, temporary user-data-dir.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def host_page() -> HostPageServer:
    """A page of another site embedding the widget (tests/browser/host_page.py)."""
    server = HostPageServer()
    yield server
    server.close()


@pytest.fixture(scope="package")
def servers(tmp_path_factory, browser, host_page) -> Servers:
    with running_servers(tmp_path_factory.mktemp("browser-data"),
                         extra_origins=(host_page.origin,)) as running:
        host_page.chat_urls = {"/": chat_origin(running), "/same-site": running.web_url,
                               "/same-site-zh": running.web_url}
        yield running


def chat_origin(servers: Servers) -> str:
    """The chat's web server by another name than the host page's (localhost, not 127.0.0.1),
    so the two are different origins and sites."""
    return servers.web_url.replace("127.0.0.1", "localhost")


@pytest.fixture
def context(browser):
    """A fresh browser profile state (cookies, localStorage) for each test."""
    context = browser.new_context()
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
