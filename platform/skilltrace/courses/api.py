"""Courses and classes API: listings for the caller, lesson upload, approvals, joining."""

from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from skilltrace.api.frame import api_auth, api_blueprint, json_body
from skilltrace.api.openapi import responses
from skilltrace.api.text import text
from skilltrace.courses.classes import class_service, crediting_allowed, seats_taken
from skilltrace.courses.media import BROWSER_CODECS
from skilltrace.courses.messages import refuse
from skilltrace.courses.models import Course, Lesson, TrainingClass
from skilltrace.courses.services import course_service, is_staff_of, regulates
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.regions import SHAANXI_CITIES

bp = api_blueprint("courses_api", __name__)

JOIN_SCHEMA = {"required": ["code"], "properties": {"code": {"type": "string", "maxLength": 20}}}
REJECT_SCHEMA = {
    "required": ["comment"],
    "properties": {"comment": text(2000, multiline=True)},
}
UPLOAD_SCHEMA = {
    "required": ["video"],
    "properties": {
        "title": {"type": "string", "maxLength": 200},
        "video": {"type": "string", "format": "binary", "description": "MP4 or WebM"},
    },
}


def provider_json(provider) -> dict:
    return {
        "id": provider.id,
        "name": provider.name,
        "city": {"code": provider.city_code, "name": SHAANXI_CITIES.get(provider.city_code)},
        "status": provider.status,
    }


def course_json(course: Course, lessons: bool = False, answers: bool = False) -> dict:
    data = {
        "id": course.id,
        "title": course.title,
        "occupation": course.occupation,
        "skill_level": course.skill_level,
        "required_hours": float(course.required_hours),
        "minutes_per_hour_unit": current_app.config["MINUTES_PER_HOUR_UNIT"],
        "status": course.status,
        "provider": provider_json(course.provider),
        "total_seconds": round(course.total_seconds, 3),
    }
    if lessons:
        data["description"] = course.description
        data["lessons"] = [lesson_json(lesson, answers) for lesson in course.lessons]
        data["transitions"] = [
            {
                "action": t.action,
                "from": t.from_status,
                "to": t.to_status,
                "at": t.at.isoformat(),
                "by": t.actor.name,
                "comment": t.comment,
            }
            for t in course.transitions
        ]
    return data


def lesson_json(lesson: Lesson, answers: bool = False) -> dict:
    data = {
        "id": lesson.id,
        "position": lesson.position,
        "title": lesson.title,
        "duration_s": lesson.duration_s,
        "width": lesson.width,
        "height": lesson.height,
        "content_type": lesson.content_type,
        "size_bytes": lesson.size_bytes,
        "sha256": lesson.sha256,
        "video_url": url_for("courses.lesson_video", lesson_id=lesson.id),
        "quiz": [
            {"prompt": q.prompt, "options": q.options, **({"answer": q.answer} if answers else {})}
            for q in lesson.questions
        ],
    }
    return data


def class_json(class_: TrainingClass, code: bool = False) -> dict:
    data = {
        "id": class_.id,
        "name": class_.name,
        "course": {"id": class_.course_id, "title": class_.course.title},
        "provider": provider_json(class_.provider),
        "start_date": class_.start_date.isoformat(),
        "end_date": class_.end_date.isoformat(),
        "capacity": class_.capacity,
        "seats_taken": seats_taken(class_),
        "status": class_.status,
        "crediting_allowed": crediting_allowed(class_),
    }
    if code:
        data["code"] = class_.code
    return data


def _course(course_id: int, visible: bool = True) -> Course:
    """The course; reads need visibility (else 404), actions let the rules answer 403."""
    course = db.session.get(Course, course_id)
    if course is None or (visible and not course_service().can_see(g.api_user, course)):
        raise refuse("course_not_found", 404)
    return course


def _class(class_id: int, visible: bool = True) -> TrainingClass:
    class_ = db.session.get(TrainingClass, class_id)
    if class_ is None or (visible and not class_service().can_see(g.api_user, class_)):
        raise refuse("class_not_found", 404)
    return class_


@bp.get("/courses")
@api_auth()
def list_courses():
    """Courses visible to the caller.

    Provider staff: their provider's; regulators: providers in their scope; learners: courses
    of their classes; admins: all.
    """
    return {"courses": [course_json(c) for c in course_service().visible_courses(g.api_user)]}


@bp.get("/courses/<int:course_id>")
@api_auth()
@responses({200: "The course with its lessons", 404: "No such course visible to you"})
def get_course(course_id: int):
    """A course with its ordered lessons, quizzes and workflow history."""
    course = _course(course_id)
    user = g.api_user
    answers = is_staff_of(user, course.provider_id) or regulates(user, course.provider)
    return {"course": course_json(course, lessons=True, answers=answers)}


