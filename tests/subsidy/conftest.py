"""A subsidy world built through the API: a provider with an approved course (a real lesson
video), a class that ends today, learners in it, a regulator, and standards.

``World.attest`` writes a learner's attested ledger rows (credited time per day and lesson
coverage) as study's projection would after supervised study; one test
(``test_completion_from_real_study``) earns them through the real study API instead.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from skilltrace.extensions import db
from skilltrace.identity.models import Role

PEOPLE = [
    "obama/obama.jpg",
    "biden/biden.jpg",
    "kit_harington/john1.jpeg",
    "rose_leslie/img1.jpg",
    "alex_lacamoire/img1.jpg",
]


@dataclass
class World:
    app: object
    staff: object
    regulator: object
    provider: object
    course: object
    class_: object
    learners: list = field(default_factory=list)
    staff_client: object = None
    reg_client: object = None
    staff_csrf: str = ""
    reg_csrf: str = ""

    def as_staff(self, method, path, **kw):
        return self.staff_client.open(
            path, method=method, headers={"X-CSRFToken": self.staff_csrf}, **kw
        )

    def as_regulator(self, method, path, **kw):
        return self.reg_client.open(
            path, method=method, headers={"X-CSRFToken": self.reg_csrf}, **kw
        )

    def attest(self, learner, seconds: float = 120.0, days: int = 1, cover: float = 1.0):
        """The attested ledger of ``learner`` for this class's course (see module doc)."""
        from skilltrace.study.models import CreditedTime, LessonProgress

        lesson = self.course.lessons[0]
        for d in range(days):
            day = (self.class_.start_date + timedelta(days=d)).isoformat()
            db.session.add(
                CreditedTime(
                    learner_id=learner.id,
                    lesson_id=lesson.id,
                    course_id=self.course.id,
                    day=day,
                    seconds=seconds / days,
                    capped_seconds=0.0,
                )
            )
        covered = lesson.duration_s * cover
        db.session.add(
            LessonProgress(
                learner_id=learner.id,
                lesson_id=lesson.id,
                course_id=self.course.id,
                duration_s=lesson.duration_s,
                intervals_json=json.dumps([[0.0, covered]]),
                covered_seconds=covered,
            )
        )
        db.session.commit()

    def exam(self, learner, score=80, pass_mark=60):
        r = self.as_staff(
            "POST",
            f"/api/v1/subsidy/classes/{self.class_.id}/exams",
            json={
                "learner_id": learner.id,
                "score": score,
                "pass_mark": pass_mark,
                "evidence": "线下考试成绩单",
            },
        )
        assert r.status_code == 201, r.get_json()

    def key_group(self, learner, group):
        r = self.as_staff(
            "POST",
            "/api/v1/subsidy/key-groups",
            json={"learner_id": learner.id, "group": group, "evidence": "证明材料"},
        )
        assert r.status_code == 201, r.get_json()
        rid = r.get_json()["key_group"]["id"]
        r = self.as_regulator(
            "POST", f"/api/v1/subsidy/key-groups/{rid}/decision", json={"confirm": True}
        )
        assert r.status_code == 200, r.get_json()

    def close(self):
        r = self.as_staff("POST", f"/api/v1/subsidy/classes/{self.class_.id}/close")
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def employ(self, learner, start=None):
        r = self.as_staff(
            "POST",
            f"/api/v1/subsidy/classes/{self.class_.id}/employment",
            json={
                "learner_id": learner.id,
                "employer": "西安某公司",
                "credit_code": self.provider.credit_code,
                "start_date": (start or self.class_.end_date).isoformat(),
                "evidence_kind": "contract",
            },
        )
        assert r.status_code == 201, r.get_json()

    def standard(
        self, amount_fen=150_000, kind="employment", occupation=None, level=None, per_hour=False
    ):
        r = self.as_regulator(
            "POST",
            "/api/v1/subsidy/standards",
            json={
                "region": "61",
                "occupation": occupation or self.course.occupation,
                "level": level or self.course.skill_level,
                "kind": kind,
                "amount_fen": amount_fen,
                "per_hour": per_hour,
                "effective_from": "2020-01-01",
            },
        )
        assert r.status_code == 201, r.get_json()

    def claim(self, **body):
        r = self.as_staff(
            "POST", "/api/v1/subsidy/claims", json={"class_id": self.class_.id, **body}
        )
        assert r.status_code == 201, r.get_json()
        return r.get_json()["claim"]

    def decisions(self, claim) -> dict:
        return {t["learner_id"]: t for t in claim["trainees"]}


def enroll(learner, shared_faces, person: str):
    from skilltrace.faces.services import enrollment_service

    enrollment_service().enroll(learner, (shared_faces / "people" / person).read_bytes())


@pytest.fixture
def make_world(app, make_user, lesson_video, login, monkeypatch):
    from skilltrace.courses.classes import class_service, local_today
    from skilltrace.courses.services import CourseData, course_service

    monkeypatch.setitem(app.config, "MINUTES_PER_HOUR_UNIT", 1)

    def make(learners: int = 1, occupation: str = "电工", level: str = "5", provider=None):
        provider = provider or make_user.provider(city="6101")
        staff = make_user(Role.PROVIDER_STAFF, provider=provider)
        regulator = make_user(Role.REGULATOR, scope="61")
        courses = course_service()
        course = courses.create_course(staff, CourseData("电工安全", occupation, level, "", "1"))
        courses.add_lesson(staff, course, "第1课", io.BytesIO(lesson_video), "l1.webm")
        courses.submit(staff, course)
        courses.decide(regulator, course, True, "同意")
        today = local_today()
        class_ = class_service().open_class(staff, course, "结业班", today, today, 50, today=today)
        class_service().decide(regulator, class_, True, today=today)
        world = World(app, staff, regulator, provider, course, class_)
        for _ in range(learners):
            learner = make_user(Role.LEARNER)
            class_service().join(learner, class_.code)
            world.learners.append(learner)
        world.staff_client, world.reg_client = app.test_client(), app.test_client()
        world.staff_csrf = login(world.staff_client, staff)
        world.reg_csrf = login(world.reg_client, regulator)
        return world

    return make
