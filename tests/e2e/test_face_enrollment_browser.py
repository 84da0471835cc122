"""Face enrollment with the browser camera: a real Chromium whose webcam plays real photos."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from media_fixtures import write_y4m
from skilltrace.extensions import db
from skilltrace.faces.models import FaceEnrollment, FaceTemplate

pytestmark = pytest.mark.e2e


def enrollment_page(browser, live_server, user, password):
    page = browser.new_page()
    page.goto(f"{live_server}/lang/en?next=/login")  # the language switch: a cookie
    page.fill("#login", user.mobile)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/learner/")
    page.goto(f"{live_server}/faces/enroll")
    return page


def take_photo(page) -> str:
    page.click("[data-role=start]")
    page.wait_for_selector("[data-role=shoot]:not([disabled])", timeout=10_000)
    page.click("[data-role=shoot]")
    # a selector wait, not wait_for_function: the page's CSP forbids eval, which that uses
    page.wait_for_selector(
        "[data-role=result].success, [data-role=result].error", state="attached", timeout=20_000
    )
    return page.inner_text("[data-role=result]")


def test_camera_enrollment_refuses_two_faces_then_enrolls(
    app, make_user, live_server, browser_with_camera, shared_faces, tmp_path, password
):
    learner = make_user("learner")
    two = write_y4m(shared_faces / "cases/two_faces_obama_biden.jpg", tmp_path / "two.y4m", 15)
    page = enrollment_page(browser_with_camera(two), live_server, learner, password)
    assert "More than one face" in take_photo(page)
    db.session.rollback()  # see what the server thread committed
    assert db.session.scalar(select(func.count()).select_from(FaceEnrollment)) == 0

    alone = write_y4m(shared_faces / "people/obama/obama.jpg", tmp_path / "me.y4m", 15)
    page = enrollment_page(browser_with_camera(alone), live_server, learner, password)
    assert "enrolled" in take_photo(page)
    page.wait_for_selector("#face-status[data-face-status=active]", timeout=10_000)
    db.session.rollback()
    template = db.session.get(FaceTemplate, learner.id)
    assert template is not None and template.enrollment.source == "camera"
