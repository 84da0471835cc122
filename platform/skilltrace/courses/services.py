"""Course services: course data, lesson videos, quizzes and the approval workflow (备案)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import exists, func, select

from skilltrace.audit import transition
from skilltrace.courses import media, rules
from skilltrace.courses.messages import from_rule, refuse
from skilltrace.courses.models import Course, CourseTransition, Lesson, QuizQuestion
from skilltrace.courses.models import TrainingClass as _Class
from skilltrace.courses.scope import (  # noqa: F401  (re-exported: the one scope rule)
    actor_of,
    cities_in_scope,
    course_filter,
    is_staff_of,
    owner_of,
    regulates,
    sees_course,
)
from skilltrace.extensions import db
from skilltrace.identity.models import Role, User, utcnow

MAX_QUESTIONS = 10


@dataclass(frozen=True)
class CourseData:
    """A course's editable fields as plain data (from a form or JSON)."""

    title: str
    occupation: str
    skill_level: str
    description: str
    hours: str


def _clean(data: CourseData) -> dict:
    title, occupation = (data.title or "").strip(), (data.occupation or "").strip()
    description = (data.description or "").strip()
    if not 2 <= len(title) <= 200:
        raise refuse("title_invalid", field="title")
    if not 1 <= len(occupation) <= 100:
        raise refuse("occupation_invalid", field="occupation")
    if data.skill_level not in {level.value for level in rules.SkillLevel}:
        raise refuse("skill_level_invalid", field="skill_level")
    if len(description) > 5000:
        raise refuse("description_too_long", field="description")
    try:
        tenths = rules.parse_hours(data.hours)
    except rules.RuleError as err:
        raise from_rule(err, "hours") from None
    return {
        "title": title,
        "occupation": occupation,
        "skill_level": data.skill_level,
        "description": description,
        "required_tenths": tenths,
    }


def _options(raw: list[str]) -> list[str]:
    options = [o.strip() for o in raw if o and o.strip()]
    if not 2 <= len(options) <= 6 or len(set(options)) != len(options):
        raise refuse("options_invalid", field="options")
    if any(len(o) > 200 for o in options):
        raise refuse("options_invalid", field="options")
    return options