@bp.post("/courses/<int:course_id>/lessons")
@api_auth(Role.PROVIDER_STAFF)
@responses(
    {
        201: "Lesson stored",
        403: "Not your provider's course",
        409: "Course under review",
        413: "Larger than COURSE_VIDEO_MAX_BYTES",
        415: "Not MP4/WebM",
        422: "Undecodable or empty video",
    },
    multipart=UPLOAD_SCHEMA,
)
def upload_lesson(course_id: int):
    """Upload a lesson video (multipart field ``video``, optional ``title``)."""
    course = _course(course_id, visible=False)
    if not is_staff_of(g.api_user, course.provider_id):  # refuse before reading the body
        raise refuse("forbidden", 403)
    limit = current_app.config["COURSE_VIDEO_MAX_BYTES"]
    request.max_content_length = limit
    try:
        video = request.files.get("video")
        title = request.form.get("title", "")
    except RequestEntityTooLarge:
        raise DomainError(
            "video_too_large",
            _l("The video is larger than the upload limit of %(mb)s MB.", mb=limit // 2**20),
            status=413,
            field="video",
        ) from None
    if video is None or not video.filename:
        raise refuse("video_missing", field="video")
    lesson = course_service().add_lesson(g.api_user, course, title, video.stream, video.filename)
    body = {"lesson": lesson_json(lesson, answers=True), "course": course_json(course)}
    if lesson.codec not in BROWSER_CODECS:
        body["warning"] = "codec_not_browser_playable"
    return body, 201


@bp.post("/courses/<int:course_id>/submit")
@api_auth(Role.PROVIDER_STAFF)
@responses({200: "Submitted", 403: "Not yours or provider suspended", 422: "Hours not covered"})
def submit_course(course_id: int):
    """Submit a draft or rejected course for approval (备案)."""
    course = course_service().submit(g.api_user, _course(course_id, False))
    return {"course": course_json(course)}


@bp.post("/courses/<int:course_id>/approve")
@api_auth(Role.REGULATOR)
@responses({200: "Approved", 403: "Outside your scope", 409: "Not awaiting approval"})
def approve_course(course_id: int):
    """Approve a submitted course (regulator whose scope covers the provider's city)."""
    course = course_service().decide(g.api_user, _course(course_id, False), True, _comment())
    return {"course": course_json(course)}


def _comment() -> str:
    """The optional ``comment`` of an approval: no body, or a JSON object."""
    if not request.get_data(cache=True):
        return ""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("malformed_json", _l("The body must be a JSON object."), status=400)
    comment = body.get("comment", "")
    if not isinstance(comment, str):
        raise DomainError("field_type", _l("This field has the wrong type."), field="comment")
    return comment[:2000]


@bp.post("/courses/<int:course_id>/reject")
@api_auth(Role.REGULATOR)
@json_body(REJECT_SCHEMA)
@responses({200: "Rejected", 403: "Outside your scope", 409: "Not awaiting approval"})
def reject_course(course_id: int, body: dict):
    """Reject a submitted course with a comment the provider sees."""
    course = course_service().decide(g.api_user, _course(course_id, False), False, body["comment"])
    return {"course": course_json(course)}


@bp.get("/classes")
@api_auth()
def list_classes():
    """Classes visible to the caller (learners: the classes they are in)."""
    user = g.api_user
    service = class_service()
    if user.role == Role.LEARNER:
        service.claim_invites(user)
    show_code = user.role in (Role.PROVIDER_STAFF, Role.LEARNER)
    return {"classes": [class_json(c, show_code) for c in service.visible_classes(user)]}


@bp.get("/classes/<int:class_id>")
@api_auth()
@responses({200: "The class", 404: "No such class visible to you"})
def get_class(class_id: int):
    """One class with its dates, capacity, seats taken and whether it credits hours today."""
    class_ = _class(class_id)
    return {"class": class_json(class_, g.api_user.role != Role.REGULATOR)}


@bp.post("/classes/<int:class_id>/join")
@api_auth(Role.LEARNER)
@json_body(JOIN_SCHEMA)
@responses(
    {
        200: "Already a member",
        201: "Joined",
        403: "Wrong code or provider suspended",
        409: "Class full or closed",
        429: "Too many wrong codes",
    }
)
def join_class(class_id: int, body: dict):
    """Join a class with its class code."""
    class_, new = class_service().join(g.api_user, body["code"], class_id=class_id)
    return {"class": class_json(class_, code=True), "joined": new}, 201 if new else 200


@bp.post("/classes/<int:class_id>/approve")
@api_auth(Role.REGULATOR)
@responses({200: "Approved", 403: "Outside your scope", 409: "Not awaiting approval or started"})
def approve_class(class_id: int):
    """Approve a class before its start date (开班备案)."""
    class_ = class_service().decide(g.api_user, _class(class_id, False), True, _comment())
    return {"class": class_json(class_)}


@bp.post("/classes/<int:class_id>/reject")
@api_auth(Role.REGULATOR)
@json_body(REJECT_SCHEMA)
@responses({200: "Rejected", 403: "Outside your scope", 409: "Not awaiting approval"})
def reject_class(class_id: int, body: dict):
    """Reject a class with a comment."""
    class_ = class_service().decide(g.api_user, _class(class_id, False), False, body["comment"])
    return {"class": class_json(class_)}
