"""Appeals of face checks, accommodations (no challenge / attended study), attested attendance,
and the history of every transition of an appeal or accommodation."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skilltrace.extensions import db
from skilltrace.identity.models import User, utcnow


class AppealStatus(enum.StrEnum):
    OPEN = "open"  # waiting for a reviewer
    OVERTURN_PROPOSED = "overturn_proposed"  # one reviewer would overturn; a second confirms
    UPHELD = "upheld"  # the check's verdict stands
    OVERTURNED = "overturned"  # confirmed by a second reviewer; the voided stretch is credited


OPEN_APPEAL_STATUSES = (AppealStatus.OPEN, AppealStatus.OVERTURN_PROPOSED)


class AccommodationKind(enum.StrEnum):
    MATCH_ONLY = "match_only"  # face match without a liveness challenge
    ATTENDED = "attended"  # checks replaced by in-person attendance attested by the provider


class AccommodationStatus(enum.StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


class CheckAppeal(db.Model):
    """A learner's appeal of a failed or missed face check."""

    __tablename__ = "check_appeals"
    __table_args__ = (
        Index(
            "uq_check_appeals_open_check",
            "check_id",
            unique=True,
            postgresql_where=text("status IN ('open', 'overturn_proposed')"),
            sqlite_where=text("status IN ('open', 'overturn_proposed')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("face_checks.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=AppealStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime | None]
    proposal_comment: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Accommodation(db.Model):
    """A learner's request for another way of being checked in one class, and its decision."""

    __tablename__ = "accommodations"
    __table_args__ = (
        Index(
            "uq_accommodations_requested",
            "learner_id",
            "class_id",
            unique=True,
            postgresql_where=text("status = 'requested'"),
            sqlite_where=text("status = 'requested'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=AccommodationStatus.REQUESTED)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    expires_on: Mapped[date | None] = mapped_column(Date)  # last day it applies (Beijing)
    comment: Mapped[str | None] = mapped_column(Text)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AttendanceRecord(db.Model):
    """In-person study attested by a provider's staff for a learner with an ``attended``
    accommodation: one per learner, lesson and day."""

    __tablename__ = "attendance_records"
    __table_args__ = (UniqueConstraint("learner_id", "lesson_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    accommodation_id: Mapped[int] = mapped_column(ForeignKey("accommodations.id"))
    day: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int]
    staff_name: Mapped[str] = mapped_column(String(60))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewTransition(db.Model):
    """One audited transition of an appeal or accommodation (or an attendance record)."""

    __tablename__ = "review_transitions"
    __table_args__ = (Index("ix_review_transitions_subject", "subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))  # appeal, accommodation, attendance
    subject_id: Mapped[int]
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User] = relationship()
