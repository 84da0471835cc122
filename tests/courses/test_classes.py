"""Classes: opening, approval (开班备案), joining by code, capacity, study access, suspension."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from skilltrace.courses import crediting_allowed, study_access
from skilltrace.courses import services as course_services
from skilltrace.courses.classes import class_service, local_today
from skilltrace.courses.models import ClassMember, ClassTransition, ProviderStatusChange
from skilltrace.courses.providers import set_provider_status
from skilltrace.errors import DomainError
from skilltrace.extensions import db


def refusal(fn, *args, **kwargs):
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    return info.value.code, info.value.status


def join(client, token, class_id, code):
    return client.post(
        f"/api/v1/classes/{class_id}/join", json={"code": code}, headers={"X-CSRFToken": token}
    )


def test_only_approved_courses_can_be_opened_as_classes(world):
    service = class_service()
    staff, today = world.users["staff_a"], local_today()
    for status in ("draft", "submitted", "rejected"):
        course = world.course(status=status)
        got = refusal(service.open_class, staff, course, "一班", today, today, 10)
        assert got == ("course_not_approved", 409), status
    course = world.course()
    assert refusal(
        service.open_class, world.users["staff_b"], course, "一班", today, today, 10
    ) == ("forbidden", 403)
    assert refusal(
        service.open_class, staff, course, "一班", today - timedelta(days=1), today, 10
    ) == ("start_in_past", 422)
    class_ = service.open_class(staff, course, "一班", today, today + timedelta(days=7), 10)
    assert class_.status == "submitted" and len(class_.code) == 8


def test_class_approval_by_a_regulator_in_scope_before_the_start(world, app, login):
    course = world.course()
    class_ = world.open_class(course, approve=False)
    outsider = app.test_client()
    token = login(outsider, world.users["regulator_baoji"])
    response = outsider.post(f"/api/v1/classes/{class_.id}/approve", headers={"X-CSRFToken": token})
    assert response.status_code == 403
    staff = app.test_client()
    token = login(staff, world.users["staff_a"])
    response = staff.post(f"/api/v1/classes/{class_.id}/approve", headers={"X-CSRFToken": token})
    assert response.status_code == 403
    # after the start date it can only be rejected
    assert refusal(
        class_service().decide,
        world.users["regulator_xian"],
        class_,
        True,
        today=class_.start_date + timedelta(days=1),
    ) == ("class_started", 409)
    regulator = app.test_client()
    token = login(regulator, world.users["regulator_xian"])
    response = regulator.post(
        f"/api/v1/classes/{class_.id}/approve", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    body = response.get_json()["class"]
    assert body["status"] == "approved" and body["crediting_allowed"] is True
    assert "code" not in body  # regulators do not need the join code
    steps = db.session.scalars(select(ClassTransition).order_by(ClassTransition.id)).all()
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("open", "new", "submitted"),
        ("approve", "submitted", "approved"),
    ]
    assert steps[-1].actor_id == world.users["regulator_xian"].id


def test_learner_joins_by_code_once(world, app, login):
    class_ = world.open_class(world.course())
    client = app.test_client()
    token = login(client, world.users["learner"])
    response = join(client, token, class_.id, class_.code.lower())
    assert response.status_code == 201
    assert response.get_json()["joined"] is True
    response = join(client, token, class_.id, class_.code)
    assert response.status_code == 200 and response.get_json()["joined"] is False
    listed = client.get("/api/v1/classes").get_json()["classes"]
    assert [c["id"] for c in listed] == [class_.id]
    course = client.get("/api/v1/courses").get_json()["courses"]
    assert [c["id"] for c in course] == [class_.course_id]
    detail = client.get(f"/api/v1/courses/{class_.course_id}").get_json()["course"]
    assert len(detail["lessons"]) == 2 and "answer" not in str(detail["lessons"])


def test_wrong_codes_are_refused_and_throttled(world, app, login):
    class_ = world.open_class(world.course())
    client = app.test_client()
    token = login(client, world.users["learner"])
    for _ in range(10):
        response = join(client, token, class_.id, "AAAAAAAA")
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "class_code_invalid"
    response = join(client, token, class_.id, class_.code)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_join_attempts"
    assert db.session.scalar(select(ClassMember)) is None


def test_the_code_must_match_the_class_in_the_path(world, app, login):
    first = world.open_class(world.course())
    second = world.open_class(world.course())
    client = app.test_client()
    token = login(client, world.users["learner"])
    assert join(client, token, second.id, first.code).status_code == 403


def test_a_learner_cannot_join_a_full_class(world, app, login):
    class_ = world.open_class(world.course(), capacity=1)
    world.join(world.users["learner"], class_)
    client = app.test_client()
    token = login(client, world.users["other_learner"])
    response = join(client, token, class_.id, class_.code)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "class_full"
    assert len(db.session.scalars(select(ClassMember)).all()) == 1


def test_only_learners_join(world, app, login):
    class_ = world.open_class(world.course())
    client = app.test_client()
    token = login(client, world.users["staff_a"])
    assert join(client, token, class_.id, class_.code).status_code == 403


def test_study_access_inside_and_outside_the_class_dates(world):
    course = world.course()
    start = local_today() + timedelta(days=2)
    class_ = world.open_class(course, start=start, days=10)
    learner = world.users["learner"]
    world.join(learner, class_)
    lesson_id = course.lessons[0].id
    assert refusal(study_access, learner, lesson_id) == ("class_not_open", 403)
    assert refusal(study_access, learner, lesson_id, start - timedelta(days=1))[0] == (
        "class_not_open"
    )
    access = study_access(learner, lesson_id, start)
    assert (access.lesson.id, access.class_.id, access.course.id) == (
        lesson_id,
        class_.id,
        course.id,
    )
    assert access.provider.id == course.provider_id
    assert study_access(learner, lesson_id, start + timedelta(days=10)).class_.id == class_.id
    assert refusal(study_access, learner, lesson_id, start + timedelta(days=11))[0] == (
        "class_not_open"
    )
    assert crediting_allowed(class_, start) is True
    assert crediting_allowed(class_, start + timedelta(days=11)) is False
    # the same call is reachable as courses.services.study_access
    assert course_services.study_access(learner, lesson_id, start).class_.id == class_.id
    assert course_services.crediting_allowed(class_, start) is True


def test_study_access_refusals(world):
    course = world.course()
    class_ = world.open_class(course)
    learner = world.users["learner"]
    world.join(learner, class_)
    assert refusal(study_access, learner, 999999) == ("lesson_not_found", 404)
    other = world.users["other_learner"]
    assert refusal(study_access, other, course.lessons[0].id) == ("not_in_class", 403)
    unrelated = world.course()
    assert refusal(study_access, learner, unrelated.lessons[0].id) == ("not_in_class", 403)
    assert study_access(learner, course.lessons[1].id).lesson.position == 2


def test_a_suspended_provider_cannot_submit_or_open_and_stops_crediting(world, app, login):
    course = world.course()
    class_ = world.open_class(course)
    learner = world.users["learner"]
    world.join(learner, class_)
    pending = world.course(status="draft")
    regulator = world.users["regulator_xian"]
    set_provider_status(regulator, course.provider, "suspended", "资料造假待查")

    change = db.session.scalar(select(ProviderStatusChange))
    assert (change.actor_id, change.from_status, change.to_status, change.reason) == (
        regulator.id,
        "active",
        "suspended",
        "资料造假待查",
    )
    assert course.provider.status_reason == "资料造假待查"
    staff = world.users["staff_a"]
    assert refusal(course_services.course_service().submit, staff, pending) == (
        "provider_suspended",
        403,
    )
    today = local_today()
    assert refusal(class_service().open_class, staff, course, "二班", today, today, 5) == (
        "provider_suspended",
        403,
    )
    assert refusal(study_access, learner, course.lessons[0].id) == ("provider_suspended", 403)
    assert crediting_allowed(class_) is False
    client = app.test_client()
    token = login(client, world.users["other_learner"])
    response = join(client, token, class_.id, class_.code)
    assert response.get_json()["error"]["code"] == "provider_suspended"

    set_provider_status(world.users["regulator"], course.provider, "blacklisted", "查实")
    assert refusal(study_access, learner, course.lessons[0].id)[0] == "provider_suspended"
    set_provider_status(world.users["regulator"], course.provider, "active", "整改完成")
    assert crediting_allowed(class_) is True
    assert len(db.session.scalars(select(ProviderStatusChange)).all()) == 3


def test_only_a_regulator_in_scope_changes_a_provider_status(world):
    course = world.course()
    for who in ("regulator_baoji", "staff_a"):
        assert refusal(
            set_provider_status, world.users[who], course.provider, "suspended", "x"
        ) == ("forbidden", 403)
    assert refusal(
        set_provider_status, world.users["regulator"], course.provider, "suspended", ""
    ) == ("reason_required", 422)
    assert course.provider.status == "active"
    assert db.session.scalar(select(ProviderStatusChange)) is None


def test_quiz_is_graded_with_the_pass_ratio(world, app):
    course = world.course(status="draft")
    staff, service = world.users["staff_a"], course_services.course_service()
    lesson = course.lessons[0]
    for prompt in ("触电后首先应？", "绝缘手套用于？", "安全电压是？"):
        service.add_question(staff, lesson, prompt, ["甲", "乙", "丙"], 1)
    service.submit(staff, course)
    service.decide(world.users["regulator"], course, True)
    class_ = world.open_class(course)
    learner = world.users["learner"]
    world.join(learner, class_)
    classes = class_service()
    assert classes.answer_quiz(learner, lesson.id, [1, 1, 0]).passed is True  # 2/3 ≥ 0.6
    assert classes.answer_quiz(learner, lesson.id, [1, 0, 0]).passed is False
    assert refusal(classes.answer_quiz, learner, lesson.id, [1, None, 0])[0] == (
        "quiz_answers_invalid"
    )
    assert refusal(classes.answer_quiz, learner, course.lessons[1].id, [])[0] == "no_quiz"
    assert refusal(classes.answer_quiz, world.users["other_learner"], lesson.id, [1, 1, 1])[0] == (
        "not_in_class"
    )
