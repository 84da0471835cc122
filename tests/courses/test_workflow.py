"""Course approval workflow (备案) through the API: who may do what, and the record it leaves."""

import io

from sqlalchemy import select

from skilltrace.courses.models import Course, CourseTransition
from skilltrace.courses.services import CourseData, course_service
from skilltrace.extensions import db


def upload(client, token, course_id, video: bytes, name="lesson.webm", title="第一课"):
    return client.post(
        f"/api/v1/courses/{course_id}/lessons",
        data={"title": title, "video": (io.BytesIO(video), name)},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )


def post(client, token, path, json=None):
    return client.post(path, json=json, headers={"X-CSRFToken": token})


def draft(world, hours="0.1"):
    return course_service().create_course(
        world.users["staff_a"], CourseData("焊工基础", "焊工", "4", "", hours)
    )


def steps(course_id):
    rows = db.session.scalars(
        select(CourseTransition)
        .where(CourseTransition.course_id == course_id)
        .order_by(CourseTransition.id)
    )
    return [(t.action, t.from_status, t.to_status, t.actor_id, t.comment) for t in rows]


def test_provider_uploads_submits_and_regulator_approves(world, app, login, videos):
    staff, regulator = world.users["staff_a"], world.users["regulator_xian"]
    course = draft(world)
    provider = app.test_client()
    token = login(provider, staff)
    for n in (1, 2):
        response = upload(provider, token, course.id, videos["webm"], title=f"第{n}课")
        assert response.status_code == 201, response.get_json()
        lesson = response.get_json()["lesson"]
        assert lesson["position"] == n and lesson["content_type"] == "video/webm"
        assert 3.5 < lesson["duration_s"] < 4.5 and (lesson["width"], lesson["height"]) == (
            160,
            120,
        )
    assert post(provider, token, f"/api/v1/courses/{course.id}/submit").status_code == 200

    reviewer = app.test_client()
    rtoken = login(reviewer, regulator)
    queue = reviewer.get("/api/v1/courses").get_json()["courses"]
    assert [c["id"] for c in queue] == [course.id]
    response = post(reviewer, rtoken, f"/api/v1/courses/{course.id}/approve")
    assert response.status_code == 200
    assert response.get_json()["course"]["status"] == "approved"
    assert steps(course.id) == [
        ("create", "new", "draft", staff.id, ""),
        ("submit", "draft", "submitted", staff.id, ""),
        ("approve", "submitted", "approved", regulator.id, ""),
    ]
    detail = provider.get(f"/api/v1/courses/{course.id}").get_json()["course"]
    assert [lesson["title"] for lesson in detail["lessons"]] == ["第1课", "第2课"]
    assert [t["action"] for t in detail["transitions"]] == ["create", "submit", "approve"]


def test_provider_cannot_approve_its_own_course(world, app, login):
    course = world.course(status="submitted")
    client = app.test_client()
    token = login(client, world.users["staff_a"])
    response = post(client, token, f"/api/v1/courses/{course.id}/approve")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert db.session.get(Course, course.id).status == "submitted"


def test_regulator_of_another_city_gets_403(world, app, login):
    course = world.course(status="submitted")
    client = app.test_client()
    token = login(client, world.users["regulator_baoji"])
    for action, body in (("approve", None), ("reject", {"comment": "不行"})):
        response = post(client, token, f"/api/v1/courses/{course.id}/{action}", body)
        assert response.status_code == 403, action
        assert response.get_json()["error"]["code"] == "forbidden"
    # and the course is not even listed for them
    assert client.get("/api/v1/courses").get_json()["courses"] == []
    assert client.get(f"/api/v1/courses/{course.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "submitted"


def test_reject_needs_a_comment_and_the_provider_can_resubmit(world, app, login):
    course = world.course(status="submitted")
    client = app.test_client()
    token = login(client, world.users["regulator"])
    response = post(client, token, f"/api/v1/courses/{course.id}/reject", {"comment": " "})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "comment_required"
    response = post(client, token, f"/api/v1/courses/{course.id}/reject", {"comment": "学时不足"})
    assert response.get_json()["course"]["status"] == "rejected"
    staff = app.test_client()
    stoken = login(staff, world.users["staff_a"])
    assert post(staff, stoken, f"/api/v1/courses/{course.id}/submit").status_code == 200
    assert [s[:3] for s in steps(course.id)][-2:] == [
        ("reject", "submitted", "rejected"),
        ("submit", "rejected", "submitted"),
    ]
    assert steps(course.id)[-2][4] == "学时不足"


def test_forbidden_transitions(world, app, login):
    course = draft(world)
    client = app.test_client()
    token = login(client, world.users["regulator"])
    response = post(client, token, f"/api/v1/courses/{course.id}/approve")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "transition_invalid"
    other = app.test_client()
    otoken = login(other, world.users["staff_b"])
    response = post(other, otoken, f"/api/v1/courses/{course.id}/submit")
    assert response.status_code == 403
    learner = app.test_client()
    ltoken = login(learner, world.users["learner"])
    assert post(learner, ltoken, f"/api/v1/courses/{course.id}/approve").status_code == 403


def test_submission_needs_lessons_covering_the_hours(world, app, login, videos):
    course = draft(world, hours="1")  # 60 s here; one lesson of 4 s does not cover it
    client = app.test_client()
    token = login(client, world.users["staff_a"])
    response = post(client, token, f"/api/v1/courses/{course.id}/submit")
    # No lesson at all: the message says to upload lessons first, not that they are too short.
    assert response.get_json()["error"]["code"] == "no_lessons"
    assert (
        "upload" in response.get_json()["error"]["message"].lower()
        or "上传" in (response.get_json()["error"]["message"])
    )
    assert upload(client, token, course.id, videos["webm"]).status_code == 201
    response = post(client, token, f"/api/v1/courses/{course.id}/submit")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "hours_not_covered"
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "draft"


def test_editing_an_approved_course_sends_it_back_to_draft(world, app, login, videos):
    course = world.course(status="approved")
    class_ = world.open_class(course)
    client = app.test_client()
    token = login(client, world.users["staff_a"])
    assert upload(client, token, course.id, videos["webm"]).status_code == 201
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.status == "draft" and len(course.lessons) == 3
    assert steps(course.id)[-1][:3] == ("revise", "approved", "draft")
    # its class stops crediting until the course is approved again
    from skilltrace.courses import crediting_allowed

    assert crediting_allowed(class_) is False


def test_a_submitted_course_is_locked(world, app, login, videos):
    course = world.course(status="submitted")
    client = app.test_client()
    token = login(client, world.users["staff_a"])
    response = upload(client, token, course.id, videos["webm"])
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "course_locked"
    course_service().withdraw(world.users["staff_a"], db.session.get(Course, course.id))
    assert upload(client, token, course.id, videos["webm"]).status_code == 201


def test_openapi_lists_the_course_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/courses",
        "/api/v1/courses/{course_id}",
        "/api/v1/courses/{course_id}/lessons",
        "/api/v1/courses/{course_id}/approve",
        "/api/v1/courses/{course_id}/reject",
        "/api/v1/classes",
        "/api/v1/classes/{class_id}/join",
        "/api/v1/classes/{class_id}/approve",
        "/api/v1/classes/{class_id}/reject",
    ):
        assert path in paths, path
    upload_op = paths["/api/v1/courses/{course_id}/lessons"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
