"""Supervised study in a real Chromium whose camera shows real photos (as a y4m file): another
person or a second face is refused. (An honest learner making the requested head turn is
credited in test_liveness_browser.py: a still photo can pass one check at most now, since
later checks recognise its content as replayed.)

Intervals are shortened by settings (heartbeat 2 s, random checks 4–6 s after each pass)."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from media_fixtures import write_y4m
from skilltrace.extensions import db
from skilltrace.study.models import CreditedTime
from skilltrace.traces.models import TraceEvent

pytestmark = pytest.mark.e2e


@pytest.fixture
def fast_study(app, monkeypatch):
    for name, value in {
        "HEARTBEAT_S": 2,
        "FACE_CHECK_MIN_S": 4,
        "FACE_CHECK_MAX_S": 6,
        "FACE_CHECK_WINDOW_S": 30,
    }.items():
        monkeypatch.setitem(app.config, name, value)


def events(learner_id: int, kind: str) -> list[dict]:
    db.session.rollback()  # see what the server thread committed
    rows = db.session.scalars(
        select(TraceEvent.event_json)
        .where(TraceEvent.learner_id == learner_id, TraceEvent.kind == kind)
        .order_by(TraceEvent.seq)
    )
    return [json.loads(row)["data"] for row in rows]


def credited(learner_id: int) -> float:
    db.session.rollback()
    return db.session.scalar(
        select(func.coalesce(func.sum(CreditedTime.seconds), 0.0)).where(
            CreditedTime.learner_id == learner_id
        )
    )


def trace_summary(learner_id: int) -> list[str]:
    db.session.rollback()
    rows = db.session.execute(
        select(TraceEvent.kind, TraceEvent.event_json)
        .where(TraceEvent.learner_id == learner_id)
        .order_by(TraceEvent.seq)
    )
    return [f"{kind} {json.loads(text)['data']}" for kind, text in rows]


def wait_for(condition, learner_id: int, timeout: float = 90.0, step: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("not reached in time; trace:\n" + "\n".join(trace_summary(learner_id)))


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


@pytest.mark.parametrize(
    ("photo", "reason"),
    [
        ("people/biden/biden2.jpg", "impostor"),
        ("cases/two_faces_obama_biden.jpg", "multiple_faces"),
    ],
)
def test_wrong_or_extra_face_is_refused_and_credited_nothing(
    live_server, browser_with_camera, classroom, fast_study, tmp_path, photo, reason, password
):
    camera = write_y4m(classroom.photos.parent / photo, tmp_path / "camera.y4m")
    page = study_page(browser_with_camera(camera), live_server, classroom, password)
    learner = classroom.learner.id
    failed = wait_for(lambda: events(learner, "check_failed"), learner)
    assert failed[0]["reason"] == reason and failed[0]["kind"] == "sign_in"
    page.wait_for_selector("#state-badge[data-state=suspended]", timeout=15_000)
    assert page.inner_text("#study-message") or page.inner_text("#check-message")
    assert page.evaluate("document.getElementById('lesson-video').paused")
    time.sleep(3)
    assert credited(learner) == 0
    assert events(learner, "check_passed") == []
