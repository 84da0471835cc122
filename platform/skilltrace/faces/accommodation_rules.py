"""Pure rules of accommodations: the check mode on a day, the expiry of a grant, the checks of
an attendance record, and the refusal messages (see :mod:`skilltrace.faces.accommodations`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from skilltrace.errors import DomainError
from skilltrace.faces.appeal_models import AccommodationKind, AccommodationStatus
from skilltrace.timefmt import beijing_date  # noqa: F401 (re-exported)

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


def accommodation_error(code: str, field: str | None = None) -> DomainError:
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
