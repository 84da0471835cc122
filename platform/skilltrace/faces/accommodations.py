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

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from skilltrace.courses.services import is_staff_of, regulates
from skilltrace.errors import DomainError
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
from skilltrace.study.crediting import CreditingRules, local_zone
from skilltrace.study.projection import rebuild_ledger
from skilltrace.traces.services import TraceLog

CHALLENGE, MATCH_ONLY, ATTENDED = "challenge", "match_only", "attended"
MAX_GRANT_DAYS = 366
MAX_MINUTES = 480
KIND_PRECEDENCE = {AccommodationKind.ATTENDED: 2, AccommodationKind.MATCH_ONLY: 1}

MESSAGES = {
    "class_not_found": (_l("No such class."), 404),
    "learner_not_found": (_l("No such learner in this class."), 404),
    "accommodation_not_found": (_l("No such accommodation request."), 404),
    "kind_invalid": (_l("Choose no liveness challenge or attended study."), 422),
    "reason_invalid": (_l("Explain your need in 5 to 1000 characters."), 422),
    "comment_invalid": (_l("Write a comment of at most 1000 characters."), 422),
    "accommodation_pending": (
        _l("You already have a request for this class waiting for a decision."),
        409,
    ),
    "accommodation_decided": (_l("This request has already been decided."), 409),
    "expiry_invalid": (
        _l("Give an expiry date from today up to one year ahead."),
        422,
    ),
    "no_attended_accommodation": (
        _l("This learner has no attended-study accommodation for this class on that date."),
        409,
    ),
    "lesson_not_in_class": (_l("This lesson is not part of the class's course."), 422),
    "date_invalid": (_l("Give a date within the class's dates, not in the future."), 422),
    "minutes_invalid": (_l("Give between 1 and 480 minutes."), 422),
    "staff_name_invalid": (_l("Give the staff member's name (2 to 60 characters)."), 422),
    "attendance_duplicate": (
        _l("Attendance for this learner, lesson and date is already recorded."),
        409,
    ),
}


def _error(code: str, field: str | None = None) -> DomainError:
    message, status = MESSAGES[code]
    return DomainError(code, message, status=status, field=field)


# -- pure rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """A decided accommodation as the rules see it."""

    kind: str
    status: str
    expires_on: date | None


def mode_on(grants: list[Grant], day: date) -> str:
    """The check mode on ``day`` given a learner's accommodations for one class."""
    active = [
        g
        for g in grants
        if g.status == AccommodationStatus.GRANTED and g.expires_on and day <= g.expires_on
    ]
    if not active:
        return CHALLENGE
    return max(active, key=lambda g: KIND_PRECEDENCE.get(g.kind, 0)).kind


def expiry_refusal(expires_on, today: date) -> str | None:
    if not isinstance(expires_on, date) or isinstance(expires_on, datetime):
        return "expiry_invalid"
    if not today <= expires_on <= today + timedelta(days=MAX_GRANT_DAYS):
        return "expiry_invalid"
    return None


def attendance_refusal(
    day, minutes, staff_name, class_start: date, class_end: date, today: date
) -> str | None:
    """Why an attendance record is refused (a stable code), or None."""
    if not isinstance(day, date) or not class_start <= day <= min(class_end, today):
        return "date_invalid"
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        return "minutes_invalid"
    if not isinstance(staff_name, str) or not 2 <= len(staff_name.strip()) <= 60:
        return "staff_name_invalid"
    return None


def beijing_date(at: datetime) -> date:
    return at.astimezone(local_zone("Asia/Shanghai")).date()


# -- the service -----------------------------------------------------------------------------


class AccommodationService:
    """Requests, decisions and attendance records; receives its collaborators."""

    def __init__(self, session: Session, trace: TraceLog, rules: CreditingRules):
        self.session, self.trace, self.rules = session, trace, rules

    def _class(self, class_id):
        from skilltrace.courses.models import TrainingClass

        found = self.session.get(TrainingClass, class_id) if isinstance(class_id, int) else None
        if found is None:
            raise _error("class_not_found")
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
            raise _error("class_not_found")
        if kind not in (AccommodationKind.MATCH_ONLY, AccommodationKind.ATTENDED):
            raise _error("kind_invalid", field="kind")
        text = clean_text(reason, "reason_invalid", 5, 1000, "reason")
        pending = self.session.scalar(
            select(Accommodation.id).where(
                Accommodation.learner_id == learner.id,
                Accommodation.class_id == class_.id,
                Accommodation.status == AccommodationStatus.REQUESTED,
            )
        )
        if pending is not None:
            raise _error("accommodation_pending")
        row = Accommodation(
            learner_id=learner.id, class_id=class_.id, kind=kind, reason=text, requested_at=now
        )
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise _error("accommodation_pending") from None
        self._audit("accommodation", row.id, learner.id, None, row.status, None, now)
        self.trace.append(
            learner.id,
            "accommodation_requested",
            {"accommodation_id": row.id, "class_id": class_.id, "kind": kind},
            at=now,
        )
        self.session.commit()
        return row

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
            raise _error("accommodation_not_found")
        note = clean_text(comment or "", "comment_invalid", 0, 1000, "comment") or None
        today = beijing_date(now)
        if grant:
            refusal = expiry_refusal(expires_on, today)
            if refusal:
                raise _error(refusal, field="expires_on")
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
            raise _error("accommodation_decided")
        self._audit("accommodation", row.id, regulator.id, "requested", target, note, now)
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
            raise _error("class_not_found")
        if not isinstance(learner_id, int) or not self._member(learner_id, class_.id):
            raise _error("learner_not_found", field="learner_id")
        lesson = self.session.get(Lesson, lesson_id) if isinstance(lesson_id, int) else None
        if lesson is None or lesson.course_id != class_.course_id or lesson.retired_at:
            raise _error("lesson_not_in_class", field="lesson_id")
        refusal = attendance_refusal(
            day, minutes, staff_name, class_.start_date, class_.end_date, beijing_date(now)
        )
        if refusal:
            raise _error(refusal)
        if mode_on(self.grants(learner_id, class_.id), day) != ATTENDED:
            raise _error("no_attended_accommodation")
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
            raise _error("attendance_duplicate") from None
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
