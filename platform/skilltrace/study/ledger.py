"""A learner's attested ledger and the pure functions that credit attested viewing into it.

A :class:`Ledger` is immutable: every function returns a new one (its mappings are never
mutated in place, so older ledgers stay valid). It holds, per learner:

* credited seconds per (lesson, local day), after the daily cap;
* the union of credited video intervals per lesson (coverage) and the lessons completed;
* the voided stretches, seconds refused by the daily cap, and anomaly counts.

Decision: coverage only grows from seconds actually credited, so viewing refused by the daily
cap neither counts as time nor completes a lesson.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import astuple, dataclass, field, replace
from typing import Any

from skilltrace.study.crediting import (
    ClosedStretch,
    CreditingRules,
    Segment,
    apply_daily_cap,
    attested_units,
    is_complete,
    split_at_midnights,
)
from skilltrace.study.intervals import Interval, add_interval, covered_seconds

LessonId = Hashable


class VoidReason:
    """Why a stretch was not credited."""

    CHECK_FAILED = "check_failed"
    CHECK_MISSED = "check_missed"
    UNATTESTED_END = "unattested_end"  # the session ended (or was replaced) with no closing check


@dataclass(frozen=True)
class LessonInfo:
    """What the ledger needs to know of a lesson: its course and its video's duration."""

    course_id: Any
    duration_s: float


@dataclass(frozen=True)
class VoidedStretch:
    """A stretch of viewing that was not credited, and why.

    ``segments`` keep what was watched, so that a check a reviewer later overturns can
    credit the stretch (see :mod:`skilltrace.study.projection`)."""

    session_id: Any
    lesson_id: Any
    opened_at: float
    closed_at: float
    reason: str
    seconds: float
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class CreditOutcome:
    """What one crediting call did: seconds credited and capped, lessons newly completed."""

    credited_s: float = 0.0
    capped_s: float = 0.0
    completed: tuple[Any, ...] = ()

    def __add__(self, other: CreditOutcome) -> CreditOutcome:
        return CreditOutcome(
            self.credited_s + other.credited_s,
            self.capped_s + other.capped_s,
            self.completed + other.completed,
        )


@dataclass(frozen=True)
class Ledger:
    """A learner's attested totals (see the module docstring)."""

    credited: Mapping[tuple[LessonId, str], float] = field(default_factory=dict)
    credited_by_day: Mapping[str, float] = field(default_factory=dict)
    capped_by_day: Mapping[str, float] = field(default_factory=dict)
    coverage: Mapping[LessonId, tuple[Interval, ...]] = field(default_factory=dict)
    lessons: Mapping[LessonId, LessonInfo] = field(default_factory=dict)
    completed: Mapping[LessonId, float] = field(default_factory=dict)
    voided: tuple[VoidedStretch, ...] = ()
    anomalies: Mapping[str, int] = field(default_factory=dict)

    # -- queries ------------------------------------------------------------------------------

    @property
    def total_seconds(self) -> float:
        return sum(self.credited_by_day.values())

    def lesson_seconds(self, lesson_id: LessonId) -> float:
        return sum(s for (lesson, _day), s in self.credited.items() if lesson == lesson_id)

    def course_seconds(self, course_id: Any) -> float:
        courses = {k for k, info in self.lessons.items() if info.course_id == course_id}
        return sum(s for (lesson, _day), s in self.credited.items() if lesson in courses)

    def course_units(self, course_id: Any, rules: CreditingRules) -> float:
        """Attested 学时 of a course (unrounded)."""
        return attested_units(self.course_seconds(course_id), rules)

    def day_seconds(self, day: str) -> float:
        return self.credited_by_day.get(day, 0.0)

    def covered_seconds(self, lesson_id: LessonId) -> float:
        info = self.lessons.get(lesson_id)
        duration = info.duration_s if info else None
        return covered_seconds(self.coverage.get(lesson_id, ()), duration)

    def furthest_position(self, lesson_id: LessonId) -> float:
        intervals = self.coverage.get(lesson_id, ())
        return intervals[-1][1] if intervals else 0.0

    @property
    def voided_seconds(self) -> float:
        return sum(v.seconds for v in self.voided)

    # -- serialisation (JSON-friendly: no non-string keys) ------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "credited": [[lesson, day, s] for (lesson, day), s in self.credited.items()],
            "credited_by_day": dict(self.credited_by_day),
            "capped_by_day": dict(self.capped_by_day),
            "coverage": [[k, [list(i) for i in v]] for k, v in self.coverage.items()],
            "lessons": [[k, info.course_id, info.duration_s] for k, info in self.lessons.items()],
            "completed": [[k, at] for k, at in self.completed.items()],
            "voided": [list(astuple(v)) for v in self.voided],  # segments: nested lists
            "anomalies": dict(self.anomalies),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ledger:
        return cls(
            credited={(lesson, day): s for lesson, day, s in data["credited"]},
            credited_by_day=dict(data["credited_by_day"]),
            capped_by_day=dict(data["capped_by_day"]),
            coverage={k: tuple((lo, hi) for lo, hi in v) for k, v in data["coverage"]},
            lessons={k: LessonInfo(course, d) for k, course, d in data["lessons"]},
            completed={k: at for k, at in data["completed"]},
            voided=tuple(_voided_from_list(v) for v in data["voided"]),
            anomalies=dict(data["anomalies"]),
        )


