"""Pure rules of the courses domain: workflows, openness, coverage, quiz marks, class codes.

Nothing here touches the database or Flask; every function works on plain values and is tested
with parametrised tables (``tests/courses/test_rules.py``).
"""

from __future__ import annotations

import enum
import math
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from skilltrace.regions import scope_covers


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class ClassStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CLOSED = "closed"  # 结业: the provider closed it after its end date


class SkillLevel(enum.StrEnum):
    """National occupational skill levels (职业技能等级), 五级 is the entry level."""

    L5 = "5"  # 五级/初级工
    L4 = "4"  # 四级/中级工
    L3 = "3"  # 三级/高级工
    L2 = "2"  # 二级/技师
    L1 = "1"  # 一级/高级技师


PROVIDER_STATUSES = ("active", "suspended", "blacklisted")


class RuleError(Exception):
    """A refused action: stable ``code`` and the HTTP status it maps to."""

    def __init__(self, code: str, status: int = 409):
        super().__init__(code)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Actor:
    """Who acts: role, own provider (staff) and region scope (regulators)."""

    role: str
    provider_id: int | None = None
    scope: str | None = None


@dataclass(frozen=True)
class Owner:
    """Whose object it is: the provider, its city and its status."""

    provider_id: int
    city_code: str
    provider_status: str = "active"


STAFF, REGULATOR = "provider_staff", "regulator"

# (from status, action) -> (to status, role allowed to act)
COURSE_TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("draft", "submit"): ("submitted", STAFF),
    ("rejected", "submit"): ("submitted", STAFF),
    ("submitted", "withdraw"): ("draft", STAFF),
    ("approved", "revise"): ("draft", STAFF),
    ("submitted", "approve"): ("approved", REGULATOR),
    ("submitted", "reject"): ("rejected", REGULATOR),
}
CLASS_TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("submitted", "approve"): ("approved", REGULATOR),
    ("submitted", "reject"): ("rejected", REGULATOR),
    ("approved", "close"): ("closed", STAFF),
}
# Actions a suspended or blacklisted provider may not take (or have taken for it).
NEEDS_ACTIVE_PROVIDER = frozenset({"submit", "approve", "open"})
# Actions that need a comment.
NEEDS_COMMENT = frozenset({"reject"})


def may_act(actor: Actor, owner: Owner, role: str) -> bool:
    """Staff act for their own provider; regulators for providers in their scope."""
    if actor.role != role:
        return False
    if role == STAFF:
        return actor.provider_id == owner.provider_id
    return bool(actor.scope) and scope_covers(actor.scope, owner.city_code)


def _transition(
    table: dict, status: str, action: str, actor: Actor, owner: Owner, comment: str
) -> str:
    allowed_roles = {role for (_s, a), (_t, role) in table.items() if a == action}
    if not allowed_roles:
        raise RuleError("action_unknown", 400)
    if not any(may_act(actor, owner, role) for role in allowed_roles):
        raise RuleError("forbidden", 403)
    step = table.get((status, action))
    if step is None:
        raise RuleError("transition_invalid", 409)
    if action in NEEDS_ACTIVE_PROVIDER and owner.provider_status != "active":
        raise RuleError("provider_suspended", 403)
    if action in NEEDS_COMMENT and not comment.strip():
        raise RuleError("comment_required", 422)
    return step[0]


def course_transition(status: str, action: str, actor: Actor, owner: Owner, comment="") -> str:
    """The course's next status, or :class:`RuleError` (forbidden, invalid, suspended...)."""
    return _transition(COURSE_TRANSITIONS, status, action, actor, owner, comment)


def class_transition(
    status: str,
    action: str,
    actor: Actor,
    owner: Owner,
    start: date,
    today: date,
    comment="",
    end: date | None = None,
) -> str:
    """The class's next status; approval (开班备案) must come on or before the start date,
    closing (结业) on or after the end date (``end``)."""
    to = _transition(CLASS_TRANSITIONS, status, action, actor, owner, comment)
    if action == "approve" and today > start:
        raise RuleError("class_started", 409)
    if action == "close" and (end is None or today < end):
        raise RuleError("class_not_ended", 409)
    return to


def edit_effect(status: str) -> str | None:
    """Editing a course: None (edit in place), 'revise' (approved → draft) or RuleError."""
    if status == CourseStatus.SUBMITTED:
        raise RuleError("course_locked", 409)
    return "revise" if status == CourseStatus.APPROVED else None


