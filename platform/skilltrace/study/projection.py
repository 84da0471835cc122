"""The stored ledger as a projection of the trace.

:func:`baseline` loads what the crediting fold needs from the database (today's credited
seconds for the daily cap, the lesson's coverage); :func:`ledger_delta` compares two ledgers
and says what the step between them credited; :func:`apply_delta` writes that to the ledger
tables *and* the trace in the caller's transaction. :func:`replay_trace` rebuilds the same
tables from the trace alone (``flask study recompute``), crediting overturned checks and attested
attendance on the way (see :mod:`skilltrace.study.amends`);
:func:`skilltrace.study.rebuild.rebuild_ledger` rewrites a learner's tables from that replay.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from skilltrace.study.amends import (
    ATTENDANCE_ATTESTED,
    CHECK_FAILED,
    CHECK_MISSED,
    CHECK_OVERTURNED,
    CHECK_PASSED,
    VOIDED_SEGMENTS,
    VOIDING_REASONS,
    AmendTracker,
    attendance_segment,
    credit_segments,
)
from skilltrace.study.crediting import (
    CreditingRules,
    local_day,
)
from skilltrace.study.intervals import Interval, add_interval, covered_seconds
from skilltrace.study.ledger import Ledger, LessonInfo, VoidedStretch
from skilltrace.study.models import CreditedTime, LessonProgress
from skilltrace.traces.services import TraceLog

STRETCH_CREDITED = "stretch_credited"
LESSON_COMPLETED = "lesson_completed"


@dataclass
class LedgerDelta:
    """What one step credited: seconds per day, capped seconds, new coverage, completion."""

    lesson_id: int
    credited: dict[str, float] = field(default_factory=dict)
    capped: dict[str, float] = field(default_factory=dict)
    intervals: list[Interval] = field(default_factory=list)
    completed: bool = False
    voided: list[VoidedStretch] = field(default_factory=list)  # new voided segments only

    @property
    def credits(self) -> bool:
        return bool(self.credited or self.capped or self.intervals or self.completed)

    @property
    def empty(self) -> bool:
        return not (self.credits or self.voided)

    @property
    def seconds(self) -> float:
        return sum(self.credited.values())


def baseline(
    session: Session,
    learner_id: int,
    lesson_id: int,
    info: LessonInfo,
    now: float,
    rules: CreditingRules,
) -> Ledger:
    """The part of the stored ledger a study session's fold needs."""
    days = {local_day(now + offset, rules) for offset in (-86400, 0, 86400)}
    by_day: dict[str, float] = {}
    credited: dict[tuple[int, str], float] = {}
    for row in session.scalars(
        select(CreditedTime).where(
            CreditedTime.learner_id == learner_id, CreditedTime.day.in_(days)
        )
    ):
        by_day[row.day] = by_day.get(row.day, 0.0) + row.seconds
        if row.lesson_id == lesson_id:
            credited[(lesson_id, row.day)] = row.seconds
    progress = session.get(LessonProgress, (learner_id, lesson_id))
    coverage = {}
    completed = {}
    if progress is not None:
        coverage[lesson_id] = tuple(tuple(i) for i in json.loads(progress.intervals_json))
        if progress.completed_at is not None:
            completed[lesson_id] = progress.completed_at.timestamp()
    return Ledger(
        credited=credited,
        credited_by_day=by_day,
        coverage=coverage,
        lessons={lesson_id: info},
        completed=completed,
    )


def _interval_difference(after: Iterable[Interval], before: Iterable[Interval]) -> list[Interval]:
    """Parts of the merged intervals ``after`` not covered by the merged ``before``."""
    result: list[Interval] = []
    before = list(before)
    for lo, hi in after:
        cursor = lo
        for b_lo, b_hi in before:
            if b_hi <= cursor or b_lo >= hi:
                continue
            if b_lo > cursor:
                result.append((cursor, b_lo))
            cursor = max(cursor, b_hi)
        if cursor < hi:
            result.append((cursor, hi))
    return result


def ledger_delta(before: Ledger, after: Ledger, lesson_id: int) -> LedgerDelta:
    delta = LedgerDelta(lesson_id)
    for (lesson, day), seconds in after.credited.items():
        gained = seconds - before.credited.get((lesson, day), 0.0)
        if lesson == lesson_id and gained > 0:
            delta.credited[day] = gained
    for day, seconds in after.capped_by_day.items():
        gained = seconds - before.capped_by_day.get(day, 0.0)
        if gained > 0:
            delta.capped[day] = gained
    delta.intervals = _interval_difference(
        after.coverage.get(lesson_id, ()), before.coverage.get(lesson_id, ())
    )
    delta.completed = lesson_id in after.completed and lesson_id not in before.completed
    delta.voided = _new_void_segments(before.voided, after.voided)
    return delta