def _voided_from_list(values: list) -> VoidedStretch:
    segments = tuple(Segment(*s) for s in values[6]) if len(values) > 6 else ()
    return VoidedStretch(*values[:6], segments=segments)


def _plus(mapping: Mapping[Any, float], key: Any, amount: float) -> dict[Any, float]:
    updated = dict(mapping)
    updated[key] = updated.get(key, 0) + amount
    return updated


def register_lesson(ledger: Ledger, lesson_id: LessonId, info: LessonInfo) -> Ledger:
    """The ledger knowing ``lesson_id``'s course and duration (the latest registration wins)."""
    if ledger.lessons.get(lesson_id) == info:
        return ledger
    return replace(ledger, lessons={**ledger.lessons, lesson_id: info})


def credit_segment(
    ledger: Ledger, lesson_id: LessonId, segment: Segment, at: float, rules: CreditingRules
) -> tuple[Ledger, CreditOutcome]:
    """Credit one attested segment of ``lesson_id``, as decided at time ``at``.

    The segment is cut at local midnights; on each day only what fits under the daily cap is
    credited (the earliest part), and only that part's video interval (clipped to the lesson's
    duration) joins the coverage. The lesson completes (at ``at``) once its coverage reaches
    completion_ratio of its duration.
    """
    outcome = CreditOutcome()
    info = ledger.lessons.get(lesson_id)
    upper = info.duration_s if info is not None else math.inf
    for day, piece in split_at_midnights(segment, rules):
        credited, capped = apply_daily_cap(
            ledger.credited_by_day.get(day, 0.0), piece.seconds, rules
        )
        changes: dict[str, Any] = {}
        if capped > 0:
            changes["capped_by_day"] = _plus(ledger.capped_by_day, day, capped)
        if credited > 0:
            part = piece.clip(piece.start, piece.start + credited) or piece
            changes["credited"] = _plus(ledger.credited, (lesson_id, day), credited)
            changes["credited_by_day"] = _plus(ledger.credited_by_day, day, credited)
            lo, hi = max(0.0, part.video_from), min(upper, part.video_to)
            if hi > lo:
                coverage = add_interval(ledger.coverage.get(lesson_id, ()), (lo, hi))
                changes["coverage"] = {**ledger.coverage, lesson_id: coverage}
        ledger = replace(ledger, **changes)
        outcome += CreditOutcome(credited, capped)
    if (
        info is not None
        and lesson_id not in ledger.completed
        and is_complete(ledger.coverage.get(lesson_id, ()), info.duration_s, rules)
    ):
        ledger = replace(ledger, completed={**ledger.completed, lesson_id: at})
        outcome += CreditOutcome(completed=(lesson_id,))
    return ledger, outcome


def credit_stretch(
    ledger: Ledger, lesson_id: LessonId, stretch: ClosedStretch, rules: CreditingRules
) -> tuple[Ledger, CreditOutcome]:
    """Credit every segment of a stretch closed by a passed check, in order."""
    if not stretch.credited:
        raise ValueError("only a stretch closed by a passed check is credited")
    outcome = CreditOutcome()
    for segment in stretch.segments:
        ledger, step = credit_segment(ledger, lesson_id, segment, stretch.closed_at, rules)
        outcome += step
    return ledger, outcome


def record_void(ledger: Ledger, voided: VoidedStretch) -> tuple[Ledger, int]:
    """The ledger with ``voided`` appended, and its index (for :func:`add_void_seconds`)."""
    return replace(ledger, voided=(*ledger.voided, voided)), len(ledger.voided)


def add_void_seconds(
    ledger: Ledger, index: int, seconds: float, segment: Segment | None = None
) -> Ledger:
    """Add late-known seconds (the tail before the voiding check, ``segment``) to voided
    stretch ``index``."""
    voided = list(ledger.voided)
    old = voided[index]
    segments = old.segments if segment is None else (*old.segments, segment)
    voided[index] = replace(old, seconds=old.seconds + seconds, segments=segments)
    return replace(ledger, voided=tuple(voided))


def count_anomaly(ledger: Ledger, code: str) -> Ledger:
    return replace(ledger, anomalies=_plus(ledger.anomalies, code, 1))