def provider_status_change(actor: Actor, owner: Owner, current: str, new: str, reason: str) -> None:
    """A regulator in scope sets a provider's status, with a reason; RuleError otherwise."""
    if not may_act(actor, owner, REGULATOR):
        raise RuleError("forbidden", 403)
    if new not in PROVIDER_STATUSES:
        raise RuleError("status_invalid", 422)
    if new == current:
        raise RuleError("status_unchanged", 409)
    if not reason.strip():
        raise RuleError("reason_required", 422)


# -- hours, dates, openness ---------------------------------------------------------------


def parse_hours(raw: str | float | Decimal) -> int:
    """学时 as tenths (``"1.5"`` → 15); RuleError ``hours_invalid`` unless 0.1 ≤ h ≤ 999.9."""
    try:
        value = Decimal(str(raw).strip())
    except ArithmeticError:
        raise RuleError("hours_invalid", 422) from None
    if not value.is_finite():
        raise RuleError("hours_invalid", 422)
    tenths = value * 10
    if tenths != tenths.to_integral_value() or not 1 <= tenths <= 9999:
        raise RuleError("hours_invalid", 422)
    return int(tenths)


def required_seconds(hours_tenths: int, minutes_per_unit: int) -> float:
    """Seconds of video a course of ``hours_tenths``/10 学时 needs."""
    return hours_tenths * minutes_per_unit * 60 / 10


def hours_covered(hours_tenths: int, minutes_per_unit: int, durations: list[float]) -> bool:
    """Whether the lessons' total duration covers the course's required hours."""
    return bool(durations) and sum(durations) + 1e-6 >= required_seconds(
        hours_tenths, minutes_per_unit
    )


def watched_percent(covered_s: float, duration_s: float | None, completed: bool) -> int:
    """The share of a lesson shown as "watched": its attested coverage in whole percent,
    rounded down, 100 only once the lesson is complete (never more than was credited)."""
    if completed:
        return 100
    if not duration_s or duration_s <= 0:
        return 0
    return max(0, min(99, math.floor(round(covered_s / duration_s * 100, 6))))


def check_class_dates(start: date, end: date, capacity: int, today: date) -> None:
    """A new class starts today or later, ends on or after its start, and seats 1–10,000."""
    if start < today:
        raise RuleError("start_in_past", 422)
    if end < start:
        raise RuleError("end_before_start", 422)
    if not 1 <= capacity <= 10_000:
        raise RuleError("capacity_invalid", 422)


def class_open(status: str, start: date, end: date, today: date) -> bool:
    """A class is open for study when approved and ``start ≤ today ≤ end``."""
    return status == ClassStatus.APPROVED and start <= today <= end


def study_refusal(
    *,
    member: bool,
    class_status: str,
    start: date,
    end: date,
    today: date,
    course_status: str,
    provider_status: str,
) -> str | None:
    """Why a learner may not study in a class today (an error code), or None."""
    if not member:
        return "not_in_class"
    if provider_status != "active":
        return "provider_suspended"
    if course_status != CourseStatus.APPROVED:
        return "course_not_approved"
    if not class_open(class_status, start, end, today):
        return "class_not_open"
    return None


def join_refusal(
    *, class_status: str, end: date, today: date, seats_taken: int, capacity: int, provider: str
) -> str | None:
    """Why nobody may join a class now (an error code), or None."""
    if provider != "active":
        return "provider_suspended"
    if class_status in (ClassStatus.REJECTED, ClassStatus.CLOSED) or today > end:
        return "class_closed"
    if seats_taken >= capacity:
        return "class_full"
    return None


# -- quiz and codes -----------------------------------------------------------------------


@dataclass(frozen=True)
class QuizResult:
    correct: int
    total: int
    passed: bool


def grade_quiz(answer_key: list[int], given: list[int | None], pass_ratio: float) -> QuizResult:
    """Count right answers; passed when ``correct / total ≥ pass_ratio``."""
    if len(given) != len(answer_key) or any(answer is None for answer in given):
        raise RuleError("quiz_answers_invalid", 422)
    correct = sum(1 for key, answer in zip(answer_key, given, strict=True) if key == answer)
    total = len(answer_key)
    return QuizResult(correct, total, total > 0 and correct >= pass_ratio * total - 1e-9)


CLASS_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CLASS_CODE_LENGTH = 8


def new_class_code() -> str:
    """A random 8-character class code (about 2^39 possibilities)."""
    return "".join(secrets.choice(CLASS_CODE_ALPHABET) for _ in range(CLASS_CODE_LENGTH))


def normalize_class_code(raw: str) -> str:
    """Upper-case, without spaces or dashes (codes are read aloud and typed by hand)."""
    return "".join(ch for ch in (raw or "").upper() if ch not in " -")
