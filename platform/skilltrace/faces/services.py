"""Face enrollment: one engine per process, one face per account, templates kept encrypted.

The study domain calls :func:`face_engine`, :func:`active_template`, :func:`store_snapshot`,
:func:`read_snapshot` (see :mod:`skilltrace.faces.snapshots`) and :func:`purge_snapshots`.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from skilltrace.crypto import DataCipher
from skilltrace.errors import DomainError
from skilltrace.faces.enroll_photos import analyze_photos, reference_jpeg
from skilltrace.faces.index import TemplateDirectory, templates_locked
from skilltrace.faces.messages import face_error
from skilltrace.faces.models import (
    HELD_STATUSES,
    CaseKind,
    EnrollmentStatus,
    FaceEnrollment,
    FaceReviewCase,
    FaceSnapshot,
    FaceTemplate,
)
from skilltrace.faces.runtime import (  # noqa: F401  (face_engine: part of this API)
    engine_settings,
    face_engine,
    file_store,
    template_directory,
)
from skilltrace.faces.storage import EncryptedFileStore
from skilltrace.identity.models import ConsentRecord, Role, User, utcnow
from skilltrace.state import LiveState
from skilltrace.traces.models import TraceEvent

if TYPE_CHECKING:  # the engine (OpenCV, numpy) is imported on first use, not with the app
    import numpy as np

    from skilltrace.faces.engine import FaceEngine

TEMPLATE_CONTEXT = b"face_enrollments.template"
PHOTO_LABEL = b"faces.photo"
PHOTO_FOLDER = "faces"
STUDY_TIME_KIND = "stretch_credited"  # trace events the study domain writes for credited time
SOURCES = ("upload", "camera", "cli", "demo")


@dataclass(frozen=True)
class EnrollmentState:
    """A learner's face enrollment as the learner sees it."""

    status: str  # not_enrolled, active, pending_review, duplicate_identity_review, rejected
    active: FaceEnrollment | None
    latest: FaceEnrollment | None

    @property
    def can_study(self) -> bool:
        """Whether face checks have a template to compare with."""
        return self.active is not None


