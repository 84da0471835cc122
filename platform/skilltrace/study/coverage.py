"""A lesson's attested coverage: the one "watched" figure every page and the API show.

"Watched" is the share of the lesson's video covered by credited time (the union of credited
intervals), as the ledger holds it, rounded by :func:`skilltrace.courses.rules.watched_percent`.
The player, "My learning hours", the class page and the API all show :class:`LessonCoverage`:
read from the ledger table by :func:`lesson_coverage`, or, on a heartbeat (which must not touch
the database), from the session's fold of the same ledger (:meth:`LessonCoverage.of_ledger`).
The two agree: every credit goes to both in one step (``projection.apply_delta``).
Time watched since the last passed check is not in it; the player shows it apart, as pending.
"""

from __future__ import annotations

from dataclasses import dataclass

from skilltrace.courses.rules import watched_percent
from skilltrace.study.ledger import Ledger


@dataclass(frozen=True)
class LessonCoverage:
    """How much of one lesson one learner has attested."""

    lesson_id: int
    duration_s: float | None
    covered_seconds: float
    completed: bool

    @property
    def ratio(self) -> float:
        """Covered ÷ duration, 0..1."""
        if not self.duration_s:
            return 0.0
        return max(0.0, min(1.0, self.covered_seconds / self.duration_s))

    @property
    def percent(self) -> int:
        return watched_percent(self.covered_seconds, self.duration_s, self.completed)

    def as_json(self) -> dict:
        return {
            "id": self.lesson_id,
            "duration_s": self.duration_s,
            "covered_seconds": round(self.covered_seconds, 1),
            "coverage_ratio": round(self.ratio, 3),
            "watched_percent": self.percent,
            "completed": self.completed,
        }

    @classmethod
    def of_progress(cls, lesson_id: int, duration_s: float | None, progress) -> LessonCoverage:
        """From the learner's ``LessonProgress`` row of the lesson (None: nothing attested)."""
        if progress is None:
            return cls(lesson_id, duration_s, 0.0, False)
        return cls(
            lesson_id, duration_s, progress.covered_seconds, progress.completed_at is not None
        )

    @classmethod
    def of_ledger(cls, ledger: Ledger, lesson_id: int) -> LessonCoverage:
        """From a study session's fold of the ledger."""
        info = ledger.lessons.get(lesson_id)
        return cls(
            lesson_id,
            info.duration_s if info else None,
            ledger.covered_seconds(lesson_id),
            lesson_id in ledger.completed,
        )


def lesson_coverage(learner_id: int, lesson_id: int) -> LessonCoverage:
    """The learner's attested coverage of the lesson, from the ledger table."""
    from skilltrace.courses.models import Lesson
    from skilltrace.extensions import db
    from skilltrace.study.models import LessonProgress

    lesson = db.session.get(Lesson, lesson_id)
    progress = db.session.get(LessonProgress, (learner_id, lesson_id))
    duration = lesson.duration_s if lesson is not None else None
    return LessonCoverage.of_progress(lesson_id, duration, progress)


def lessons_coverage(learner_id: int, lessons) -> dict[int, LessonCoverage]:
    """:func:`lesson_coverage` of each of ``lessons`` (Lesson rows), in one query."""
    from sqlalchemy import select

    from skilltrace.extensions import db
    from skilltrace.study.models import LessonProgress

    lessons = list(lessons)
    rows = db.session.scalars(
        select(LessonProgress).where(
            LessonProgress.learner_id == learner_id,
            LessonProgress.lesson_id.in_([lesson.id for lesson in lessons]),
        )
    )
    progress = {row.lesson_id: row for row in rows}
    return {
        lesson.id: LessonCoverage.of_progress(lesson.id, lesson.duration_s, progress.get(lesson.id))
        for lesson in lessons
    }