def _new_void_segments(
    before: tuple[VoidedStretch, ...], after: tuple[VoidedStretch, ...]
) -> list[VoidedStretch]:
    """Stretches voided by a check since ``before``, each with only its new segments."""
    found = []
    for index, voided in enumerate(after):
        if voided.reason not in VOIDING_REASONS:
            continue
        known = before[index].segments if index < len(before) else None
        if known is None:
            found.append(voided)
        elif len(voided.segments) > len(known):
            found.append(replace(voided, segments=voided.segments[len(known) :]))
    return found


def apply_delta(
    session: Session,
    trace: TraceLog,
    learner_id: int,
    session_id: int,
    course_id: int,
    duration_s: float,
    delta: LedgerDelta,
    at: datetime,
) -> None:
    """Write a step's credit to the ledger tables and the trace (same transaction)."""
    for voided in delta.voided:
        trace.append(
            learner_id,
            VOIDED_SEGMENTS,
            {
                "lesson_id": voided.lesson_id,
                "course_id": course_id,
                "duration_s": duration_s,
                "reason": voided.reason,
                "opened_at": voided.opened_at,
                "closed_at": voided.closed_at,
                "segments": [[s.start, s.end, s.video_from, s.video_to] for s in voided.segments],
            },
            session_id=session_id,
            at=at,
        )
    if not delta.credits:
        return
    trace.append(
        learner_id,
        STRETCH_CREDITED,
        {
            "lesson_id": delta.lesson_id,
            "course_id": course_id,
            "duration_s": duration_s,
            "credited": delta.credited,
            "capped": delta.capped,
            "intervals": [list(i) for i in delta.intervals],
        },
        session_id=session_id,
        at=at,
    )
    for day in sorted(set(delta.credited) | set(delta.capped)):
        row = session.scalar(
            select(CreditedTime)
            .where(
                CreditedTime.learner_id == learner_id,
                CreditedTime.lesson_id == delta.lesson_id,
                CreditedTime.day == day,
            )
            .with_for_update()
        )
        if row is None:
            row = CreditedTime(
                learner_id=learner_id,
                lesson_id=delta.lesson_id,
                course_id=course_id,
                day=day,
                seconds=0.0,
                capped_seconds=0.0,
            )
            session.add(row)
        row.seconds += delta.credited.get(day, 0.0)
        row.capped_seconds += delta.capped.get(day, 0.0)
    progress = session.get(LessonProgress, (learner_id, delta.lesson_id), with_for_update=True)
    if progress is None:
        progress = LessonProgress(
            learner_id=learner_id,
            lesson_id=delta.lesson_id,
            course_id=course_id,
            duration_s=duration_s,
            intervals_json="[]",
            covered_seconds=0.0,
        )
        session.add(progress)
    merged: tuple[Interval, ...] = tuple(tuple(i) for i in json.loads(progress.intervals_json))
    for interval in delta.intervals:
        merged = add_interval(merged, interval)
    progress.intervals_json = json.dumps([list(i) for i in merged])
    progress.covered_seconds = covered_seconds(merged, duration_s)
    if delta.completed and progress.completed_at is None:
        progress.completed_at = at
        trace.append(
            learner_id,
            LESSON_COMPLETED,
            {"lesson_id": delta.lesson_id, "covered_seconds": progress.covered_seconds},
            session_id=session_id,
            at=at,
        )


# -- recompute from the trace ----------------------------------------------------------------


