"""Accommodations: another way of being checked for a learner who cannot use a camera or
cannot make the liveness challenge, granted per class by a regulator until an expiry date.

* ``match_only``: face checks without a liveness challenge (:func:`check_mode` tells study);
* ``attended``: online checks are replaced by attendance attested in person by the provider;
  each record (class, lesson, date, minutes, staff member's name) appends
  ``attendance_attested`` to the trace, which the ledger replay credits under the daily cap.

Every request, decision and record is a trace event and a :class:`ReviewTransition` row.
Dates are Beijing dates; an accommodation applies up to and including ``expires_on``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from skilltrace.courses.services import is_staff_of, regulates
from skilltrace.faces.accommodation_rules import (  # noqa: F401  (re-exported)
    ATTENDED,
    CHALLENGE,
    MATCH_ONLY,
    Grant,
    accommodation_error,
    attendance_refusal,
    beijing_date,
    expiry_refusal,
    mode_on,
)
from skilltrace.faces.appeal_models import (
    Accommodation,
    AccommodationKind,
    AccommodationStatus,
    AttendanceRecord,
    ReviewTransition,
)
from skilltrace.faces.appeals import clean_text
from skilltrace.identity.models import Role, User
from skilltrace.study.amends import ATTENDANCE_ATTESTED
from skilltrace.study.crediting import CreditingRules
from skilltrace.study.rebuild import rebuild_ledger
from skilltrace.traces.services import TraceLog

# -- the service -----------------------------------------------------------------------------


class AccommodationService:
    """Requests, decisions and attendance records; receives its collaborators."""

    def __init__(self, session: Session, trace: TraceLog, rules: CreditingRules):
        self.session, self.trace, self.rules = session, trace, rules

    def _class(self, class_id):
        from skilltrace.courses.models import TrainingClass

        found = self.session.get(TrainingClass, class_id) if isinstance(class_id, int) else None
        if found is None:
            raise accommodation_error("class_not_found")
        return found

    def _member(self, learner_id: int, class_id: int) -> bool:
        from skilltrace.courses.models import ClassMember

        return (
            self.session.scalar(
                select(ClassMember.id).where(
                    ClassMember.class_id == class_id, ClassMember.learner_id == learner_id
                )
            )
            is not None
        )

    def grants(self, learner_id: int, class_id: int) -> list[Grant]:
        rows = self.session.scalars(
            select(Accommodation).where(
                Accommodation.learner_id == learner_id,
                Accommodation.class_id == class_id,
                Accommodation.status == AccommodationStatus.GRANTED,
            )
        )
        return [Grant(a.kind, a.status, a.expires_on) for a in rows]

    def mode(self, learner_id: int, class_id: int, at: datetime) -> str:
        return mode_on(self.grants(learner_id, class_id), beijing_date(at))

    def of_learner(self, learner_id: int) -> list[Accommodation]:
        return list(
            self.session.scalars(
                select(Accommodation)
                .where(Accommodation.learner_id == learner_id)
                .order_by(Accommodation.id.desc())
            )
        )

    def request(self, learner: User, class_id, kind, reason, now: datetime) -> Accommodation:
        """A learner asks for an accommodation in one of their classes (committed)."""
        class_ = self._class(class_id)
        if not self._member(learner.id, class_.id):
            raise accommodation_error("class_not_found")
        if kind not in (AccommodationKind.MATCH_ONLY, AccommodationKind.ATTENDED):
            raise accommodation_error("kind_invalid", field="kind")
        text = clean_text(reason, "reason_invalid", 5, 1000, "reason")
        pending = self.session.scalar(
            select(Accommodation.id).where(
                Accommodation.learner_id == learner.id,
                Accommodation.class_id == class_.id,
                Accommodation.status == AccommodationStatus.REQUESTED,
            )
        )
        if pending is not None:
            raise accommodation_error("accommodation_pending")
        row = Accommodation(
            learner_id=learner.id, class_id=class_.id, kind=kind, reason=text, requested_at=now
        )
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise accommodation_error("accommodation_pending") from None
        self._audit("accommodation", row.id, learner.id, None, row.status, None, now)
        self.trace.append(
            learner.id,
            "accommodation_requested",
            {"accommodation_id": row.id, "class_id": class_.id, "kind": kind},
            at=now,
        )
        self._notify_regulators(class_)
        self.session.commit()
        return row

    def _notify_regulators(self, class_) -> None:
        """A queue notice to every active regulator who oversees the class's provider."""
        from skilltrace.notices.services import notify

        regulators = self.session.scalars(
            select(User).where(User.role == Role.REGULATOR, User.is_active_account.is_(True))
        )
        for regulator in regulators:
            if regulates(regulator, class_.provider):
                notify(
                    regulator.id, "queue_item", {"what": "accommodation"}, "/faces/accommodations"
                )

    def queue(self, regulator: User) -> list[Accommodation]:
        """Requests waiting for a decision in classes the regulator covers."""
        rows = self.session.scalars(
            select(Accommodation)
            .where(Accommodation.status == AccommodationStatus.REQUESTED)
            .order_by(Accommodation.id)
        )
        return [a for a in rows if regulates(regulator, self._class(a.class_id).provider)]

    def decided(self, regulator: User, limit: int = 30) -> list[Accommodation]:
        rows = self.session.scalars(
            select(Accommodation)
            .where(Accommodation.status != AccommodationStatus.REQUESTED)
            .order_by(Accommodation.decided_at.desc(), Accommodation.id.desc())
            .limit(limit)
        )
        return [a for a in rows if regulates(regulator, self._class(a.class_id).provider)]

    def decide(
        self, regulator: User, accommodation_id, grant: bool, expires_on, comment, now: datetime
    ) -> Accommodation:
        """Grant (until ``expires_on``) or refuse a request in the regulator's scope."""
        row = (
            self.session.get(Accommodation, accommodation_id)
            if isinstance(accommodation_id, int)
            else None
        )
        if row is None or not regulates(regulator, self._class(row.class_id).provider):
            raise accommodation_error("accommodation_not_found")
        note = clean_text(comment or "", "comment_invalid", 0, 1000, "comment") or None
        today = beijing_date(now)
        if grant:
            refusal = expiry_refusal(expires_on, today)
            if refusal:
                raise accommodation_error(refusal, field="expires_on")
        target = AccommodationStatus.GRANTED if grant else AccommodationStatus.REFUSED
        won = self.session.execute(
            update(Accommodation)
            .where(
                Accommodation.id == row.id,
                Accommodation.status == AccommodationStatus.REQUESTED,
            )
            .values(
                status=target,
                decided_by_id=regulator.id,
                decided_at=now,
                expires_on=expires_on if grant else None,
                comment=note,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            self.session.rollback()
            raise accommodation_error("accommodation_decided")
        self._audit("accommodation", row.id, regulator.id, "requested", target, note, now)
        from skilltrace.notices.services import notify

        notify(
            row.learner_id,
            "accommodation_decided",
            {"decision": "approved" if grant else "rejected", "note": note or ""},
        )
        self.trace.append(
            row.learner_id,
            f"accommodation_{target}",
            {
                "accommodation_id": row.id,
                "class_id": row.class_id,
                "kind": row.kind,
                "expires_on": expires_on if grant else None,
                "regulator_id": regulator.id,
            },
            at=now,
        )
        self.session.commit()
        self.session.refresh(row)
        return row

    # -- attendance -----------------------------------------------------------------------------
    def attendance_learners(self, staff: User, today: date) -> list[Accommodation]:
        """Attended-study accommodations active today in the staff member's classes."""
        rows = self.session.scalars(
            select(Accommodation)
            .where(
                Accommodation.status == AccommodationStatus.GRANTED,
                Accommodation.kind == AccommodationKind.ATTENDED,
                Accommodation.expires_on >= today,
            )
            .order_by(Accommodation.id)
        )
        return [a for a in rows if is_staff_of(staff, self._class(a.class_id).provider_id)]

    def records(self, learner_id: int | None = None, class_ids=None) -> list[AttendanceRecord]:
        query = select(AttendanceRecord).order_by(AttendanceRecord.id.desc()).limit(200)
        if learner_id is not None:
            query = query.where(AttendanceRecord.learner_id == learner_id)
        if class_ids is not None:
            query = query.where(AttendanceRecord.class_id.in_(list(class_ids) or [-1]))
        return list(self.session.scalars(query))

    def record_attendance(
        self, staff: User, learner_id, class_id, lesson_id, day, minutes, staff_name, now
    ) -> AttendanceRecord:
        """Provider staff attest in-person study; the trace event is credited by the replay."""
        from skilltrace.courses.models import Lesson

        class_ = self._class(class_id)
        if staff.role != Role.PROVIDER_STAFF or not is_staff_of(staff, class_.provider_id):
            raise accommodation_error("class_not_found")
        if not isinstance(learner_id, int) or not self._member(learner_id, class_.id):
            raise accommodation_error("learner_not_found", field="learner_id")
        lesson = self.session.get(Lesson, lesson_id) if isinstance(lesson_id, int) else None
        if lesson is None or lesson.course_id != class_.course_id or lesson.retired_at:
            raise accommodation_error("lesson_not_in_class", field="lesson_id")
        refusal = attendance_refusal(
            day, minutes, staff_name, class_.start_date, class_.end_date, beijing_date(now)
        )
        if refusal:
            raise accommodation_error(refusal)
        if mode_on(self.grants(learner_id, class_.id), day) != ATTENDED:
            raise accommodation_error("no_attended_accommodation")
        accommodation = max(
            (
                a
                for a in self.of_learner(learner_id)
                if a.class_id == class_.id
                and a.kind == AccommodationKind.ATTENDED
                and a.status == AccommodationStatus.GRANTED
            ),
            key=lambda a: a.id,
        )
        record = AttendanceRecord(
            learner_id=learner_id,
            class_id=class_.id,
            lesson_id=lesson.id,
            accommodation_id=accommodation.id,
            day=day,
            minutes=minutes,
            staff_name=staff_name.strip(),
            recorded_by_id=staff.id,
            recorded_at=now,
        )
        self.session.add(record)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise accommodation_error("attendance_duplicate") from None
        self._audit("attendance", record.id, staff.id, None, "recorded", record.staff_name, now)
        self.trace.append(
            learner_id,
            ATTENDANCE_ATTESTED,
            {
                "attendance_id": record.id,
                "accommodation_id": accommodation.id,
                "class_id": class_.id,
                "lesson_id": lesson.id,
                "course_id": class_.course_id,
                "duration_s": float(lesson.duration_s),
                "date": day,
                "minutes": minutes,
                "staff_name": record.staff_name,
                "recorded_by": staff.id,
            },
            at=now,
        )
        rebuild_ledger(self.session, learner_id, self.rules)
        self.session.commit()
        return record

    def history(self, subject: str, subject_id: int) -> list[ReviewTransition]:
        return list(
            self.session.scalars(
                select(ReviewTransition)
                .where(
                    ReviewTransition.subject == subject, ReviewTransition.subject_id == subject_id
                )
                .order_by(ReviewTransition.id)
            )
        )

    def _audit(self, subject, subject_id, actor_id, from_state, to_state, comment, now) -> None:
        self.session.add(
            ReviewTransition(
                subject=subject,
                subject_id=subject_id,
                actor_id=actor_id,
                from_state=from_state,
                to_state=to_state,
                comment=comment,
                at=now,
            )
        )


def accommodation_service() -> AccommodationService:
    """The accommodation service wired to the current app."""
    from flask import current_app

    from skilltrace.extensions import db

    rules = CreditingRules.from_config(current_app.config)
    return AccommodationService(db.session, TraceLog(db.session), rules)


def check_mode(learner_id: int, class_id: int, at: datetime) -> str:
    """Contract B: how a check of this learner in this class is issued at ``at``:
    ``"challenge"`` (default), ``"match_only"`` (no liveness challenge) or ``"attended"``
    (checks replaced by attested attendance; online study, if any, is checked match-only)."""
    return accommodation_service().mode(learner_id, class_id, at)
