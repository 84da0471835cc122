"""Training classes (培训班): opening, approval (开班备案), joining, and study access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from skilltrace.audit import transition
from skilltrace.courses import rules
from skilltrace.courses.messages import from_rule, refuse
from skilltrace.courses.models import (
    ClassInvite,
    ClassMember,
    ClassTransition,
    Course,
    Lesson,
    QuizAttempt,
    TrainingClass,
)
from skilltrace.courses.scope import (
    actor_of,
    class_filter,
    is_staff_of,
    owner_of,
    regulates,
    sees_class,
)
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.notices.services import notify_provider_staff
from skilltrace.state import LiveState
from skilltrace.timefmt import BEIJING

JOIN_FAILURES_MAX = 10  # wrong class codes per learner per window
JOIN_WINDOW_S = 900


def local_today() -> date:
    """Today's date in Asia/Shanghai (class dates are local dates)."""
    return datetime.now(BEIJING).date()


@dataclass(frozen=True)
class StudyAccess:
    """What study needs to know once access is granted."""

    lesson: Lesson
    class_: TrainingClass
    course: Course
    provider: Provider


def seats_taken(class_: TrainingClass) -> int:
    """Members plus seats reserved for invited (not yet registered) learners."""
    members = db.session.scalar(
        select(func.count()).select_from(ClassMember).where(ClassMember.class_id == class_.id)
    )
    invites = db.session.scalar(
        select(func.count()).select_from(ClassInvite).where(ClassInvite.class_id == class_.id)
    )
    return members + invites


def is_member(learner: User, class_id: int) -> bool:
    return (
        db.session.scalar(
            select(ClassMember.id).where(
                ClassMember.class_id == class_id, ClassMember.learner_id == learner.id
            )
        )
        is not None
    )


def lock_class(class_id: int) -> TrainingClass | None:
    """Load a class with a row lock (PostgreSQL) so seat counting is not raced."""
    return db.session.get(TrainingClass, class_id, with_for_update=True, populate_existing=True)


class ClassService:
    """Opens, approves and fills classes; receives the live-state store for throttling."""

    def __init__(self, state: LiveState, config: dict):
        self.state = state
        self.config = config

    def open_class(
        self,
        user: User,
        course: Course,
        name: str,
        start: date,
        end: date,
        capacity: int,
        today: date | None = None,
    ) -> TrainingClass:
        """Open a class of an approved course; it waits for a regulator's approval."""
        today = today or local_today()
        name = (name or "").strip()
        if not is_staff_of(user, course.provider_id):
            raise refuse("forbidden", 403)
        if course.provider.status != "active":
            blacklisted = course.provider.status == "blacklisted"
            raise refuse("provider_blacklisted" if blacklisted else "provider_suspended", 403)
        if course.status != rules.CourseStatus.APPROVED:
            raise refuse("course_not_approved", 409, field="course")
        if not 2 <= len(name) <= 200:
            raise refuse("class_name_invalid", field="name")
        try:
            rules.check_class_dates(start, end, capacity, today)
        except rules.RuleError as err:
            field = "capacity" if err.code == "capacity_invalid" else "start_date"
            raise from_rule(err, field) from None
        code = rules.new_class_code()
        while db.session.scalar(select(TrainingClass.id).where(TrainingClass.code == code)):
            code = rules.new_class_code()
        class_ = TrainingClass(
            provider_id=course.provider_id,
            course_id=course.id,
            name=name,
            code=code,
            start_date=start,
            end_date=end,
            capacity=capacity,
            status=rules.ClassStatus.SUBMITTED,
            created_by_id=user.id,
        )
        db.session.add(class_)
        db.session.flush()
        ClassTransition.record(class_, user, "open", "new", class_.status)
        db.session.commit()
        return class_

    def decide(
        self,
        user: User,
        class_: TrainingClass,
        approve: bool,
        comment: str = "",
        today: date | None = None,
    ) -> TrainingClass:
        """A regulator in scope approves (before the start date) or rejects a class."""
        comment = (comment or "").strip()
        action = "approve" if approve else "reject"
        try:
            to = rules.class_transition(
                class_.status,
                action,
                actor_of(user),
                owner_of(class_.provider),
                class_.start_date,
                today or local_today(),
                comment,
            )
        except rules.RuleError as err:
            raise from_rule(err, "comment" if err.code == "comment_required" else None) from None
        if approve and class_.course.status != rules.CourseStatus.APPROVED:
            raise refuse("course_not_approved", 409)
        transition(class_, ClassTransition, user, action, to, comment)
        notify_provider_staff(
            class_.provider_id,
            "class_decided",
            {
                "name": class_.name,
                "decision": "approved" if approve else "rejected",
                "comment": comment,
            },
        )
        db.session.commit()
        return class_

    # -- joining ----------------------------------------------------------------------------
    def join(
        self, learner: User, code: str, class_id: int | None = None, today: date | None = None
    ) -> tuple[TrainingClass, bool]:
        """Join a class by its code; returns (class, newly joined). Wrong codes are throttled."""
        if learner.role != Role.LEARNER:
            raise refuse("learners_only", 403)
        key = f"courses:join-fail:{learner.id}"
        failures = self.state.get(key)
        if failures and int(failures) >= JOIN_FAILURES_MAX:
            raise refuse("too_many_join_attempts", 429)
        code = rules.normalize_class_code(code)
        found = db.session.scalar(select(TrainingClass.id).where(TrainingClass.code == code))
        if found is None or (class_id is not None and found != class_id):
            self.state.incr(key, ttl=JOIN_WINDOW_S)
            raise refuse("class_code_invalid", 403, field="code")
        class_ = lock_class(found)
        if is_member(learner, class_.id):
            db.session.rollback()
            return class_, False
        refusal = rules.join_refusal(
            class_status=class_.status,
            end=class_.end_date,
            today=today or local_today(),
            seats_taken=seats_taken(class_),
            capacity=class_.capacity,
            provider=class_.provider.status,
        )
        if refusal:
            raise refuse(refusal, 403 if refusal == "provider_suspended" else 409)
        db.session.add(ClassMember(class_id=class_.id, learner_id=learner.id, via="code"))
        db.session.commit()
        return class_, True

    def claim_invites(self, learner: User) -> int:
        """Turn seats reserved by roster import for this learner's ID number into memberships."""
        if learner.role != Role.LEARNER or not learner.id_number_lookup:
            return 0
        invites = db.session.scalars(
            select(ClassInvite).where(ClassInvite.id_number_lookup == learner.id_number_lookup)
        ).all()
        for invite in invites:
            if not is_member(learner, invite.class_id):
                db.session.add(
                    ClassMember(class_id=invite.class_id, learner_id=learner.id, via="invite")
                )
            db.session.delete(invite)
        if invites:
            db.session.commit()
        return len(invites)

    # -- queries ----------------------------------------------------------------------------
    def visible_classes(self, user: User) -> list[TrainingClass]:
        """Classes the user may see (see :mod:`skilltrace.courses.scope`), latest start first."""
        return list(
            db.session.scalars(
                select(TrainingClass)
                .where(class_filter(user))
                .order_by(TrainingClass.start_date.desc(), TrainingClass.id.desc())
            )
        )

    def can_see(self, user: User, class_: TrainingClass) -> bool:
        return sees_class(user, class_)

    def approval_queue(self, user: User) -> list[TrainingClass]:
        """Classes waiting for 开班备案 in the regulator's scope, earliest start first."""
        if user.role != Role.REGULATOR:
            return []
        return list(
            db.session.scalars(
                select(TrainingClass)
                .where(TrainingClass.status == rules.ClassStatus.SUBMITTED, class_filter(user))
                .order_by(TrainingClass.start_date)
            )
        )

    # -- quiz -------------------------------------------------------------------------------
    def answer_quiz(self, learner: User, lesson_id: int, answers: list[int | None]) -> QuizAttempt:
        """Grade and record a learner's quiz answers (only where they may study the lesson)."""
        access = study_access(learner, lesson_id)
        questions = access.lesson.questions
        if not questions:
            raise refuse("no_quiz", 404)
        try:
            result = rules.grade_quiz(
                [q.answer for q in questions], answers, self.config["QUIZ_PASS_RATIO"]
            )
        except rules.RuleError as err:
            raise from_rule(err) from None
        attempt = QuizAttempt(
            lesson_id=lesson_id,
            class_id=access.class_.id,
            learner_id=learner.id,
            answers=list(answers),
            correct=result.correct,
            total=result.total,
            passed=result.passed,
        )
        db.session.add(attempt)
        db.session.commit()
        return attempt


