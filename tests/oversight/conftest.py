"""A world across two cities for scope tests: real study in a Xi'an class, a pending Baoji
class the same learner joined, and one viewer of every kind."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest

from skilltrace.identity.models import Role


@dataclass
class World:
    learner: object
    other_learner: object
    xian_class: object
    baoji_class: object
    viewers: dict  # name -> user
    snapshot_ids: list


def open_class(make_user, lesson_video, city: str, approve: bool, name: str):
    """An approved course of a new provider in ``city`` and a class of it (approved or not)."""
    from skilltrace.courses.classes import class_service, local_today
    from skilltrace.courses.services import CourseData, course_service

    provider = make_user.provider(city=city)
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    regulator = make_user(Role.REGULATOR, scope=city)
    courses = course_service()
    course = courses.create_course(staff, CourseData(f"{name}课程", "电工", "5", "说明", "1"))
    courses.add_lesson(staff, course, "第1课", io.BytesIO(lesson_video), "l1.webm")
    courses.submit(staff, course)
    courses.decide(regulator, course, True, "同意")
    today = local_today()
    class_ = class_service().open_class(
        staff, course, name, today + timedelta(days=1), today + timedelta(days=30), 30, today
    )
    if approve:
        class_service().decide(regulator, class_, True, today=today)
    return class_, staff, regulator


@pytest.fixture
def world(study, app, make_user, lesson_video) -> World:
    from skilltrace.courses.classes import class_service
    from skilltrace.extensions import db
    from skilltrace.study.models import FaceCheck

    study.signed_in()
    study.beat(15)
    study.finish()
    learner = study.room.learner
    xian = study.room.class_
    baoji, baoji_staff, baoji_regulator = open_class(
        make_user, lesson_video, "6103", False, "宝鸡待批班"
    )
    class_service().join(learner, baoji.code)
    xian_staff = next(u for u in xian.provider.staff)
    viewers = {
        "province": make_user(Role.REGULATOR, scope="61"),
        "xian_regulator": make_user(Role.REGULATOR, scope="6101"),
        "baoji_regulator": baoji_regulator,
        "yanan_regulator": make_user(Role.REGULATOR, scope="6106"),
        "xian_staff": xian_staff,
        "baoji_staff": baoji_staff,
        "admin": make_user(Role.ADMIN),
    }
    other = make_user(Role.LEARNER)
    snapshots = [
        c.snapshot_id
        for c in db.session.scalars(db.select(FaceCheck).where(FaceCheck.learner_id == learner.id))
        if c.snapshot_id
    ]
    return World(learner, other, xian, baoji, viewers, snapshots)