@dataclass
class ProjectedLedger:
    """The ledger tables' content, as plain data (from the DB or from the trace).

    ``lessons`` (course id and duration per lesson, as the trace tells them) is what a rebuild
    needs to write rows; it is not compared."""

    credited: dict[tuple[int, str], float] = field(default_factory=dict)
    capped: dict[tuple[int, str], float] = field(default_factory=dict)
    coverage: dict[int, tuple[Interval, ...]] = field(default_factory=dict)
    completed: dict[int, str] = field(default_factory=dict)
    lessons: dict[int, LessonInfo] = field(default_factory=dict)

    def differences(self, other: ProjectedLedger, tolerance: float = 1e-6) -> list[str]:
        """Human-readable differences with ``other`` (empty when equal)."""
        found = []
        for name in ("credited", "capped"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for key in sorted(set(mine) | set(theirs), key=str):
                if not math.isclose(mine.get(key, 0.0), theirs.get(key, 0.0), abs_tol=tolerance):
                    found.append(f"{name} {key}: {mine.get(key, 0.0)} != {theirs.get(key, 0.0)}")
        for lesson in sorted(set(self.coverage) | set(other.coverage)):
            a, b = self.coverage.get(lesson, ()), other.coverage.get(lesson, ())
            if len(a) != len(b) or any(
                not (
                    math.isclose(x[0], y[0], abs_tol=tolerance)
                    and math.isclose(x[1], y[1], abs_tol=tolerance)
                )
                for x, y in zip(a, b, strict=True)
            ):
                found.append(f"coverage of lesson {lesson}: {list(a)} != {list(b)}")
        if self.completed != other.completed:
            found.append(f"completed lessons: {self.completed} != {other.completed}")
        return found

    def as_ledger(self) -> Ledger:
        """The fold's view of these totals (enough to credit more under the daily cap)."""
        by_day: dict[str, float] = {}
        capped_by_day: dict[str, float] = {}
        for (_lesson, day), seconds in self.credited.items():
            by_day[day] = by_day.get(day, 0.0) + seconds
        for (_lesson, day), seconds in self.capped.items():
            capped_by_day[day] = capped_by_day.get(day, 0.0) + seconds
        return Ledger(
            credited=dict(self.credited),
            credited_by_day=by_day,
            capped_by_day=capped_by_day,
            coverage=dict(self.coverage),
            lessons=dict(self.lessons),
            completed={lesson: 0.0 for lesson in self.completed},
        )

    def absorb(self, before: Ledger, after: Ledger, lesson_id: int, at: str) -> None:
        """Take what crediting ``lesson_id`` added between ``before`` and ``after``."""
        self.credited.update({k: v for k, v in after.credited.items() if v})
        for day, seconds in after.capped_by_day.items():
            gained = seconds - before.capped_by_day.get(day, 0.0)
            if gained > 0:
                key = (lesson_id, day)
                self.capped[key] = self.capped.get(key, 0.0) + gained
        if after.coverage.get(lesson_id):
            self.coverage[lesson_id] = after.coverage[lesson_id]
        if lesson_id in after.completed:
            self.completed.setdefault(lesson_id, at)


def replay_trace(
    events: Iterable[Mapping[str, Any]], rules: CreditingRules | None = None
) -> ProjectedLedger:
    """The ledger tables rebuilt from a learner's trace events alone (overturned checks and
    attested attendance credited under ``rules``' daily cap; default rules if None)."""
    rules = rules or CreditingRules()
    ledger = ProjectedLedger()
    amends = AmendTracker()
    for event in events:
        data, kind = event["data"], event["kind"]
        if kind == STRETCH_CREDITED:
            lesson = data["lesson_id"]
            if "duration_s" in data:
                ledger.lessons[lesson] = LessonInfo(data.get("course_id"), data["duration_s"])
            for day, seconds in data["credited"].items():
                ledger.credited[(lesson, day)] = ledger.credited.get((lesson, day), 0.0) + seconds
            for day, seconds in data["capped"].items():
                ledger.capped[(lesson, day)] = ledger.capped.get((lesson, day), 0.0) + seconds
            merged = ledger.coverage.get(lesson, ())
            for lo, hi in data["intervals"]:
                merged = add_interval(merged, (lo, hi))
            ledger.coverage[lesson] = merged
        elif kind == LESSON_COMPLETED:
            ledger.completed.setdefault(data["lesson_id"], event["at"])
        elif kind in (CHECK_FAILED, CHECK_MISSED, CHECK_PASSED):
            amends.see_check(event)
        elif kind == VOIDED_SEGMENTS:
            amends.see_voided(event)
        elif kind == CHECK_OVERTURNED:
            record = amends.overturn(data.get("check_id"))
            if record is not None:
                info = LessonInfo(record.course_id, record.duration_s)
                _credit(ledger, record.lesson_id, info, record.segments, event, rules)
        elif kind == ATTENDANCE_ATTESTED:
            info = LessonInfo(data.get("course_id"), float(data["duration_s"]))
            segment = attendance_segment(data, rules)
            _credit(ledger, data["lesson_id"], info, [segment], event, rules)
    return ledger


def _credit(ledger: ProjectedLedger, lesson_id, info, segments, event, rules) -> None:
    ledger.lessons.setdefault(lesson_id, info)
    before = ledger.as_ledger()
    at = event_seconds(event["at"])
    after = credit_segments(before, lesson_id, ledger.lessons[lesson_id], segments, at, rules)
    ledger.absorb(before, after, lesson_id, event["at"])


def event_seconds(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def stored_ledger(session: Session, learner_id: int) -> ProjectedLedger:
    """The ledger tables of one learner, as plain data."""
    ledger = ProjectedLedger()
    for row in session.scalars(select(CreditedTime).where(CreditedTime.learner_id == learner_id)):
        if row.seconds:
            ledger.credited[(row.lesson_id, row.day)] = row.seconds
        if row.capped_seconds:
            ledger.capped[(row.lesson_id, row.day)] = row.capped_seconds
    for row in session.scalars(
        select(LessonProgress).where(LessonProgress.learner_id == learner_id)
    ):
        intervals = tuple(tuple(i) for i in json.loads(row.intervals_json))
        if intervals:
            ledger.coverage[row.lesson_id] = intervals
        if row.completed_at is not None:
            ledger.completed[row.lesson_id] = _iso(row.completed_at)
    return ledger


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
