"""Enrollment with the browser camera: a real Chromium whose webcam plays real photos."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from media_fixtures import write_y4m
from skilltrace.extensions import db
from skilltrace.faces.models import FaceEnrollment, FaceTemplate

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
TEST_PASSWORD = "correct-horse-42"  # tests/conftest.py gives every make_user account this one


def chromium_path() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Chromium not found at {CHROMIUM}")
    pytest.skip("Chromium is not installed")


@pytest.fixture
def served(app):
    """The test app on a free local port."""
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


@pytest.fixture
def camera_page(served, tmp_path):
    """``open(photo, user)`` -> a logged-in page of the enrollment form, camera playing photo."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    driver = sync_playwright().start()
    browsers = []

    def open_page(photo: Path, user):
        y4m = write_y4m(photo, tmp_path / f"{photo.stem}.y4m", frames=15)
        browser = driver.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={y4m}",
            ],
        )
        browsers.append(browser)
        page = browser.new_page()
        page.goto(f"{served}/login?lang=en")
        page.fill("input[name=login]", user.mobile)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("[type=submit]")
        page.goto(f"{served}/faces/enroll?lang=en")
        return page

    yield open_page
    for browser in browsers:
        browser.close()
    driver.stop()


def take_photo(page) -> str:
    page.click("[data-role=start]")
    page.wait_for_selector("[data-role=shoot]:not([disabled])", timeout=10_000)
    page.click("[data-role=shoot]")
    page.wait_for_function(
        "document.querySelector('[data-role=result]').className.match(/success|error/)",
        timeout=20_000,
    )
    return page.inner_text("[data-role=result]")


def test_camera_enrollment_refuses_two_faces_then_enrolls(
    app, make_user, camera_page, shared_faces
):
    learner = make_user("learner")
    page = camera_page(shared_faces / "cases/two_faces_obama_biden.jpg", learner)
    assert "More than one face" in take_photo(page)
    assert db.session.scalar(select(func.count()).select_from(FaceEnrollment)) == 0

    page = camera_page(shared_faces / "people/obama/obama.jpg", learner)
    assert "enrolled" in take_photo(page)
    page.wait_for_selector("#face-status[data-face-status=active]", timeout=10_000)
    db.session.expire_all()
    template = db.session.get(FaceTemplate, learner.id)
    assert template is not None and template.enrollment.source == "camera"