class EnrollmentService:
    """Enrolls learners' faces; receives its collaborators."""

    def __init__(
        self,
        session: Session,
        cipher: DataCipher,
        store: EncryptedFileStore,
        engine: FaceEngine,
        directory: TemplateDirectory,
        state: LiveState,
    ):
        self.session = session
        self.cipher = cipher
        self.store = store
        self.engine = engine
        self.directory = directory
        self.state = state

    # -- enrollment ---------------------------------------------------------------------
    def enroll(
        self, learner: User, image: bytes | list[bytes], source: str = "upload"
    ) -> FaceEnrollment:
        """Check and store 1-3 enrollment photos: active, or held for a regulator with a case.

        Every photo must pass the quality gates and all must show the same person
        (``enrollment_photos_differ``); the template keeps one encoding per photo and a check
        is compared with the nearest. Refusals raise DomainError (the engine's codes,
        ``consent_required``, ...) and write nothing. Held: after study time
        (``pending_review``) or when the face is near-identical to another account's
        (``duplicate_identity_review``).
        """
        from skilltrace.faces.vectors import MAX_TEMPLATE_VECTORS

        images = [image] if isinstance(image, bytes | bytearray) else list(image)
        if learner.role != Role.LEARNER:
            raise DomainError("forbidden", _l("Only learners enroll a face."), status=403)
        if not 1 <= len(images) <= MAX_TEMPLATE_VECTORS:
            raise face_error("too_many_photos")
        self._check_consent(learner)
        self._check_no_open_case(learner.id)
        analysed = analyze_photos(self.engine, images)
        self.template_index()  # catch up before taking the lock, which then only waits briefly
        paths = [
            self.store.put(PHOTO_FOLDER, reference_jpeg(rgb), PHOTO_LABEL) for rgb, _a in analysed
        ]
        committed = False
        try:
            with self.locked():
                self._check_no_open_case(learner.id)
                enrollment = self._record(learner, [a for _r, a in analysed], paths, source)
                committed = True
                if enrollment.status == EnrollmentStatus.ACTIVE:
                    self.directory.changed(self.state, learner.id, analysed[0][1].encoding)
        except BaseException:
            if committed:  # the counter could not be bumped: at least rebuild here
                self.directory.forget()
            else:
                self.session.rollback()
                for path in paths:
                    self.store.delete(path)
            raise
        return enrollment

    def _record(self, learner, analyses: list, paths: list[str], source: str):
        """Write the enrollment (and its case when held) and commit."""
        import numpy as np

        from skilltrace.faces.vectors import pack_encoding

        analysis = analyses[0]
        encoding = np.stack([a.encoding for a in analyses])
        photo_path = paths[0]
        study_time = self.has_study_time(learner.id)
        duplicate = self.nearest_other(encoding, learner.id)
        current = self.session.get(FaceTemplate, learner.id)
        if duplicate is not None:
            status = EnrollmentStatus.DUPLICATE_REVIEW
        elif study_time:
            status = EnrollmentStatus.PENDING_REVIEW
        else:
            status = EnrollmentStatus.ACTIVE
        q = analysis.quality
        enrollment = FaceEnrollment(
            learner_id=learner.id,
            status=status,
            source=source if source in SOURCES else "upload",
            template_encrypted=self.cipher.encrypt(pack_encoding(encoding), TEMPLATE_CONTEXT),
            model=self.engine.model_id,
            photo_path=photo_path,
            extra_photo_paths="\n".join(paths[1:]) or None,
            face_px=q["face_px"],
            yaw=q["yaw"],
            brightness=q["brightness"],
            sharpness=q["sharpness"],
            outside=q["outside"],
            had_study_time=study_time,
        )
        self.session.add(enrollment)
        self.session.flush()
        if status == EnrollmentStatus.ACTIVE:
            self.activate(enrollment)
            enrollment.decided_at = utcnow()  # decided by the rules, no one's decision
        else:
            matched_learner, matched_enrollment, gap = duplicate or (None, None, None)
            self.session.add(
                FaceReviewCase(
                    enrollment_id=enrollment.id,
                    kind=CaseKind.DUPLICATE_IDENTITY if duplicate else CaseKind.REENROLLMENT,
                    matched_learner_id=matched_learner,
                    matched_enrollment_id=(
                        matched_enrollment or (current.enrollment_id if current else None)
                    ),
                    distance=gap,
                )
            )
        self.session.commit()
        return enrollment

    def activate(self, enrollment: FaceEnrollment) -> None:
        """Make ``enrollment`` its learner's template (the caller commits, then calls
        ``directory.changed``); the previous active enrollment becomes ``superseded``."""
        current = self.session.get(FaceTemplate, enrollment.learner_id, with_for_update=True)
        if current is None:
            self.session.add(
                FaceTemplate(learner_id=enrollment.learner_id, enrollment_id=enrollment.id)
            )
        else:
            current.enrollment.status = EnrollmentStatus.SUPERSEDED
            current.enrollment_id = enrollment.id
            current.activated_at = utcnow()
        enrollment.status = EnrollmentStatus.ACTIVE

    def _check_consent(self, learner: User) -> None:
        given = self.session.scalar(select(exists().where(ConsentRecord.user_id == learner.id)))
        if not given:
            raise DomainError(
                "consent_required",
                _l("Face enrollment needs your consent to the processing of face data."),
                status=403,
            )

    def _check_no_open_case(self, learner_id: int) -> None:
        held = self.session.scalar(
            select(
                exists().where(
                    FaceEnrollment.learner_id == learner_id,
                    FaceEnrollment.status.in_(HELD_STATUSES),
                )
            )
        )
        if held:
            raise DomainError(
                "enrollment_under_review",
                _l(
                    "Your last face photo is waiting for a regulator. Try again after the decision."
                ),
                status=409,
            )

    @contextmanager
    def locked(self):
        """Hold the cross-process lock on the active templates (503 ``busy`` on timeout)."""
        try:
            with templates_locked(self.state):
                yield
        except TimeoutError:
            raise DomainError(
                "busy", _l("The server is busy. Wait a moment and try again."), status=503
            ) from None

    # -- lookups ------------------------------------------------------------------------
    def has_study_time(self, learner_id: int) -> bool:
        """Whether any of the learner's study time was credited (a ``stretch_credited`` event)."""
        return bool(
            self.session.scalar(
                select(
                    exists().where(
                        TraceEvent.learner_id == learner_id, TraceEvent.kind == STUDY_TIME_KIND
                    )
                )
            )
        )

    def nearest_other(self, encoding, learner_id: int) -> tuple[int, int, float] | None:
        """(learner id, enrollment id, distance) of the closest other account's template
        within the duplicate threshold, or None."""
        from skilltrace.faces.vectors import as_template

        index = self.template_index()
        found = [
            hit
            for vector in as_template(encoding)
            for hit in index.within(
                vector, self.engine.settings.duplicate_threshold, exclude_id=learner_id
            )
        ]
        if not found:
            return None
        other, gap = min(found, key=lambda hit: hit[1])
        template = self.session.get(FaceTemplate, other)
        return other, template.enrollment_id if template else None, round(gap, 4)

    def template_index(self):
        """This process's index of every active template, brought up to date."""
        return self.directory.index(self.state, self._load_templates, self._load_some)

    def _active_blobs(self):
        """Active templates of the engine's model (others wait for ``flask faces reencode``)."""
        return (
            select(FaceTemplate.learner_id, FaceEnrollment.template_encrypted)
            .join(FaceEnrollment, FaceEnrollment.id == FaceTemplate.enrollment_id)
            .where(FaceEnrollment.model == self.engine.model_id)
        )

    def _load_templates(self):
        from skilltrace.faces.vectors import primary

        for learner_id, blob in self.session.execute(self._active_blobs()):
            yield learner_id, primary(self.decrypt_template(blob))

    def _load_some(self, learner_ids: set[int]) -> dict:
        from skilltrace.faces.vectors import primary

        query = self._active_blobs().where(FaceTemplate.learner_id.in_(learner_ids))
        found = {
            lid: primary(self.decrypt_template(blob)) for lid, blob in self.session.execute(query)
        }
        return {lid: found.get(lid) for lid in learner_ids}

    def decrypt_template(self, blob: bytes) -> np.ndarray:
        """The template (one 128-d encoding, or k x 128) stored encrypted in ``blob``."""
        from skilltrace.faces.vectors import unpack_encoding

        return unpack_encoding(self.cipher.decrypt(blob, TEMPLATE_CONTEXT))

    def active_template(self, learner_id: int) -> np.ndarray | None:
        """The learner's active template (float32) of the engine's model, or None."""
        blob = self.session.scalar(
            self._active_blobs()
            .with_only_columns(FaceEnrollment.template_encrypted)
            .where(FaceTemplate.learner_id == learner_id)
        )
        return None if blob is None else self.decrypt_template(blob)

    def state_of(self, learner_id: int) -> EnrollmentState:
        """The learner's enrollment status, active enrollment and latest enrollment."""
        template = self.session.get(FaceTemplate, learner_id)
        latest = self.session.scalar(
            select(FaceEnrollment)
            .where(FaceEnrollment.learner_id == learner_id)
            .order_by(FaceEnrollment.id.desc())
            .limit(1)
        )
        active = template.enrollment if template else None
        if latest is not None and latest.status in HELD_STATUSES:
            status = latest.status
        elif active is not None:
            status = EnrollmentStatus.ACTIVE
        elif latest is not None and latest.status == EnrollmentStatus.REJECTED:
            status = EnrollmentStatus.REJECTED
        else:
            status = "not_enrolled"
        return EnrollmentState(str(status), active, latest)

    def history(self, learner_id: int) -> list[FaceEnrollment]:
        """Every enrollment of the learner, newest first."""
        return list(
            self.session.scalars(
                select(FaceEnrollment)
                .where(FaceEnrollment.learner_id == learner_id)
                .order_by(FaceEnrollment.id.desc())
            )
        )

    def photo(self, enrollment: FaceEnrollment) -> bytes:
        """The decrypted reference photo (JPEG); callers log the read."""
        return self.store.get(enrollment.photo_path, PHOTO_LABEL)


