"""Courses, lessons, quizzes, training classes, memberships and every recorded transition."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skilltrace.audit import TransitionMixin
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, User, utcnow


class ProviderStatusChange(db.Model):
    """A regulator's change of a provider's status (active/suspended/blacklisted)."""

    __tablename__ = "provider_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)

    provider: Mapped[Provider] = relationship()
    actor: Mapped[User] = relationship()


class Course(db.Model):
    """A video course of one provider, approved (备案) by a regulator before it counts."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    occupation: Mapped[str] = mapped_column(String(100))
    skill_level: Mapped[str] = mapped_column(String(1))
    description: Mapped[str] = mapped_column(Text, default="")
    required_tenths: Mapped[int] = mapped_column(Integer)  # required 学时 × 10
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider] = relationship()
    # Current lessons, in order; retired ones stay in the table for the record.
    lessons: Mapped[list[Lesson]] = relationship(
        primaryjoin="and_(Course.id == Lesson.course_id, Lesson.retired_at.is_(None))",
        order_by="Lesson.position",
        viewonly=True,
    )
    transitions: Mapped[list[CourseTransition]] = relationship(
        back_populates="course", order_by="CourseTransition.id"
    )

    @property
    def required_hours(self) -> Decimal:
        return Decimal(self.required_tenths) / 10

    @property
    def total_seconds(self) -> float:
        return sum(lesson.duration_s for lesson in self.lessons)


class CourseTransition(TransitionMixin, db.Model):
    """One step of a course's approval workflow: who, when, from, to, comment."""

    __tablename__ = "course_transitions"
    subject_column = "course_id"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)

    course: Mapped[Course] = relationship(back_populates="transitions")


class Lesson(db.Model):
    """One video of a course; the file lives under MEDIA_ROOT by a generated name."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    media_path: Mapped[str] = mapped_column(String(100), unique=True)  # relative to MEDIA_ROOT
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float]
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    codec: Mapped[str] = mapped_column(String(8))
    original_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]  # removed from a course that already had classes

    course: Mapped[Course] = relationship()
    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="lesson", order_by="QuizQuestion.position", cascade="all, delete-orphan"
    )


class QuizQuestion(db.Model):
    """A single-choice question after a lesson; ``answer`` indexes ``options``."""

    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    prompt: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON)
    answer: Mapped[int] = mapped_column(Integer)

    lesson: Mapped[Lesson] = relationship(back_populates="questions")


class QuizAttempt(db.Model):
    """A learner's graded answers to a lesson's quiz, within a class."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    answers: Mapped[list] = mapped_column(JSON)
    correct: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingClass(db.Model):
    """A class (培训班) of an approved course, with dates (Asia/Shanghai) and capacity."""

    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(8), unique=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider] = relationship()
    course: Mapped[Course] = relationship()
    members: Mapped[list[ClassMember]] = relationship(
        back_populates="training_class", order_by="ClassMember.id"
    )
    invites: Mapped[list[ClassInvite]] = relationship(
        back_populates="training_class", order_by="ClassInvite.id"
    )
    transitions: Mapped[list[ClassTransition]] = relationship(order_by="ClassTransition.id")


class ClassTransition(TransitionMixin, db.Model):
    """One step of a class: approval (开班备案), closing (结业); who, when, from, to, comment."""

    __tablename__ = "class_transitions"
    subject_column = "class_id"

    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)


class ClassMember(db.Model):
    """A learner in a class, joined by code, by roster import or by claiming an invite."""

    __tablename__ = "class_members"
    __table_args__ = (UniqueConstraint("class_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    via: Mapped[str] = mapped_column(String(16))  # code | roster | invite
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_class: Mapped[TrainingClass] = relationship(back_populates="members")
    learner: Mapped[User] = relationship()


class ClassInvite(db.Model):
    """A seat reserved by roster import for someone not registered yet.

    It is claimed (turned into a :class:`ClassMember`) when a learner with this ID number
    registers — with their own consent — and opens their classes.
    """

    __tablename__ = "class_invites"
    __table_args__ = (UniqueConstraint("class_id", "id_number_lookup"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number_lookup: Mapped[str] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    mobile: Mapped[str] = mapped_column(String(11))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_class: Mapped[TrainingClass] = relationship(back_populates="invites")
