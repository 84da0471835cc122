"""Study access for many sessions at once: :func:`study_access`'s verdict, read set-wise.

The study domain's ``study.recheck_access`` job asks it for every running session every
half minute or so. One session's access costs :func:`~skilltrace.courses.study_access` six
queries; here a chunk of sessions costs two, judged by the same rule
(:func:`skilltrace.courses.rules.study_refusal`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from skilltrace.courses import rules
from skilltrace.courses.models import ClassMember, Course, Lesson, TrainingClass
from skilltrace.extensions import db
from skilltrace.identity.models import Provider

CHUNK = 1000  # sessions judged per pair of queries


def study_refusals(sessions: Iterable[tuple[int, int, int]], today: date) -> dict[int, str]:
    """The refused ones of ``sessions`` — ``(key, learner_id, lesson_id)`` — as
    ``{key: error code}``, each code the one :func:`study_access` would raise for that
    learner and lesson ``today``. Keys left out may study."""
    sessions = list(sessions)
    refused: dict[int, str] = {}
    for start in range(0, len(sessions), CHUNK):
        refused.update(_refusals_of(sessions[start : start + CHUNK], today))
    return refused


def _refusals_of(sessions: list[tuple[int, int, int]], today: date) -> dict[int, str]:
    lessons = {
        lesson_id: (course_id, retired_at)
        for lesson_id, course_id, retired_at in db.session.execute(
            select(Lesson.id, Lesson.course_id, Lesson.retired_at).where(
                Lesson.id.in_({lesson_id for _key, _learner, lesson_id in sessions})
            )
        )
    }
    classes = _member_classes(
        {learner_id for _key, learner_id, _lesson in sessions},
        {course_id for course_id, _retired in lessons.values()},
    )
    refused = {}
    for key, learner_id, lesson_id in sessions:
        course_id, retired_at = lessons.get(lesson_id, (None, None))
        if course_id is None or retired_at is not None:
            refused[key] = "lesson_not_found"
            continue
        refusal = "not_in_class"
        for class_facts in classes.get((learner_id, course_id), ()):
            refusal = rules.study_refusal(member=True, today=today, **class_facts)
            if refusal is None:
                break
        if refusal is not None:
            refused[key] = refusal
    return refused


def _member_classes(learner_ids: set[int], course_ids: set[int]) -> dict[tuple, list[dict]]:
    """``{(learner_id, course_id): [the facts of each class, by class id]}``."""
    if not learner_ids or not course_ids:
        return {}
    rows = db.session.execute(
        select(
            ClassMember.learner_id,
            TrainingClass.course_id,
            TrainingClass.status,
            TrainingClass.start_date,
            TrainingClass.end_date,
            Course.status,
            Provider.status,
        )
        .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
        .join(Course, Course.id == TrainingClass.course_id)
        .join(Provider, Provider.id == TrainingClass.provider_id)
        .where(ClassMember.learner_id.in_(learner_ids), TrainingClass.course_id.in_(course_ids))
        .order_by(TrainingClass.id)
    )
    classes: dict[tuple, list[dict]] = defaultdict(list)
    for learner_id, course_id, status, start, end, course_status, provider_status in rows:
        classes[learner_id, course_id].append(
            {
                "class_status": status,
                "start": start,
                "end": end,
                "course_status": course_status,
                "provider_status": provider_status,
            }
        )
    return classes
