"""Browser tests: the app served from a thread, Debian's Chromium driven by Playwright, its
camera fed a y4m file made from real photos. Under CI=true a missing Chromium fails."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Chromium not found at {CHROMIUM} (CI needs it: .ci/run installs it)")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


@pytest.fixture
def live_server(app):
    """The test app served on a free local port for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["SERVER_NAME"], saved = None, app.config["SERVER_NAME"]
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.config["SERVER_NAME"] = saved


@pytest.fixture(scope="session")
def playwright_driver():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    yield driver
    driver.stop()


# Reports every Content-Security-Policy violation of a page to the console, where the
# fixture below collects it: a test whose pages break the policy fails.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


def _watch_csp(browser, violations: list[str]):
    """Make every page of ``browser`` report CSP violations into ``violations``."""
    new_page = browser.new_page

    def watched_new_page(*args, **kwargs):
        page = new_page(*args, **kwargs)
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "CSP violation" in message.text or "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    browser.new_page = watched_new_page
    return browser


@pytest.fixture
def browser_with_camera(playwright_driver):
    """``open(y4m_path)`` → a Chromium browser whose webcam plays that file; the test fails
    if any of its pages violates the Content-Security-Policy."""
    browsers, violations = [], []

    def open_browser(y4m: Path):
        browser = playwright_driver.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={y4m}"],
        )
        browsers.append(browser)
        return _watch_csp(browser, violations)

    yield open_browser
    for browser in browsers:
        browser.close()
    assert violations == [], violations
