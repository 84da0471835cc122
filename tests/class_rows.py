"""An approved course with one lesson and an open class, as rows made directly (no video or
faces needed): the small world of the oversight and route-walk tests."""

from __future__ import annotations

from datetime import date, timedelta


def open_class_rows(provider, staff):
    """(course, lesson, class) of ``provider``: approved, one hour-long lesson, open today."""
    from skilltrace.courses.models import Course, Lesson, TrainingClass
    from skilltrace.extensions import db

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
    return course, lesson, class_