# -- wiring to the current app ------------------------------------------------------------
def enrollment_service() -> EnrollmentService:
    """The enrollment service wired to the current app."""
    from skilltrace.extensions import db
    from skilltrace.state import current_state

    return EnrollmentService(
        db.session,
        current_app.extensions["skilltrace.cipher"],
        file_store(),
        face_engine(),
        template_directory(),
        current_state(),
    )


def active_template(learner_id: int) -> np.ndarray | None:
    """The learner's active template for face checks (None when not enrolled)."""
    return enrollment_service().active_template(learner_id)


def store_snapshot(learner_id: int, jpeg_bytes: bytes, kind: str = "check") -> FaceSnapshot:
    """Store a face-check picture encrypted (flushed; kept if the caller's transaction commits)."""
    from skilltrace.faces.snapshots import snapshot_service

    return snapshot_service().store(learner_id, jpeg_bytes, kind)


def read_snapshot(snapshot_id: int, reader_user: User, client_ip: str | None = None) -> bytes:
    """A snapshot's picture for ``reader_user`` (regulator or the learner); the read is logged."""
    from skilltrace.faces.snapshots import snapshot_service

    return snapshot_service().read(snapshot_id, reader_user, client_ip=client_ip)


def purge_snapshots(older_than_days: int) -> int:
    """Delete snapshot files older than ``older_than_days``; rows stay. Returns the count."""
    from skilltrace.faces.snapshots import snapshot_service

    return snapshot_service().purge(older_than_days)
