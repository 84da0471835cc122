"""The demo seed step: an approved course with playable lessons and an open class, idempotent."""

from sqlalchemy import func, select

from skilltrace.courses import crediting_allowed, study_access
from skilltrace.courses.demo import seed_courses
from skilltrace.courses.models import ClassMember, Course, Lesson, TrainingClass
from skilltrace.demo import SEED_STEPS, _seed_accounts, demo_learner_ids
from skilltrace.extensions import db
from skilltrace.identity.models import User


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_is_registered_and_idempotent(app, monkeypatch, shared_faces):
    assert (20, "courses", seed_courses) in SEED_STEPS
    monkeypatch.setitem(app.config, "MINUTES_PER_HOUR_UNIT", 1)  # short videos for the test
    lines = []
    _seed_accounts(lines.append)
    seed_courses(lines.append)
    seed_courses(lines.append)
    assert count(Course) == 1 and count(Lesson) == 2 and count(TrainingClass) == 1
    course = db.session.scalar(select(Course))
    assert course.status == "approved"
    assert all(
        lesson.content_type == "video/webm" and lesson.codec == "vp80" for lesson in course.lessons
    )
    assert course.total_seconds >= 6
    class_ = db.session.scalar(select(TrainingClass))
    assert class_.status == "approved" and crediting_allowed(class_)
    assert count(ClassMember) == len(demo_learner_ids())
    mobile = demo_learner_ids()[0][0]
    learner = db.session.scalar(select(User).where(User.mobile == mobile))
    assert study_access(learner, course.lessons[0].id).class_.id == class_.id
    assert any(class_.code in line for line in lines)