def study_access(
    learner: User, lesson_id: int, today: date | None = None, class_id: int | None = None
) -> StudyAccess:
    """The one check study uses: may ``learner`` study ``lesson_id`` today (Asia/Shanghai)?

    Returns :class:`StudyAccess`; raises DomainError ``lesson_not_found`` (404),
    ``not_in_class``, ``provider_suspended``, ``course_not_approved`` or ``class_not_open``
    (403). With several classes of the course, an open one is chosen (or ``class_id``).
    """
    today = today or local_today()
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.retired_at is not None:
        raise refuse("lesson_not_found", 404)
    course = lesson.course
    query = (
        select(TrainingClass)
        .join(ClassMember)
        .where(TrainingClass.course_id == course.id, ClassMember.learner_id == learner.id)
    )
    if class_id is not None:
        query = query.where(TrainingClass.id == class_id)
    classes = db.session.scalars(query.order_by(TrainingClass.id)).all()
    refusal = "not_in_class"
    for class_ in classes:
        refusal = rules.study_refusal(
            member=True,
            class_status=class_.status,
            start=class_.start_date,
            end=class_.end_date,
            today=today,
            course_status=course.status,
            provider_status=class_.provider.status,
        )
        if refusal is None:
            return StudyAccess(lesson, class_, course, class_.provider)
    raise refuse(refusal, 403)


def crediting_allowed(class_: TrainingClass, today: date | None = None) -> bool:
    """Whether study in this class may credit hours today: open, course approved, provider
    active (a suspended or blacklisted provider's running classes stop crediting)."""
    return (
        rules.study_refusal(
            member=True,
            class_status=class_.status,
            start=class_.start_date,
            end=class_.end_date,
            today=today or local_today(),
            course_status=class_.course.status,
            provider_status=class_.provider.status,
        )
        is None
    )


def may_stream(user: User, lesson: Lesson, today: date | None = None) -> bool:
    """Lesson video: learners who may study it, the provider's staff, regulators in scope."""
    if lesson.retired_at is not None and user.role == Role.LEARNER:
        return False
    if user.role == Role.LEARNER:
        try:
            study_access(user, lesson.id, today)
        except DomainError:
            return False
        return True
    course = lesson.course
    return is_staff_of(user, course.provider_id) or regulates(user, course.provider)


def class_service() -> ClassService:
    """The class service wired to the current app's state store and settings."""
    from flask import current_app

    from skilltrace.state import current_state

    return ClassService(current_state(), current_app.config)
