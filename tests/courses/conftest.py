"""Fixtures of the courses tests: small videos made with OpenCV, and a populated world."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from skilltrace.courses.classes import class_service, local_today
from skilltrace.courses.services import CourseData, course_service
from skilltrace.identity.models import Role


def write_video(path: Path, seconds: float, fourcc: str, fps: int = 10) -> bytes:
    """A small moving-square video, written with OpenCV; returns its bytes."""
    import cv2
    import numpy as np

    size = (160, 120)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), fourcc
    for i in range(int(seconds * fps)):
        frame = np.full((size[1], size[0], 3), 40, np.uint8)
        x = (i * 7) % (size[0] - 30)
        frame[40:70, x : x + 30] = (0, 180, 255)
        writer.write(frame)
    writer.release()
    return path.read_bytes()


@pytest.fixture(scope="session")
def videos(tmp_path_factory) -> dict[str, bytes]:
    """``webm`` (VP8, 4 s), ``mp4`` (MPEG-4 Part 2, 4 s) and ``long`` (VP8, 8 s)."""
    tmp = tmp_path_factory.mktemp("videos")
    return {
        "webm": write_video(tmp / "a.webm", 4, "VP80"),
        "mp4": write_video(tmp / "a.mp4", 4, "mp4v"),
        "long": write_video(tmp / "b.webm", 8, "VP80"),
    }


def media_files(app) -> list[Path]:
    """Every file under MEDIA_ROOT/lessons (temporary uploads included)."""
    folder = Path(app.config["MEDIA_ROOT"]) / "lessons"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@dataclass
class World:
    """Two providers in two cities, their staff, regulators and learners, plus builders."""

    app: object
    videos: dict
    make_user: object
    users: dict = field(default_factory=dict)

    def course(self, staff=None, status="approved", lessons=("webm", "webm"), hours="0.1"):
        staff = staff or self.users["staff_a"]
        service = course_service()
        course = service.create_course(staff, CourseData("电工安全", "电工", "5", "说明", hours))
        for n, kind in enumerate(lessons, 1):
            service.add_lesson(
                staff, course, f"第{n}课", io.BytesIO(self.videos[kind]), f"l{n}.webm"
            )
        if status in ("submitted", "approved", "rejected"):
            service.submit(staff, course)
        if status in ("approved", "rejected"):
            service.decide(self.users["regulator"], course, status == "approved", "意见")
        return course

    def open_class(self, course, start: date | None = None, days=30, capacity=30, approve=True):
        staff = next(u for u in course.provider.staff)
        start = start or local_today()
        service = class_service()
        class_ = service.open_class(
            staff,
            course,
            "演示班",
            start,
            start + timedelta(days=days),
            capacity,
            today=min(start, local_today()),
        )
        if approve:
            service.decide(self.users["regulator"], class_, True, today=min(start, local_today()))
        return class_

    def join(self, learner, class_):
        return class_service().join(learner, class_.code)


class Users(dict):
    """Accounts made on first use (password hashing is the slow part of a test's setup)."""

    def __init__(self, make_user):
        super().__init__()
        self.make_user = make_user
        self.providers = {}

    def provider(self, city: str):
        if city not in self.providers:
            self.providers[city] = self.make_user.provider(city=city)
        return self.providers[city]

    def __missing__(self, key: str):
        make = self.make_user
        specs = {
            "staff_a": lambda: make(Role.PROVIDER_STAFF, provider=self.provider("6101")),
            "staff_b": lambda: make(Role.PROVIDER_STAFF, provider=self.provider("6103")),
            "regulator": lambda: make(Role.REGULATOR, scope="61"),
            "regulator_xian": lambda: make(Role.REGULATOR, scope="6101"),
            "regulator_baoji": lambda: make(Role.REGULATOR, scope="6103"),
            "learner": lambda: make(Role.LEARNER),
            "other_learner": lambda: make(Role.LEARNER),
            "admin": lambda: make(Role.ADMIN),
        }
        self[key] = specs[key]()
        return self[key]


@pytest.fixture
def world(app, make_user, videos, monkeypatch) -> World:
    """Provider A in Xi'an (staff_a), provider B in Baoji (staff_b), regulators of the
    province, Xi'an and Baoji, two learners, an admin. 1 学时 = 1 minute here, so 0.1 学时 is
    6 s and two 4-second lessons cover it."""
    monkeypatch.setitem(app.config, "MINUTES_PER_HOUR_UNIT", 1)
    world = World(app, videos, make_user)
    world.users = Users(make_user)
    return world


@pytest.fixture
def stored_media(app):
    """``stored_media()``: files under MEDIA_ROOT/lessons right now."""
    return lambda: media_files(app)


@pytest.fixture(autouse=True)
def _empty_lesson_media(_app):
    """Each test starts and ends with no lesson video on disk (tables are emptied too)."""
    import shutil

    folder = Path(_app.config["MEDIA_ROOT"]) / "lessons"
    shutil.rmtree(folder, ignore_errors=True)
    yield
    shutil.rmtree(folder, ignore_errors=True)
