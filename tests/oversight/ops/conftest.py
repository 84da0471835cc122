"""Oversight fixtures: a small world of rows made directly (no video, no faces needed)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from class_rows import open_class_rows
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
    from skilltrace.courses.models import ClassMember
    from skilltrace.extensions import db

    provider = make_user.provider(city="6101")
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    regulator = make_user(Role.REGULATOR, scope="61")
    course, lesson, class_ = open_class_rows(provider, staff)
    learners = [make_user(Role.LEARNER) for _ in range(12)]
    for learner in learners:
        db.session.add(ClassMember(class_id=class_.id, learner_id=learner.id, via="code"))
    db.session.commit()
    return World(provider, staff, regulator, course, lesson, class_, learners)
