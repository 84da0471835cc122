"""Class progress: per learner attested 学时 against the required, coverage per lesson,
completion, last study, failed / missed checks and open / overturned appeals — for the
class's provider and regulators.

A read model of the ledger tables (themselves a projection of the trace). Rows are produced
in chunks of members so that a 10,000-learner class is read in bounded memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from skilltrace.courses.models import ClassMember, Lesson, TrainingClass
from skilltrace.courses.scope import sees_class
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.faces.appeal_models import OPEN_APPEAL_STATUSES, AppealStatus, CheckAppeal
from skilltrace.identity.models import Role, User
from skilltrace.study.coverage import LessonCoverage
from skilltrace.study.crediting import CreditingRules, attested_units
from skilltrace.study.models import CreditedTime, FaceCheck, LessonProgress, StudySession

CHUNK = 1000


@dataclass(frozen=True)
class LearnerProgress:
    """One row of a class's progress."""

    learner_id: int
    name: str
    id_number_masked: str
    credited_seconds: float
    attested_hours: float
    required_hours: float
    coverage: tuple[float, ...]  # per lesson, 0..1, in lesson order
    lessons_completed: int
    completed: bool
    last_study: datetime | None
    failed_checks: int
    missed_checks: int
    open_appeals: int = 0  # appeals of this class's checks awaiting a decision
    overturned_appeals: int = 0  # appeals that overturned a check's verdict
    watched: tuple[int, ...] = ()  # per lesson, the learner's own "watched" figure (percent)


def class_in_view(viewer: User, class_id: int) -> TrainingClass:
    """The class if ``viewer`` may see its learners' progress (its provider's staff and
    regulators in scope); 404 otherwise."""
    class_ = db.session.get(TrainingClass, class_id)
    if (
        class_ is None
        or viewer.role not in (Role.PROVIDER_STAFF, Role.REGULATOR)
        or not sees_class(viewer, class_)
    ):
        raise DomainError("class_not_found", _l("No such class in your scope."), status=404)
    return class_


def class_lessons(class_: TrainingClass) -> list[Lesson]:
    return list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.course_id == class_.course_id, Lesson.retired_at.is_(None))
            .order_by(Lesson.position)
        )
    )


def class_progress(
    class_: TrainingClass, lessons: list[Lesson] | None = None, chunk: int = CHUNK
) -> Iterator[LearnerProgress]:
    """Every member's progress in the class, by join order, read ``chunk`` members at a time."""
    rules = CreditingRules.from_config(current_app.config)
    lessons = class_lessons(class_) if lessons is None else lessons
    required = class_.course.required_tenths / 10
    kept = set(db.session)  # rows the caller loaded (the class, its provider…) stay attached
    after = 0
    while True:
        members = db.session.execute(
            select(ClassMember.id, User.id, User.name, User.id_number_masked)
            .join(User, User.id == ClassMember.learner_id)
            .where(ClassMember.class_id == class_.id, ClassMember.id > after)
            .order_by(ClassMember.id)
            .limit(chunk)
        ).all()
        if not members:
            return
        after = members[-1][0]
        ids = [m[1] for m in members]
        facts = _chunk_facts(class_, ids)
        for _member_id, learner_id, name, masked in members:
            seconds = facts.seconds.get(learner_id, 0.0)
            covered = facts.coverage.get(learner_id, {})
            done = facts.completed.get(learner_id, set())
            per_lesson = [
                LessonCoverage(
                    lesson.id, lesson.duration_s, covered.get(lesson.id, 0.0), lesson.id in done
                )
                for lesson in lessons
            ]
            coverage = tuple(round(c.ratio, 3) for c in per_lesson)
            completed_count = sum(lesson.id in done for lesson in lessons)
            yield LearnerProgress(
                learner_id=learner_id,
                name=name,
                id_number_masked=masked or "",
                credited_seconds=round(seconds, 1),
                attested_hours=round(attested_units(seconds, rules), 2),
                required_hours=required,
                coverage=coverage,
                watched=tuple(c.percent for c in per_lesson),
                lessons_completed=completed_count,
                completed=bool(lessons) and completed_count == len(lessons),
                last_study=facts.last_study.get(learner_id),
                failed_checks=facts.checks.get((learner_id, "failed"), 0),
                missed_checks=facts.checks.get((learner_id, "missed"), 0),
                open_appeals=facts.appeals.get((learner_id, True), 0),
                overturned_appeals=facts.appeals.get((learner_id, False), 0),
            )
        for row in [row for row in db.session if row not in kept]:
            db.session.expunge(row)  # a chunk's rows go: memory stays flat over a large class


@dataclass(frozen=True)
class _Facts:
    seconds: dict
    coverage: dict
    completed: dict
    last_study: dict
    checks: dict
    appeals: dict  # (learner, open?) -> count; False counts the overturned


def _chunk_facts(class_: TrainingClass, learner_ids: list[int]) -> _Facts:
    """Aggregates for a chunk of members, one query each."""
    seconds = dict(
        db.session.execute(
            select(CreditedTime.learner_id, func.sum(CreditedTime.seconds))
            .where(
                CreditedTime.learner_id.in_(learner_ids),
                CreditedTime.course_id == class_.course_id,
            )
            .group_by(CreditedTime.learner_id)
        ).all()
    )
    coverage: dict[int, dict[int, float]] = defaultdict(dict)
    completed: dict[int, set[int]] = defaultdict(set)
    for learner_id, lesson_id, covered, done in db.session.execute(
        select(
            LessonProgress.learner_id,
            LessonProgress.lesson_id,
            LessonProgress.covered_seconds,
            LessonProgress.completed_at,
        ).where(
            LessonProgress.learner_id.in_(learner_ids),
            LessonProgress.course_id == class_.course_id,
        )
    ):
        coverage[learner_id][lesson_id] = covered
        if done is not None:
            completed[learner_id].add(lesson_id)
    last_study = dict(
        db.session.execute(
            select(StudySession.learner_id, func.max(StudySession.started_at))
            .where(StudySession.learner_id.in_(learner_ids), StudySession.class_id == class_.id)
            .group_by(StudySession.learner_id)
        ).all()
    )
    checks = {
        (learner_id, status): count
        for learner_id, status, count in db.session.execute(
            select(FaceCheck.learner_id, FaceCheck.status, func.count())
            .join(StudySession, StudySession.id == FaceCheck.session_id)
            .where(
                FaceCheck.learner_id.in_(learner_ids),
                StudySession.class_id == class_.id,
                FaceCheck.status.in_(("failed", "missed")),
            )
            .group_by(FaceCheck.learner_id, FaceCheck.status)
        )
    }
    is_open = CheckAppeal.status.in_(OPEN_APPEAL_STATUSES)
    appeals = {
        (learner_id, bool(opened)): count
        for learner_id, opened, count in db.session.execute(
            select(CheckAppeal.learner_id, is_open, func.count())
            .join(FaceCheck, FaceCheck.id == CheckAppeal.check_id)
            .join(StudySession, StudySession.id == FaceCheck.session_id)
            .where(
                CheckAppeal.learner_id.in_(learner_ids),
                StudySession.class_id == class_.id,
                CheckAppeal.status.in_((*OPEN_APPEAL_STATUSES, AppealStatus.OVERTURNED)),
            )
            .group_by(CheckAppeal.learner_id, is_open)
        )
    }
    return _Facts(seconds, coverage, completed, last_study, checks, appeals)
