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


@pytest.fixture
def browser_with_camera(playwright_driver):
    """``open(y4m_path)`` → a Chromium browser whose webcam plays that file."""
    browsers = []

    def open_browser(y4m: Path):
        browser = playwright_driver.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={y4m}"],
        )
        browsers.append(browser)
        return browser

    yield open_browser
    for browser in browsers:
        browser.close()
