"""Face data: enrollment history, each learner's active template, review cases, check
snapshots and the log of every read of a face picture.

Face templates and pictures are encrypted: templates in their column, pictures as files under
``MEDIA_ROOT`` (see :mod:`skilltrace.faces.storage`); rows only hold the files' paths.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skilltrace.extensions import db
from skilltrace.identity.models import User, utcnow


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"  # the learner's current template
    PENDING_REVIEW = "pending_review"  # a re-enrollment after study time, awaiting a regulator
    DUPLICATE_REVIEW = "duplicate_identity_review"  # near-identical to another account's face
    SUPERSEDED = "superseded"  # was active, replaced by a later enrollment
    REJECTED = "rejected"  # a held enrollment a regulator refused


HELD_STATUSES = (EnrollmentStatus.PENDING_REVIEW, EnrollmentStatus.DUPLICATE_REVIEW)


class CaseKind(enum.StrEnum):
    DUPLICATE_IDENTITY = "duplicate_identity"
    REENROLLMENT = "reenrollment"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"


class FaceEnrollment(db.Model):
    """One accepted or held enrollment photo (refused photos leave no row)."""

    __tablename__ = "face_enrollments"
    __table_args__ = (Index("ix_face_enrollments_learner_id_status", "learner_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(32), index=True)
    source: Mapped[str] = mapped_column(String(16))  # upload, camera, cli, demo
    template_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    # The face model that computed the template (``engine.MODEL_ID``); ``flask faces
    # reencode`` recomputes templates of another model from the stored photos.
    model: Mapped[str] = mapped_column(
        String(80), default="dlib-resnet-128@1", server_default="dlib-resnet-128@1"
    )
    photo_path: Mapped[str] = mapped_column(String(200))
    # Further photos of a multi-photo enrollment (paths, newline-separated; encrypted files).
    extra_photo_paths: Mapped[str | None] = mapped_column(Text)
    face_px: Mapped[float] = mapped_column(Float)
    yaw: Mapped[float] = mapped_column(Float)
    brightness: Mapped[float] = mapped_column(Float)
    sharpness: Mapped[float] = mapped_column(Float)
    outside: Mapped[float] = mapped_column(Float)
    had_study_time: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def photo_paths(self) -> list[str]:
        """Every photo of this enrollment, the primary one first."""
        extra = [p for p in (self.extra_photo_paths or "").split("\n") if p]
        return [self.photo_path, *extra]

    @property
    def quality(self) -> dict[str, float]:
        """The quality figures measured on the photo."""
        return {
            "face_px": self.face_px,
            "yaw": self.yaw,
            "brightness": self.brightness,
            "sharpness": self.sharpness,
            "outside": self.outside,
        }


class FaceTemplate(db.Model):
    """Points at each learner's active enrollment: at most one per learner."""

    __tablename__ = "face_templates"

    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("face_enrollments.id"), unique=True)
    activated_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[FaceEnrollment] = relationship()


class FaceReviewCase(db.Model):
    """A held enrollment a regulator approves or rejects."""

    __tablename__ = "face_review_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("face_enrollments.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN, index=True)
    # duplicate cases: the other account whose template is this close
    matched_learner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    matched_enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("face_enrollments.id"))
    distance: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)

    enrollment: Mapped[FaceEnrollment] = relationship(foreign_keys=[enrollment_id])
    matched_learner: Mapped[User | None] = relationship(foreign_keys=[matched_learner_id])
    matched_enrollment: Mapped[FaceEnrollment | None] = relationship(
        foreign_keys=[matched_enrollment_id]
    )
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class FaceSnapshot(db.Model):
    """A picture kept from a face check; the file goes at purge, the row stays."""

    __tablename__ = "face_snapshots"
    __table_args__ = (Index("ix_face_snapshots_purged_at_created_at", "purged_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="check")
    file_path: Mapped[str | None] = mapped_column(String(200))
    byte_size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]


class FaceAccessLog(db.Model):
    """One read of a face picture: who read what, whose, and when."""

    __tablename__ = "face_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    object_kind: Mapped[str] = mapped_column(String(24))  # enrollment_photo, snapshot
    object_id: Mapped[int]
    purpose: Mapped[str] = mapped_column(String(32))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    accessed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    reader: Mapped[User] = relationship(foreign_keys=[reader_id])
    learner: Mapped[User] = relationship(foreign_keys=[learner_id])


class FaceFramePrint(db.Model):
    """The content print of one accepted check frame (replay memory across checks).

    The perceptual hash is stored plain (it cannot be turned back into a face); the 24x24
    grey face used to confirm a match is encrypted like every face picture.
    """

    __tablename__ = "face_frame_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    check_id: Mapped[int | None] = mapped_column(index=True)  # study's face_checks.id
    phash: Mapped[int] = mapped_column(BigInteger)
    pixels_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
