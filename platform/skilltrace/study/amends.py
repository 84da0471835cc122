"""Credit that reaches the ledger after the fact: overturned checks and attested attendance.

Both are pure steps of the trace replay (:func:`skilltrace.study.projection.replay_trace`):

* ``voided_segments`` events (written with every stretch a failed or missed check voided,
  and again for the tail known only at the next heartbeat) keep what was watched. The replay
  links each voided stretch to the final ``check_failed`` / ``check_missed`` event that
  preceded it in the same session.
* ``check_overturned`` ``{"check_id", "appeal_id"}`` credits the stretch that check voided,
  under the daily cap as it stands at that point of the trace, once (a second overturn of the
  same check credits nothing).
* ``attendance_attested`` ``{"lesson_id", "course_id", "duration_s", "date", "minutes", ...}``
  credits ``minutes`` of in-person study on ``date`` (from 08:00 local time, video coverage from
  the lesson's start), under the same daily cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from skilltrace.study.crediting import CreditingRules, Segment, local_zone
from skilltrace.study.ledger import Ledger, LessonInfo, credit_segment

VOIDED_SEGMENTS = "voided_segments"
CHECK_OVERTURNED = "check_overturned"
ATTENDANCE_ATTESTED = "attendance_attested"
CHECK_FAILED = "check_failed"
CHECK_MISSED = "check_missed"
CHECK_PASSED = "check_passed"
VOIDING_REASONS = (CHECK_FAILED, CHECK_MISSED)
ATTENDANCE_START_HOUR = 8
"""Attested in-person minutes are placed from 08:00 local time on their date."""


@dataclass
class VoidRecord:
    """A stretch a check voided, as the trace tells it."""

    lesson_id: int
    course_id: Any
    duration_s: float
    segments: list[Segment] = field(default_factory=list)
    check_id: int | None = None


@dataclass
class AmendTracker:
    """What the replay remembers to credit overturns: voided stretches by check."""

    last_check: dict[Any, int | None] = field(default_factory=dict)  # session -> final check
    voids: dict[tuple[Any, float], VoidRecord] = field(default_factory=dict)
    by_check: dict[int, VoidRecord] = field(default_factory=dict)
    overturned: set[int] = field(default_factory=set)

    def see_check(self, event: Mapping[str, Any]) -> None:
        """Remember the final failed/missed check of a session (a passed one forgets it)."""
        data, session = event.get("data") or {}, event.get("session_id")
        if event["kind"] == CHECK_PASSED:
            self.last_check[session] = None
        elif event["kind"] == CHECK_MISSED or data.get("final", True):
            self.last_check[session] = data.get("check_id")

    def see_voided(self, event: Mapping[str, Any]) -> None:
        """A voided stretch (or its tail): linked to the session's last final check."""
        data, session = event["data"], event.get("session_id")
        key = (session, float(data["closed_at"]))
        record = self.voids.get(key)
        if record is None:
            record = VoidRecord(
                data["lesson_id"], data.get("course_id"), float(data.get("duration_s") or 0)
            )
            self.voids[key] = record
            check_id = self.last_check.get(session)
            if check_id is not None and check_id not in self.by_check:
                record.check_id = check_id
                self.by_check[check_id] = record
                self.last_check[session] = None
        record.segments.extend(Segment(*s) for s in data.get("segments", ()))

    def overturn(self, check_id: Any) -> VoidRecord | None:
        """The voided stretch to credit for an overturn of ``check_id`` (None: nothing, or
        already credited)."""
        if check_id in self.overturned:
            return None
        self.overturned.add(check_id)
        return self.by_check.get(check_id)


def attendance_segment(data: Mapping[str, Any], rules: CreditingRules) -> Segment:
    """The wall time and video an attendance record stands for."""
    day = date.fromisoformat(str(data["date"]))
    zone = local_zone(rules.timezone)
    start = datetime(day.year, day.month, day.day, ATTENDANCE_START_HOUR, tzinfo=zone).timestamp()
    seconds = max(0.0, float(data["minutes"]) * 60)
    duration = float(data.get("duration_s") or seconds)
    return Segment(start, start + seconds, 0.0, min(seconds, duration))


def credit_segments(
    ledger: Ledger,
    lesson_id: Any,
    info: LessonInfo,
    segments: list[Segment],
    at: float,
    rules: CreditingRules,
) -> Ledger:
    """``ledger`` with ``segments`` of ``lesson_id`` credited (cap and completion applied)."""
    if lesson_id not in ledger.lessons:
        ledger = Ledger(
            credited=ledger.credited,
            credited_by_day=ledger.credited_by_day,
            capped_by_day=ledger.capped_by_day,
            coverage=ledger.coverage,
            lessons={**ledger.lessons, lesson_id: info},
            completed=ledger.completed,
        )
    for segment in sorted(segments, key=lambda s: s.start):
        ledger, _outcome = credit_segment(ledger, lesson_id, segment, at, rules)
    return ledger
