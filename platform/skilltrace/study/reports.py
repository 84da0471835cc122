"""Read models of the attested ledger (for the learner's page and API, and regulators)."""

from __future__ import annotations

from collections import defaultdict

from flask import current_app
from sqlalchemy import select

from skilltrace.clock import current_clock
from skilltrace.extensions import db
from skilltrace.study.coverage import LessonCoverage
from skilltrace.study.crediting import CreditingRules, attested_units, local_zone
from skilltrace.study.models import CreditedTime, LessonProgress


def learner_ledger(learner_id: int, course_ids: list[int] | None = None) -> dict:
    """Credited seconds and attested 学时 per course, coverage per lesson, seconds per day.

    ``course_ids`` limits it to those courses (what a viewer in a narrower scope may see).
    """
    from skilltrace.courses.models import Course, Lesson

    rules = CreditingRules.from_config(current_app.config)
    credited_q = select(CreditedTime).where(CreditedTime.learner_id == learner_id)
    progress_q = select(LessonProgress).where(LessonProgress.learner_id == learner_id)
    if course_ids is not None:
        credited_q = credited_q.where(CreditedTime.course_id.in_(course_ids))
        progress_q = progress_q.where(LessonProgress.course_id.in_(course_ids))
    credited = db.session.scalars(credited_q).all()
    progress = {p.lesson_id: p for p in db.session.scalars(progress_q)}
    by_course: dict[int, float] = defaultdict(float)
    by_lesson: dict[int, float] = defaultdict(float)
    by_day: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in credited:
        by_course[row.course_id] += row.seconds
        by_lesson[row.lesson_id] += row.seconds
        by_day[row.day][0] += row.seconds
        by_day[row.day][1] += row.capped_seconds
    course_ids = set(by_course) | {p.course_id for p in progress.values()}
    courses = []
    for course in db.session.scalars(select(Course).where(Course.id.in_(course_ids))):
        lessons = db.session.scalars(
            select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
        )
        courses.append(
            {
                "course_id": course.id,
                "title": course.title,
                "required_hours": course.required_tenths / 10,
                "credited_seconds": round(by_course[course.id], 1),
                "attested_hours": round(attested_units(by_course[course.id], rules), 2),
                "lessons": [
                    _lesson(lesson, progress.get(lesson.id), by_lesson) for lesson in lessons
                ],
            }
        )
    today = current_clock().now().astimezone(local_zone(rules.timezone)).date().isoformat()
    return {
        "minutes_per_hour_unit": rules.minutes_per_hour_unit,
        "daily_cap_hours": rules.daily_cap_units,
        "today_credited_seconds": round(by_day[today][0], 1) if today in by_day else 0.0,
        "courses": courses,
        "days": [
            {"day": day, "credited_seconds": round(s, 1), "capped_seconds": round(c, 1)}
            for day, (s, c) in sorted(by_day.items())
        ],
    }


def _lesson(lesson, progress: LessonProgress | None, by_lesson) -> dict:
    coverage = LessonCoverage.of_progress(lesson.id, lesson.duration_s, progress)
    return {
        "lesson_id": lesson.id,
        "title": lesson.title,
        "duration_s": lesson.duration_s,
        "credited_seconds": round(by_lesson.get(lesson.id, 0.0), 1),
        "covered_seconds": round(coverage.covered_seconds, 1),
        "coverage_ratio": round(coverage.ratio, 3),
        "watched_percent": coverage.percent,
        "completed_at": progress.completed_at.isoformat()
        if progress and progress.completed_at
        else None,
    }
