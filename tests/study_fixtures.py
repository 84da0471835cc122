"""Study fixtures, a pytest plugin loaded by tests/conftest.py.

A classroom to study in (an approved course with a real lesson video, an open class, an
enrolled learner from a real photo), a manual server clock, and a driver for the study API."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from media_fixtures import jpeg_frames, write_lesson_video
from skilltrace.clock import ManualClock
from skilltrace.identity.models import Role

LESSON_SECONDS = 120


@pytest.fixture(scope="session")
def lesson_video(tmp_path_factory) -> bytes:
    return write_lesson_video(
        tmp_path_factory.mktemp("lesson") / "lesson.webm", LESSON_SECONDS
    ).read_bytes()


@pytest.fixture
def clock(app):
    """The server's clock, moved by the test (the real one is put back after)."""
    real = app.extensions["skilltrace.clock"]
    manual = ManualClock()
    app.extensions["skilltrace.clock"] = manual
    yield manual
    app.extensions["skilltrace.clock"] = real


@dataclass
class Classroom:
    learner: object
    lesson: object
    class_: object
    course: object
    photos: Path


@pytest.fixture(scope="session")
def face_worker(_app):
    """A real Celery worker (in a thread, on RabbitMQ) when ``CELERY_BROKER_URL`` is set;
    without a broker, tasks run eagerly and this is None."""
    from celery.contrib.testing.worker import start_worker

    from skilltrace.tasks import FACE_QUEUE, JOB_QUEUE, celery_app

    if not _app.config["CELERY_BROKER_URL"]:
        yield None
        return
    celery_app.control.purge()  # messages of an earlier, interrupted run
    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        queues=[FACE_QUEUE, JOB_QUEUE],
        loglevel="WARNING",
    ) as worker:
        yield worker


@pytest.fixture
def classroom(app, make_user, lesson_video, shared_faces, monkeypatch, face_worker) -> Classroom:
    monkeypatch.setitem(app.config, "MINUTES_PER_HOUR_UNIT", 1)
    monkeypatch.setitem(app.config, "FACE_CHALLENGE", "none")  # still photos: match only
    # One photo stands for the learner in every check of these crediting tests; the replay
    # memory (which refuses a photo seen before) is tested with real video in
    # tests/study/test_liveness_cheats.py and tests/faces.
    monkeypatch.setitem(app.config, "FACE_REPLAY_MEMORY", False)
    people = shared_faces / "people"
    photo = (people / "obama" / "obama.jpg").read_bytes()
    return approved_classroom(make_user, lesson_video, photo, people)


def approved_classroom(
    make_user, lesson_video: bytes, face_photo: bytes, photos: Path, class_name: str = "演示班"
) -> Classroom:
    """A learner enrolled from ``face_photo`` in an approved class of an approved course with
    one lesson (``lesson_video``), through the services a provider and a regulator use."""
    from skilltrace.courses.classes import class_service, local_today
    from skilltrace.courses.services import CourseData, course_service
    from skilltrace.faces.services import enrollment_service

    provider = make_user.provider(city="6101")
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    regulator = make_user(Role.REGULATOR, scope="61")
    courses = course_service()
    course = courses.create_course(staff, CourseData("电工安全", "电工", "5", "说明", "1"))
    courses.add_lesson(staff, course, "第1课", io.BytesIO(lesson_video), "l1.webm")
    courses.submit(staff, course)
    courses.decide(regulator, course, True, "同意")
    classes = class_service()
    today = local_today()
    class_ = classes.open_class(
        staff, course, class_name, today, today + timedelta(days=30), 30, today=today
    )
    classes.decide(regulator, class_, True, today=today)
    learner = make_user(Role.LEARNER)
    classes.join(learner, class_.code)
    enrollment_service().enroll(learner, face_photo)
    return Classroom(learner, course.lessons[0], class_, course, photos)


