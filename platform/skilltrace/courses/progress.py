"""A learner's progress in a class: lessons done, hours still missing, where to continue.

:func:`summarise` is a pure function over plain data (tested with tables);
:func:`class_progress` reads the figures the study domain keeps (credited seconds and lesson
coverage, the same read model as the learner's ledger page) for one class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from skilltrace.courses.rules import watched_percent


@dataclass(frozen=True)
class LessonState:
    """One lesson of the course as the learner stands with it."""

    lesson_id: int
    title: str
    duration_s: float
    covered_s: float
    completed: bool

    @property
    def watched_percent(self) -> int:
        """Share of the lesson watched and credited (the rule every page shows)."""
        return watched_percent(self.covered_s, self.duration_s, self.completed)

    @property
    def started(self) -> bool:
        return self.completed or self.covered_s > 0


@dataclass(frozen=True)
class ClassProgress:
    """Progress in one class's course."""

    lessons: tuple[LessonState, ...]
    credited_s: float
    required_tenths: int
    minutes_per_unit: int

    @property
    def completed_count(self) -> int:
        return sum(lesson.completed for lesson in self.lessons)

    @property
    def attested_hours(self) -> float:
        """Attested 学时, rounded down to hundredths (never shows more than was credited)."""
        return math.floor(self.credited_s / (self.minutes_per_unit * 60) * 100) / 100

    @property
    def required_hours(self) -> float:
        return self.required_tenths / 10

    @property
    def remaining_hours(self) -> float:
        """学时 still missing, rounded up to hundredths; 0 once the requirement is met."""
        missing = self.required_hours - self.credited_s / (self.minutes_per_unit * 60)
        return max(0.0, math.ceil(round(missing * 100, 6)) / 100)

    @property
    def percent(self) -> int:
        """Share of the required hours attested, rounded down, at most 100."""
        if not self.required_tenths:
            return 100
        return min(100, math.floor(self.attested_hours / self.required_hours * 100))

    @property
    def next_lesson(self) -> LessonState | None:
        """Where to continue: the first lesson not completed (None when all are)."""
        return next((lesson for lesson in self.lessons if not lesson.completed), None)

    @property
    def started(self) -> bool:
        return self.credited_s > 0 or any(lesson.started for lesson in self.lessons)

    def after(self, lesson_id: int) -> LessonState | None:
        """The lesson following ``lesson_id`` in course order (None after the last)."""
        ids = [lesson.lesson_id for lesson in self.lessons]
        if lesson_id not in ids or ids.index(lesson_id) + 1 >= len(ids):
            return None
        return self.lessons[ids.index(lesson_id) + 1]


def summarise(
    lessons: list[tuple[int, str, float]],
    covered: dict[int, tuple[float, bool]],
    credited_s: float,
    required_tenths: int,
    minutes_per_unit: int,
) -> ClassProgress:
    """Progress from the course's lessons (id, title, duration) in order and per-lesson
    (covered seconds, completed)."""
    states = tuple(
        LessonState(
            lesson_id,
            title,
            duration,
            covered.get(lesson_id, (0.0, False))[0],
            covered.get(lesson_id, (0.0, False))[1],
        )
        for lesson_id, title, duration in lessons
    )
    return ClassProgress(states, credited_s, required_tenths, minutes_per_unit)


def class_progress(learner_id: int, class_) -> ClassProgress:
    """The learner's progress in ``class_`` (its course), from the study read model."""
    from flask import current_app

    from skilltrace.study.coverage import lessons_coverage
    from skilltrace.study.reports import learner_ledger

    course = class_.course
    ledger = learner_ledger(learner_id, [course.id])
    mine = next((c for c in ledger["courses"] if c["course_id"] == course.id), None)
    credited = mine["credited_seconds"] if mine is not None else 0.0
    coverage = lessons_coverage(learner_id, course.lessons)
    return summarise(
        [(lesson.id, lesson.title, lesson.duration_s) for lesson in course.lessons],
        {i: (c.covered_seconds, c.completed) for i, c in coverage.items()},
        credited,
        course.required_tenths,
        current_app.config["MINUTES_PER_HOUR_UNIT"],
    )
