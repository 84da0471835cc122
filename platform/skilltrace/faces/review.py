"""Regulators' review of held enrollments: possible duplicate identities and re-enrollments
after study time. Every reference photo shown is decrypted on the fly and its read logged."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skilltrace.courses.scope import province_wide
from skilltrace.errors import DomainError
from skilltrace.faces.access import check_reader, covers, log_read
from skilltrace.faces.models import (
    CaseKind,
    CaseStatus,
    EnrollmentStatus,
    FaceEnrollment,
    FaceReviewCase,
)
from skilltrace.faces.services import EnrollmentService
from skilltrace.identity.models import Role, User, utcnow
from skilltrace.notices.services import notify

NOTE_MAX = 500


class ReviewService:
    """Lists and decides review cases; serves reference photos with an access log."""

    def __init__(self, session: Session, enrollments: EnrollmentService):
        self.session = session
        self.enrollments = enrollments

    def open_cases(self, regulator: User) -> list[FaceReviewCase]:
        """Open cases of learners in the regulator's scope, oldest first."""
        cases = self.session.scalars(
            select(FaceReviewCase)
            .where(FaceReviewCase.status == CaseStatus.OPEN)
            .order_by(FaceReviewCase.id)
        )
        return [case for case in cases if self._covers(regulator, case)]

    def open_count(self, regulator: User) -> int:
        """How many open cases the regulator can decide."""
        if province_wide(regulator):
            return self.session.scalar(
                select(func.count())
                .select_from(FaceReviewCase)
                .where(FaceReviewCase.status == CaseStatus.OPEN)
            )
        return len(self.open_cases(regulator))

    def recent_decisions(self, regulator: User, limit: int = 20) -> list[FaceReviewCase]:
        """The latest decided cases in the regulator's scope, newest first."""
        cases = self.session.scalars(
            select(FaceReviewCase)
            .where(FaceReviewCase.status != CaseStatus.OPEN)
            .order_by(FaceReviewCase.decided_at.desc(), FaceReviewCase.id.desc())
            .limit(limit)
        )
        return [case for case in cases if self._covers(regulator, case)]

    def _covers(self, regulator: User, case: FaceReviewCase) -> bool:
        return regulator.role == Role.REGULATOR and covers(
            self.session, regulator, case.enrollment.learner_id
        )

    def decide(
        self, case_id: int, regulator: User, approve: bool, note: str | None = None
    ) -> FaceReviewCase:
        """Approve (the held enrollment becomes active) or reject a case.

        Approving a re-enrollment first searches for duplicates again (another account may
        have enrolled that face meanwhile); if one is found the case stays open, turned into a
        duplicate-identity case, and is returned with status ``open``.
        """
        if regulator.role != Role.REGULATOR:
            raise DomainError("forbidden", _l("You are not allowed to do this."), status=403)
        note = (note or "").strip()[:NOTE_MAX] or None
        with self.enrollments.locked():
            case = self.session.get(FaceReviewCase, case_id, with_for_update=True)
            if case is None or not self._covers(regulator, case):
                raise DomainError("not_found", _l("No such review case."), status=404)
            if case.status != CaseStatus.OPEN:
                raise DomainError(
                    "case_decided", _l("This case has already been decided."), status=409
                )
            enrollment = case.enrollment
            template = self.enrollments.decrypt_template(enrollment.template_encrypted)
            if approve and case.kind == CaseKind.REENROLLMENT:
                duplicate = self.enrollments.nearest_other(template, enrollment.learner_id)
                if duplicate is not None:
                    case.kind = CaseKind.DUPLICATE_IDENTITY
                    case.matched_learner_id, case.matched_enrollment_id, case.distance = duplicate
                    enrollment.status = EnrollmentStatus.DUPLICATE_REVIEW
                    self.session.commit()
                    return case
            now = utcnow()
            if approve:
                self.enrollments.activate(enrollment)
            else:
                enrollment.status = EnrollmentStatus.REJECTED
            case.status = CaseStatus.APPROVED if approve else CaseStatus.REJECTED
            case.decided_at = enrollment.decided_at = now
            case.decided_by_id = enrollment.decided_by_id = regulator.id
            case.note = note
            notify(
                enrollment.learner_id,
                "face_review_decided",
                {"decision": "approved" if approve else "rejected", "note": note or ""},
            )
            self.session.commit()
            if approve:
                try:
                    self.enrollments.directory.changed(
                        self.enrollments.state, enrollment.learner_id, template
                    )
                except BaseException:
                    self.enrollments.directory.forget()
                    raise
        return case

    def enrollment_photo(
        self, enrollment_id: int, reader: User, client_ip: str | None = None
    ) -> bytes:
        """A reference photo (JPEG) for a regulator or its learner; the read is logged."""
        enrollment = self.session.get(FaceEnrollment, enrollment_id)
        if enrollment is None:
            raise DomainError("not_found", _l("No such face picture."), status=404)
        if not self._may_see_photo(reader, enrollment):
            check_reader(self.session, reader, enrollment.learner_id)
        try:
            data = self.enrollments.photo(enrollment)
        except FileNotFoundError:
            raise DomainError("not_found", _l("No such face picture."), status=404) from None
        log_read(
            self.session,
            reader,
            enrollment.learner_id,
            "enrollment_photo",
            enrollment.id,
            "review",
            client_ip,
        )
        self.session.commit()
        return data

    def _may_see_photo(self, reader: User, enrollment: FaceEnrollment) -> bool:
        """A regulator deciding a case sees both of its photos, the other account's too."""
        if reader.role != Role.REGULATOR:
            return False
        cases = self.session.scalars(
            select(FaceReviewCase).where(
                (FaceReviewCase.enrollment_id == enrollment.id)
                | (FaceReviewCase.matched_enrollment_id == enrollment.id)
            )
        )
        return any(self._covers(reader, case) for case in cases)


def review_service() -> ReviewService:
    """The review service wired to the current app."""
    from skilltrace.extensions import db
    from skilltrace.faces.services import enrollment_service

    return ReviewService(db.session, enrollment_service())
