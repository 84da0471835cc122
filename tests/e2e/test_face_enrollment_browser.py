"""Face enrollment with the browser camera: a real Chromium whose webcam plays real photos
takes three photos a second apart, sends them in one request and shows the verdict per photo."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import request, request_finished
from sqlalchemy import func, select

from media_fixtures import write_y4m
from skilltrace.extensions import db
from skilltrace.faces.models import FaceEnrollment, FaceTemplate
from skilltrace.faces.services import enrollment_service

pytestmark = pytest.mark.e2e

ENROLL_API = "/api/v1/me/face/enrollment"
RESULT = "[data-role=result].success, [data-role=result].error"


def enrollment_page(browser, live_server, user, password, lang="en"):
    page = browser.new_page()
    page.goto(f"{live_server}/lang/{lang}?next=/login")  # the language switch: a cookie
    page.fill("#login", user.mobile)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/learner/")
    page.goto(f"{live_server}/faces/enroll")
    return page


def wait_progress(page, text: str) -> None:
    # selector waits, not wait_for_function: the page's CSP forbids eval, which that uses
    page.wait_for_selector(f"[data-role=progress]:has-text('{text}')", timeout=10_000)


def take_three(page, progress: str = "Photo {n}/3") -> None:
    """Turn the camera on and take the three photos, following the countdown."""
    page.click("[data-role=start]")
    page.wait_for_selector("[data-role=shoot]:not([disabled])", timeout=10_000)
    page.click("[data-role=shoot]")
    for number in (1, 2, 3):
        wait_progress(page, progress.format(n=number))
    page.wait_for_selector("[data-role=send]:not([hidden]):not([disabled])", timeout=10_000)
    assert page.locator("[data-role=progress]").is_hidden()


@contextmanager
def enrollment_posts(app):
    """What the server received in each enrollment POST: (source, image file names, sizes).
    (Playwright cannot show a multipart body built from blobs, so the server is asked.)"""
    posts = []

    def record(sender, response, **extra):
        if request.path == ENROLL_API and request.method == "POST":
            files = request.files.getlist("image")  # already parsed by the view
            posts.append(
                (
                    request.form.get("source"),
                    [upload.filename for upload in files],
                    [upload.stream.seek(0, 2) for upload in files],  # each part's size
                )
            )

    request_finished.connect(record, app)
    try:
        yield posts
    finally:
        request_finished.disconnect(record, app)


def send(page, posts: list) -> str:
    """Send the photos and check one request carried all three: the result shown."""
    before = len(posts)
    with page.expect_response(lambda r: r.url.endswith(ENROLL_API)) as answer:
        page.click("[data-role=send]")
    page.wait_for_selector(RESULT, state="attached", timeout=30_000)
    assert answer.value.status in (201, 422)
    assert len(posts) == before + 1
    source, names, sizes = posts[-1]
    assert source == "camera" and names == ["camera-1.jpg", "camera-2.jpg", "camera-3.jpg"]
    assert all(size > 10_000 for size in sizes)  # real camera JPEGs, not empty parts
    return page.inner_text("[data-role=result]")


def test_refused_photos_are_marked_one_by_one_and_can_be_retaken(
    app, make_user, live_server, browser_with_camera, shared_faces, tmp_path, password
):
    learner = make_user("learner")
    two = write_y4m(shared_faces / "cases/two_faces_obama_biden.jpg", tmp_path / "two.y4m", 15)
    page = enrollment_page(browser_with_camera(two), live_server, learner, password, "zh")
    take_three(page, progress="第 {n}/3 张")
    assert page.locator(".face-shot canvas").count() == 3
    with enrollment_posts(app) as posts:
        shown = send(page, posts)
    assert "不止一张人脸" in shown
    # every photo is marked with the server's reason, in Chinese
    assert page.locator(".face-shot.bad").count() == 3
    for number in range(3):
        verdict = page.inner_text(f"[data-shot='{number}'] [data-role=verdict]")
        assert "不止一张人脸" in verdict
    db.session.rollback()  # see what the server thread committed
    assert db.session.scalar(select(func.count()).select_from(FaceEnrollment)) == 0

    # retake only the second photo: its mark goes, the others stay, then all can be sent again
    page.click("[data-shot='1'] [data-role=retake-one]")
    wait_progress(page, "第 2/3 张")
    page.wait_for_selector("[data-role=send]:not([disabled])", timeout=10_000)
    assert page.locator(".face-shot.bad").count() == 2
    assert page.locator("[data-shot='1'] [data-role=verdict]").is_hidden()
    with enrollment_posts(app) as posts:
        send(page, posts)
    assert page.locator(".face-shot.bad").count() == 3


def test_camera_enrollment_sends_three_photos_and_keeps_them(
    app, make_user, live_server, browser_with_camera, shared_faces, tmp_path, password
):
    learner = make_user("learner")
    alone = write_y4m(shared_faces / "people/obama/obama.jpg", tmp_path / "me.y4m", 15)
    page = enrollment_page(browser_with_camera(alone), live_server, learner, password)
    take_three(page)
    with enrollment_posts(app) as posts:
        shown = send(page, posts)
    assert "enrolled" in shown
    assert page.locator(".face-shot.ok").count() == 3
    page.wait_for_selector("#face-status[data-face-status=active]", timeout=10_000)
    db.session.rollback()
    template = db.session.get(FaceTemplate, learner.id)
    assert template is not None and template.enrollment.source == "camera"
    assert len(template.enrollment.photo_paths) == 3
    assert enrollment_service().active_template(learner.id).shape[0] == 3
