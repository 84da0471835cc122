"""Study sessions, face checks and the attested ledger (credited time and lesson coverage).

The ledger tables are a projection of the trace: every change to them is written in the same
transaction as the ``stretch_credited`` / ``lesson_completed`` trace event that explains it,
and ``flask study recompute`` rebuilds them from the trace alone.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from skilltrace.extensions import db


class SessionState(enum.StrEnum):
    SIGNING_IN = "signing_in"  # waiting for the sign-in check
    ACTIVE = "active"  # studying, stretch open
    CHECKING = "checking"  # a random check is open
    SUSPENDED = "suspended"  # a check failed or was missed; a new check must pass
    CLOSING = "closing"  # the closing check is open
    ENDED = "ended"


class CheckKind(enum.StrEnum):
    SIGN_IN = "sign_in"
    RANDOM = "random"
    RESUME = "resume"  # after a failed or missed check
    CLOSING = "closing"


class CheckStatus(enum.StrEnum):
    OPEN = "open"
    PASSED = "passed"
    FAILED = "failed"
    MISSED = "missed"
    CANCELLED = "cancelled"  # the session ended first


class StudySession(db.Model):
    __tablename__ = "study_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    state: Mapped[str] = mapped_column(String(16), default=SessionState.SIGNING_IN)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))
    last_heartbeat_at: Mapped[datetime | None]
    credited_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    client_info: Mapped[str | None] = mapped_column(String(200))
    # When the last credit a heartbeat left to a job was written (see study.deferred).
    deferred_credit_stamp: Mapped[float | None] = mapped_column(Float)


class FaceCheck(db.Model):
    __tablename__ = "face_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    nonce_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default=CheckStatus.OPEN)
    tries: Mapped[int] = mapped_column(default=0)
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(32))
    distances_json: Mapped[str | None] = mapped_column(Text)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("face_snapshots.id"))
    challenge: Mapped[str | None] = mapped_column(String(16))  # liveness: turn_left, …


class AttemptStatus(enum.StrEnum):
    PENDING = "pending"  # frames parked, waiting for a face worker
    PASSED = "passed"
    FAILED = "failed"
    VOID = "void"  # the check was closed (session ended, check expired) before the verdict
    LOST = "lost"  # the frames were gone before any worker verified them; not a try


class CheckAttempt(db.Model):
    """One answer to a face check: accepted (pending), then decided once by a face worker."""

    __tablename__ = "check_attempts"
    __table_args__ = (UniqueConstraint("check_id", "attempt_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("face_checks.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    attempt_no: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default=AttemptStatus.PENDING, index=True)
    frame_count: Mapped[int]
    received_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(32))
    final: Mapped[bool] = mapped_column(default=False)
    distances_json: Mapped[str | None] = mapped_column(Text)


class CreditedTime(db.Model):
    """Credited seconds per learner, lesson and local (Asia/Shanghai) day, after the cap."""

    __tablename__ = "credited_time"
    __table_args__ = (UniqueConstraint("learner_id", "lesson_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    day: Mapped[str] = mapped_column(String(10))
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    capped_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class LessonProgress(db.Model):
    """The union of credited video intervals of one lesson for one learner."""

    __tablename__ = "lesson_progress"

    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    duration_s: Mapped[float] = mapped_column(Float)
    intervals_json: Mapped[str] = mapped_column(Text, default="[]")
    covered_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    completed_at: Mapped[datetime | None]
