"""Study's attested ledger for one class, as frozen dataclasses (a read model, read-only).

Reads study's ledger tables (``CreditedTime``, ``LessonProgress``) and the courses' quiz
attempts directly through their models; it never calls study's services or page dicts.
Credited time is kept per course and local day, so a class counts the days from its start to
its end date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from skilltrace.courses.models import QuizAttempt, TrainingClass
from skilltrace.extensions import db
from skilltrace.study.crediting import CreditingRules, attested_units
from skilltrace.study.models import CreditedTime, LessonProgress


@dataclass(frozen=True)
class LessonCoverage:
    lesson_id: int
    duration_s: float
    covered_s: float

    @property
    def ratio(self) -> float:
        return self.covered_s / self.duration_s if self.duration_s else 0.0


@dataclass(frozen=True)
class LearnerLedger:
    """One learner's attested study in one class."""

    learner_id: int
    lessons: tuple[LessonCoverage, ...]
    credited_seconds: float
    attested_hours: float
    study_days: tuple[str, ...]  # local days (YYYY-MM-DD) with credited study
    quizzes_passed: bool  # every current lesson quiz passed in this class
    has_quizzes: bool


def class_ledger(class_: TrainingClass, learner_ids: list[int]) -> dict[int, LearnerLedger]:
    """The ledger of each learner in ``learner_ids`` for ``class_`` (missing study is zero)."""
    rules = CreditingRules.from_config(current_app.config)
    course = class_.course
    lessons = list(course.lessons)
    first, last = class_.start_date.isoformat(), class_.end_date.isoformat()
    seconds: dict[int, float] = defaultdict(float)
    days: dict[int, set[str]] = defaultdict(set)
    for row in db.session.scalars(
        select(CreditedTime).where(
            CreditedTime.course_id == course.id,
            CreditedTime.learner_id.in_(learner_ids),
            CreditedTime.day >= first,
            CreditedTime.day <= last,
        )
    ):
        seconds[row.learner_id] += row.seconds
        if row.seconds > 0:
            days[row.learner_id].add(row.day)
    covered = {
        (p.learner_id, p.lesson_id): p.covered_seconds
        for p in db.session.scalars(
            select(LessonProgress).where(
                LessonProgress.course_id == course.id,
                LessonProgress.learner_id.in_(learner_ids),
            )
        )
    }
    quiz_lessons = {lesson.id for lesson in lessons if lesson.questions}
    passed: dict[int, set[int]] = defaultdict(set)
    for attempt in db.session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.class_id == class_.id,
            QuizAttempt.learner_id.in_(learner_ids),
            QuizAttempt.passed.is_(True),
        )
    ):
        passed[attempt.learner_id].add(attempt.lesson_id)
    return {
        learner_id: LearnerLedger(
            learner_id=learner_id,
            lessons=tuple(
                LessonCoverage(
                    lesson.id, lesson.duration_s, covered.get((learner_id, lesson.id), 0.0)
                )
                for lesson in lessons
            ),
            credited_seconds=seconds[learner_id],
            attested_hours=attested_units(seconds[learner_id], rules),
            study_days=tuple(sorted(days[learner_id])),
            quizzes_passed=quiz_lessons <= passed[learner_id],
            has_quizzes=bool(quiz_lessons),
        )
        for learner_id in learner_ids
    }