class CourseService:
    """Creates and edits courses and lessons and moves them through the workflow."""

    def __init__(self, config: dict):
        self.config = config
        self.media_root = config["MEDIA_ROOT"]

    # -- courses ----------------------------------------------------------------------------
    def create_course(self, user: User, data: CourseData) -> Course:
        """A new draft course of the staff member's provider."""
        if user.role != Role.PROVIDER_STAFF or user.provider is None:
            raise refuse("forbidden", 403)
        course = Course(provider_id=user.provider_id, status=rules.CourseStatus.DRAFT)
        for name, value in _clean(data).items():
            setattr(course, name, value)
        db.session.add(course)
        db.session.flush()
        CourseTransition.record(course, user, "create", "new", course.status)
        db.session.commit()
        return course

    def update_course(self, user: User, course: Course, data: CourseData) -> Course:
        """Change a course's fields (an approved course goes back to draft)."""
        values = _clean(data)
        self._begin_edit(user, course)
        for name, value in values.items():
            setattr(course, name, value)
        db.session.commit()
        return course

    def _begin_edit(self, user: User, course: Course) -> None:
        """Check an edit is allowed; an approved course is revised back to draft (recorded)."""
        if not is_staff_of(user, course.provider_id):
            raise refuse("forbidden", 403)
        try:
            effect = rules.edit_effect(course.status)
        except rules.RuleError as err:
            raise from_rule(err) from None
        if effect:
            self._move(course, user, effect, "")
        course.updated_at = utcnow()

    # -- lessons ----------------------------------------------------------------------------
    def add_lesson(
        self, user: User, course: Course, title: str, stream: BinaryIO, filename: str = ""
    ) -> Lesson:
        """Check and store an uploaded video as the course's last lesson.

        A refused video (not MP4/WebM, undecodable, empty) leaves no file and no row.
        """
        title = (title or "").strip() or (filename or "").rsplit(".", 1)[0].strip()
        if not 2 <= len(title) <= 200:
            raise refuse("title_invalid", field="title")
        self._begin_edit(user, course)
        facts = media.store_video(stream, self.media_root)
        try:
            position = db.session.scalar(
                select(func.coalesce(func.max(Lesson.position), 0)).where(
                    Lesson.course_id == course.id
                )
            )
            lesson = Lesson(
                course_id=course.id,
                position=position + 1,
                title=title,
                media_path=facts.media_path,
                content_type=facts.content_type,
                size_bytes=facts.size_bytes,
                sha256=facts.sha256,
                duration_s=facts.duration_s,
                width=facts.width,
                height=facts.height,
                codec=facts.codec,
                original_name=(filename or "")[-200:],
            )
            db.session.add(lesson)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            media.discard_video(self.media_root, facts.media_path)
            raise
        return lesson

    def move_lesson(self, user: User, lesson: Lesson, step: int) -> None:
        """Swap a lesson with its neighbour (``step`` -1 earlier, +1 later)."""
        course = lesson.course
        self._begin_edit(user, course)
        order = list(course.lessons)
        i = order.index(lesson)
        j = i + (1 if step > 0 else -1)
        if 0 <= j < len(order):
            order[i].position, order[j].position = order[j].position, order[i].position
        db.session.commit()

    def remove_lesson(self, user: User, lesson: Lesson) -> None:
        """Remove a lesson; once the course has had classes the lesson is only retired."""
        course = lesson.course
        self._begin_edit(user, course)
        used = db.session.scalar(select(exists().where(_Class.course_id == course.id)))
        if used:
            lesson.retired_at = utcnow()
            db.session.commit()
            return
        path = lesson.media_path
        db.session.delete(lesson)
        db.session.commit()
        media.discard_video(self.media_root, path)

    # -- quiz -------------------------------------------------------------------------------
    def add_question(
        self, user: User, lesson: Lesson, prompt: str, options: list[str], answer: int
    ) -> QuizQuestion:
        """Append a single-choice question; ``answer`` is the 0-based correct option."""
        prompt = (prompt or "").strip()
        if not 1 <= len(prompt) <= 500:
            raise refuse("question_invalid", field="prompt")
        options = _options(options)
        if not isinstance(answer, int) or not 0 <= answer < len(options):
            raise refuse("answer_invalid", field="answer")
        if len(lesson.questions) >= MAX_QUESTIONS:
            raise refuse("quiz_too_long")
        self._begin_edit(user, lesson.course)
        position = max((q.position for q in lesson.questions), default=0) + 1
        question = QuizQuestion(
            lesson=lesson, position=position, prompt=prompt, options=options, answer=answer
        )
        db.session.add(question)
        db.session.commit()
        return question

    def remove_question(self, user: User, question: QuizQuestion) -> None:
        self._begin_edit(user, question.lesson.course)
        db.session.delete(question)
        db.session.commit()

    # -- workflow ---------------------------------------------------------------------------
    def submit(self, user: User, course: Course) -> Course:
        """Send a draft (or rejected) course for approval; its lessons must cover its hours."""
        self._check(course, "submit", user)
        if not course.lessons:
            raise refuse("no_lessons")
        durations = [lesson.duration_s for lesson in course.lessons]
        if not rules.hours_covered(
            course.required_tenths, self.config["MINUTES_PER_HOUR_UNIT"], durations
        ):
            raise refuse("hours_not_covered")
        return self._step(course, user, "submit", "")

    def withdraw(self, user: User, course: Course) -> Course:
        """Take a submitted course back to draft to edit it."""
        return self._step(course, user, "withdraw", "")

    def decide(self, user: User, course: Course, approve: bool, comment: str = "") -> Course:
        """A regulator in scope approves or rejects (with a comment) a submitted course."""
        from skilltrace.notices.services import notify_provider_staff

        comment = (comment or "").strip()
        self._move(course, user, "approve" if approve else "reject", comment)
        notify_provider_staff(
            course.provider_id,
            "course_decided",
            {
                "title": course.title,
                "decision": "approved" if approve else "rejected",
                "comment": comment,
            },
        )
        db.session.commit()
        return course

    def _check(self, course: Course, action: str, user: User, comment: str = "") -> str:
        """The status ``action`` leads to, or a DomainError from the transition table."""
        try:
            return rules.course_transition(
                course.status, action, actor_of(user), owner_of(course.provider), comment
            )
        except rules.RuleError as err:
            raise from_rule(err, "comment" if err.code == "comment_required" else None) from None

    def _move(self, course: Course, user: User, action: str, comment: str) -> None:
        """Apply and record one transition (not committed)."""
        to = self._check(course, action, user, comment)
        transition(course, CourseTransition, user, action, to, comment)
        course.updated_at = utcnow()

    def _step(self, course: Course, user: User, action: str, comment: str) -> Course:
        self._move(course, user, action, (comment or "").strip())
        db.session.commit()
        return course

    # -- queries ----------------------------------------------------------------------------
    def visible_courses(self, user: User) -> list[Course]:
        """Courses the user may see (see :mod:`skilltrace.courses.scope`), newest first."""
        return list(
            db.session.scalars(select(Course).where(course_filter(user)).order_by(Course.id.desc()))
        )

    def can_see(self, user: User, course: Course) -> bool:
        return sees_course(user, course)

    def review_queue(self, user: User) -> list[Course]:
        """Submitted courses of providers in the regulator's scope, oldest first."""
        if user.role != Role.REGULATOR:
            return []
        return list(
            db.session.scalars(
                select(Course)
                .where(Course.status == rules.CourseStatus.SUBMITTED, course_filter(user))
                .order_by(Course.updated_at)
            )
        )


def course_service() -> CourseService:
    """The course service wired to the current app's settings."""
    from flask import current_app

    return CourseService(current_app.config)


def study_access(learner, lesson_id, today=None, class_id=None):
    """May this learner study this lesson today? See :func:`skilltrace.courses.study_access`."""
    from skilltrace.courses.classes import study_access as check

    return check(learner, lesson_id, today=today, class_id=class_id)


def crediting_allowed(class_, today=None) -> bool:
    """Does this class credit hours today? See :func:`skilltrace.courses.crediting_allowed`."""
    from skilltrace.courses.classes import crediting_allowed as check

    return check(class_, today=today)
