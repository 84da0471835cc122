"""The player's side of the liveness challenge, in a real Chromium with a camera: the server's
instruction is shown (Chinese text and an arrow), neutral frames are captured first, then the
turned ones, the 202 verdict is polled and its outcome shown."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from media_fixtures import write_y4m
from skilltrace.extensions import db
from skilltrace.study.models import CheckAttempt, FaceCheck

pytestmark = pytest.mark.e2e


def study_page(browser, live_server, classroom, password):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{live_server}/login")
    page.fill("#login", classroom.learner.mobile)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/learner/")
    page.goto(f"{live_server}/study/lessons/{classroom.lesson.id}")
    page.click("#study-start")
    return page


def test_the_player_shows_the_challenge_and_sends_the_burst(
    app, live_server, browser_with_camera, classroom, tmp_path, password, monkeypatch
):
    monkeypatch.setitem(app.config, "FACE_CHALLENGE", "turn_left")
    monkeypatch.setitem(app.config, "FACE_CHECK_WINDOW_S", 60)
    camera = write_y4m(
        classroom.photos / "obama" / "obama1.jpg", tmp_path / "me.y4m", frames=90, fps=3
    )
    page = study_page(browser_with_camera(camera), live_server, classroom, password)
    page.wait_for_selector("#check-instruction:not([hidden])", timeout=60_000)
    page.wait_for_selector("#check-arrow.moving", timeout=30_000)  # no eval under the CSP
    assert page.inner_text("#check-arrow") == "\u2190"
    assert "左" in page.inner_text("#check-instruction-text")
    deadline = time.monotonic() + 90
    attempt = None
    while attempt is None or attempt.status == "pending":
        assert time.monotonic() < deadline, "no decided attempt"
        time.sleep(0.25)
        db.session.rollback()  # see what the server committed
        attempt = db.session.scalar(select(CheckAttempt).order_by(CheckAttempt.id))
    assert attempt.frame_count == 5  # 2 neutral, then 3 while turning
    check = db.session.get(FaceCheck, attempt.check_id)
    assert check.challenge == "turn_left" and check.kind == "sign_in"
    if attempt.status == "passed":
        page.wait_for_selector("#state-badge[data-state=active]", timeout=30_000)
    else:  # the learner is told in plain Chinese what went wrong
        deadline = time.monotonic() + 30
        while not page.inner_text("#check-message") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in page.inner_text("#check-message"))
    assert page.locator("#check-instruction").is_hidden()
