"""``study_refusals`` (many sessions, set-wise) gives ``study_access``'s verdict, case by case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from class_rows import open_class_rows
from skilltrace.courses import study_access, study_refusals
from skilltrace.courses.models import ClassMember, TrainingClass
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Role

TODAY = date.today()


def _second_class(world):
    """Another class of the same course, open today, the learner in it too."""
    first = world["class_"]
    second = TrainingClass(
        provider_id=first.provider_id,
        course_id=first.course_id,
        name="二班",
        code=f"D{first.course_id:07d}",
        start_date=TODAY - timedelta(days=1),
        end_date=TODAY + timedelta(days=1),
        capacity=10,
        status="approved",
        created_by_id=first.created_by_id,
    )
    db.session.add(second)
    db.session.flush()
    db.session.add(ClassMember(class_id=second.id, learner_id=world["learner"].id, via="code"))
    return second


def _leave(world):
    db.session.query(ClassMember).filter_by(learner_id=world["learner"].id).delete()


CASES = {
    "open": (lambda w: None, None),
    "provider suspended": (
        lambda w: setattr(w["provider"], "status", "suspended"),
        "provider_suspended",
    ),
    "provider blacklisted": (
        lambda w: setattr(w["provider"], "status", "blacklisted"),
        "provider_suspended",
    ),
    "course back to draft": (
        lambda w: setattr(w["course"], "status", "draft"),
        "course_not_approved",
    ),
    "class closed": (lambda w: setattr(w["class_"], "status", "closed"), "class_not_open"),
    "class ended yesterday": (
        lambda w: setattr(w["class_"], "end_date", TODAY - timedelta(days=1)),
        "class_not_open",
    ),
    "class starts tomorrow": (
        lambda w: setattr(w["class_"], "start_date", TODAY + timedelta(days=1)),
        "class_not_open",
    ),
    "learner left the class": (_leave, "not_in_class"),
    "lesson retired": (
        lambda w: setattr(w["lesson"], "retired_at", datetime(2026, 1, 1, tzinfo=UTC)),
        "lesson_not_found",
    ),
    "one class closed, another open": (
        lambda w: (setattr(w["class_"], "status", "closed"), _second_class(w)),
        None,
    ),
}


@pytest.fixture
def world(app, make_user):
    provider = make_user.provider()
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    course, lesson, class_ = open_class_rows(provider, staff)
    learner = make_user(Role.LEARNER)
    db.session.add(ClassMember(class_id=class_.id, learner_id=learner.id, via="code"))
    db.session.commit()
    return {
        "provider": provider,
        "course": course,
        "lesson": lesson,
        "class_": class_,
        "learner": learner,
    }


def _one_by_one(learner, lesson_id) -> str | None:
    try:
        study_access(learner, lesson_id, TODAY)
    except DomainError as refused:
        return refused.code
    return None


@pytest.mark.parametrize("case", list(CASES))
def test_many_at_once_agrees_with_one_by_one(world, case):
    change, expected = CASES[case]
    change(world)
    db.session.commit()
    learner, lesson = world["learner"], world["lesson"]
    assert _one_by_one(learner, lesson.id) == expected
    refused = study_refusals([(7, learner.id, lesson.id)], TODAY)
    assert refused.get(7) == expected
    assert set(refused) <= {7}


def test_a_lesson_that_does_not_exist_is_refused(world):
    assert study_refusals([(1, world["learner"].id, 10**9)], TODAY) == {1: "lesson_not_found"}


def test_sessions_are_judged_each_on_their_own_and_in_chunks(world, make_user, monkeypatch):
    """Only the learners in trouble are refused, however the sessions are chunked."""
    import skilltrace.courses.refusals as refusals

    lesson = world["lesson"]
    outsiders = [make_user(Role.LEARNER) for _ in range(3)]
    sessions = [(1, world["learner"].id, lesson.id)] + [
        (10 + n, user.id, lesson.id) for n, user in enumerate(outsiders)
    ]
    monkeypatch.setattr(refusals, "CHUNK", 2)
    assert study_refusals(sessions, TODAY) == {
        10: "not_in_class",
        11: "not_in_class",
        12: "not_in_class",
    }
    assert study_refusals([], TODAY) == {}