class StudyDriver:
    """Drives the study API as a (possibly cheating) script would."""

    def __init__(self, client, csrf: str, clock: ManualClock, classroom: Classroom):
        self.client, self.csrf, self.clock, self.room = client, csrf, clock, classroom
        self.session_id = None
        self.position = 0.0
        self.seed = 0

    def post(self, path: str, **kwargs):
        return self.client.post(path, headers={"X-CSRFToken": self.csrf}, **kwargs)

    def start(self, take_over: bool = False, lesson_id: int | None = None):
        response = self.post(
            "/api/v1/study/sessions",
            json={"lesson_id": lesson_id or self.room.lesson.id, "take_over": take_over},
        )
        if response.status_code == 201:
            self.session_id = response.get_json()["session_id"]
        return response

    def answer(
        self,
        check: dict,
        person: str = "obama/obama1.jpg",
        frames: list[bytes] | None = None,
        nonce: str | None = None,
    ):
        """Answer with a fresh burst (see ``post_answer``) and wait for the verdict."""
        return self.verdict(self.post_answer(check, person, frames, nonce))

    def post_answer(
        self,
        check: dict,
        person: str = "obama/obama1.jpg",
        frames: list[bytes] | None = None,
        nonce: str | None = None,
    ):
        """Post a fresh burst (new jitter each time) of ``person``'s photo, or ``frames``;
        the response as it comes (202 while a face worker verifies it)."""
        if frames is None:
            self.seed += 1
            frames = jpeg_frames(self.room.photos / person, 3, self.seed)
        data = {
            "nonce": check["nonce"] if nonce is None else nonce,
            "frames": [(io.BytesIO(f), f"f{i}.jpg") for i, f in enumerate(frames)],
        }
        return self.post(
            f"/api/v1/study/sessions/{self.session_id}/checks/{check['id']}",
            data=data,
            content_type="multipart/form-data",
        )

    def verdict(self, response, timeout: float = 30.0):
        """The answer's verdict: a 202 is polled (as the player does) until it is decided."""
        import time

        deadline = time.monotonic() + timeout
        while response.status_code == 202:
            assert time.monotonic() < deadline, "no verdict in time (is a face worker running?)"
            time.sleep(0.05)
            response = self.client.get(response.get_json()["poll"])
        return response

    def beat(
        self,
        wall: float = 15.0,
        advance: float | None = None,
        playing: bool = True,
        rate: float = 1.0,
        visible: bool = True,
    ):
        """Let ``wall`` seconds pass on the server's clock, then send a heartbeat."""
        self.clock.advance(wall)
        self.position += wall * rate if advance is None else advance
        return self.post(
            f"/api/v1/study/sessions/{self.session_id}/heartbeats",
            json={
                "position": self.position,
                "playing": playing,
                "playback_rate": rate,
                "visible": visible,
            },
        )

    def end(self, abandon: bool = False):
        return self.post(f"/api/v1/study/sessions/{self.session_id}/end", json={"abandon": abandon})

    def signed_in(self):
        """Start and pass the sign-in check."""
        started = self.start()
        assert started.status_code == 201, started.get_json()
        answered = self.answer(started.get_json()["check"])
        assert answered.get_json()["passed"], answered.get_json()
        first = self.beat(0)  # the player reports at once when the video starts
        assert first.status_code == 200, first.get_json()
        return answered

    def finish(self):
        """End with a passed closing check; returns the final response."""
        ending = self.end().get_json()
        assert ending["state"] == "closing", ending
        result = self.answer(ending["check"]).get_json()
        assert result["passed"] and result["state"] == "ended", result
        return result


@pytest.fixture
def due_in_40s(app, monkeypatch):
    """Every random check falls due 40 s after the last passed one."""
    monkeypatch.setitem(app.config, "FACE_CHECK_MIN_S", 40)
    monkeypatch.setitem(app.config, "FACE_CHECK_MAX_S", 40)


def statements_of(action):
    """``action()``'s result and the first word of every SQL statement it ran."""
    from sqlalchemy import event

    from skilltrace.extensions import db

    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        return action(), statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def study(app, classroom, clock, login):
    client = app.test_client()
    csrf = login(client, classroom.learner)
    return StudyDriver(client, csrf, clock, classroom)
