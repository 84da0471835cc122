"""Oversight fixtures: a small world of rows made directly (no video, no faces needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from skilltrace.identity.models import Role


@dataclass
class World:
    provider: object
    staff: object
    regulator: object
    course: object
    lesson: object
    class_: object
    learners: list


@pytest.fixture
def world(app, make_user) -> World:
    """A provider in 西安 with an approved course, one lesson, an open class of 12 learners."""
    from skilltrace.courses.models import ClassMember, Course, Lesson, TrainingClass
    from skilltrace.extensions import db

    provider = make_user.provider(city="6101")
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    regulator = make_user(Role.REGULATOR, scope="61")
    course = Course(
        provider_id=provider.id,
        title="电工安全",
        occupation="电工",
        skill_level="5",
        required_tenths=10,
        status="approved",
    )
    db.session.add(course)
    db.session.flush()
    lesson = Lesson(
        course_id=course.id,
        position=1,
        title="第1课",
        media_path=f"lessons/fixture-{course.id}.webm",
        content_type="video/webm",
        size_bytes=1,
        sha256="0" * 64,
        duration_s=3600.0,
        width=640,
        height=360,
        codec="vp8",
    )
    today = date.today()
    class_ = TrainingClass(
        provider_id=provider.id,
        course_id=course.id,
        name="演示班",
        code=f"C{course.id:07d}",
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=30),
        capacity=100,
        status="approved",
        created_by_id=staff.id,
    )
    db.session.add_all([lesson, class_])
    db.session.flush()
    learners = [make_user(Role.LEARNER) for _ in range(12)]
    for learner in learners:
        db.session.add(ClassMember(class_id=class_.id, learner_id=learner.id, via="code"))
    db.session.commit()
    return World(provider, staff, regulator, course, lesson, class_, learners)
