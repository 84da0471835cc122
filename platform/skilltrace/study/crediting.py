"""Pure rules of supervised study: which wall time between heartbeats is credited.

No Flask, no database: plain frozen dataclasses and functions over them. Times (``at``) are the
server's receive times in POSIX seconds; positions are seconds into the lesson video.

The pieces, from the smallest up:

* :func:`evaluate_pair` judges two consecutive heartbeats: either the wall time between them is
  a credited :class:`Segment` candidate, or the pair yields an anomaly code (see :class:`Anomaly`).
* An :class:`OpenStretch` accumulates segments between two face checks; :func:`close_stretch`
  closes it as credited (the closing check passed) or voided (failed/missed/no closing check).
* :mod:`skilltrace.study.intervals` makes lesson coverage a union, so replaying a part never
  counts twice; :func:`is_complete` tells when it completes a lesson.
* :func:`apply_daily_cap`, :func:`split_at_midnights` and :func:`attested_units` turn credited
  seconds into 学时 under the per-day cap.

:mod:`skilltrace.study.ledger` applies closed stretches to a learner's ledger and
:mod:`skilltrace.study.replay` folds a whole event list through all of this.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skilltrace.study.intervals import Interval, covered_seconds

EPS = 1e-6
"""Slack for float comparisons of times (a gap of exactly 2 x heartbeat is still on time)."""


class Anomaly:
    """Stable codes of an uncredited heartbeat pair (the service writes them as trace events)."""

    OUT_OF_ORDER = "out_of_order"  # the second heartbeat is not later than the first
    GAP_TOO_LONG = "gap_too_long"  # more than 2 x heartbeat_s between them: idle or offline
    NOT_PLAYING = "not_playing"  # paused at either end (or a rate <= 0)
    RATE_TOO_HIGH = "rate_too_high"  # playback rate above max_rate at either end
    HIDDEN = "hidden"  # page not visible at either end
    SEEK_BACKWARD = "seek_backward"  # position went back by more than the tolerance
    SEEK_FORWARD = "seek_forward"  # ahead of real time, landing beyond the furthest credited
    POSITION_INCONSISTENT = "position_inconsistent"  # ahead of real time, inside credited part
    POSITION_STALLED = "position_stalled"  # "playing" but the position lagged wall time
    SUSPENDED = "suspended"  # a valid pair while no stretch is open (after a failed check)

    ALL = (
        OUT_OF_ORDER,
        GAP_TOO_LONG,
        NOT_PLAYING,
        RATE_TOO_HIGH,
        HIDDEN,
        SEEK_BACKWARD,
        SEEK_FORWARD,
        POSITION_INCONSISTENT,
        POSITION_STALLED,
        SUSPENDED,
    )


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class CreditingRules:
    """The settings of crediting (defaults match ``skilltrace.config``)."""

    heartbeat_s: float = 15.0
    position_tolerance_s: float = 3.0
    max_rate: float = 1.0
    completion_ratio: float = 0.95
    minutes_per_hour_unit: float = 45
    daily_cap_units: float = 8
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        for name in ("heartbeat_s", "max_rate", "minutes_per_hour_unit"):
            if _finite(name, getattr(self, name)) <= 0:
                raise ValueError(f"{name} must be > 0")
        if _finite("position_tolerance_s", self.position_tolerance_s) < 0:
            raise ValueError("position_tolerance_s must be >= 0")
        if not 0 < _finite("completion_ratio", self.completion_ratio) <= 1:
            raise ValueError("completion_ratio must be in (0, 1]")
        if _finite("daily_cap_units", self.daily_cap_units) < 0:
            raise ValueError("daily_cap_units must be >= 0")
        local_zone(self.timezone)  # fail early on an unknown zone

    @property
    def max_gap_s(self) -> float:
        """Longest credited gap between two heartbeats: 2 x heartbeat_s."""
        return 2 * self.heartbeat_s

    @property
    def seconds_per_unit(self) -> float:
        """Seconds in one 学时."""
        return self.minutes_per_hour_unit * 60

    @property
    def daily_cap_s(self) -> float:
        """Most seconds credited per learner per local calendar day."""
        return self.daily_cap_units * self.seconds_per_unit

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CreditingRules:
        """Build from an app-config-like mapping (names as in ``skilltrace.config``)."""
        return cls(**{attr: config[key] for attr, key in RULE_SETTINGS.items() if key in config})


RULE_SETTINGS = {
    "heartbeat_s": "HEARTBEAT_S",
    "position_tolerance_s": "POSITION_TOLERANCE_S",
    "completion_ratio": "LESSON_COMPLETION_RATIO",
    "minutes_per_hour_unit": "MINUTES_PER_HOUR_UNIT",
    "daily_cap_units": "DAILY_CAP_HOUR_UNITS",
    "max_rate": "STUDY_MAX_PLAYBACK_RATE",
    "timezone": "STUDY_TIMEZONE",
}
"""CreditingRules field -> the app setting it comes from."""


@dataclass(frozen=True)
class Heartbeat:
    """One player report, stamped with the server's receive time ``at``."""

    at: float
    position: float
    playing: bool
    playback_rate: float
    visible: bool

    def __post_init__(self) -> None:
        _finite("at", self.at)
        if _finite("position", self.position) < 0:
            raise ValueError("position must be >= 0")
        _finite("playback_rate", self.playback_rate)
        if not isinstance(self.playing, bool) or not isinstance(self.visible, bool):
            raise ValueError("playing and visible must be booleans")


@dataclass(frozen=True)
class PairResult:
    """Verdict on one heartbeat pair.

    ``seconds`` is the creditable wall time (0 when ``anomaly`` is set), ``video`` the watched
    interval ``(from, to)`` of the lesson video, ``lead_s`` how far the video has run ahead of
    real time over the current run of good pairs (feed it to the next call).
    """

    seconds: float
    video: Interval | None
    anomaly: str | None
    lead_s: float = 0.0

    @property
    def credited(self) -> bool:
        return self.anomaly is None


def _rejected(code: str) -> PairResult:
    return PairResult(0.0, None, code, 0.0)


def evaluate_pair(
    prev: Heartbeat,
    cur: Heartbeat,
    furthest_credited_position: float,
    rules: CreditingRules,
    lead_s: float = 0.0,
) -> PairResult:
    """Judge the wall time between two consecutive heartbeats.

    Credited only if the gap is at most 2 x heartbeat_s, both ends report playing at a rate in
    (0, max_rate], both ends are visible, and the position advanced with wall time: it may not
    lag by more than the tolerance, nor run ahead by more than the tolerance, measured both on
    this pair and cumulatively (``lead_s``) so that a steady small speed-up is caught too.
    A run ahead landing beyond ``furthest_credited_position`` is a ``seek_forward``.
    """
    wall = cur.at - prev.at
    if wall <= 0:
        return _rejected(Anomaly.OUT_OF_ORDER)
    if wall > rules.max_gap_s + EPS:
        return _rejected(Anomaly.GAP_TOO_LONG)
    rates = (prev.playback_rate, cur.playback_rate)
    if not (prev.playing and cur.playing) or min(rates) <= 0:
        return _rejected(Anomaly.NOT_PLAYING)
    if max(rates) > rules.max_rate + EPS:
        return _rejected(Anomaly.RATE_TOO_HIGH)
    if not (prev.visible and cur.visible):
        return _rejected(Anomaly.HIDDEN)
    tolerance = rules.position_tolerance_s + EPS
    advance = cur.position - prev.position
    if advance < -tolerance:
        return _rejected(Anomaly.SEEK_BACKWARD)
    lead = max(0.0, lead_s + advance - wall * max(rates))
    if lead > tolerance:
        if cur.position > furthest_credited_position + tolerance:
            return _rejected(Anomaly.SEEK_FORWARD)
        return _rejected(Anomaly.POSITION_INCONSISTENT)
    if wall * min(rates) - advance > tolerance:
        return _rejected(Anomaly.POSITION_STALLED)
    return PairResult(wall, (prev.position, max(prev.position, cur.position)), None, lead)


@dataclass(frozen=True)
class Segment:
    """Wall time ``[start, end]`` watched, and the video interval ``[video_from, video_to]``."""

    start: float
    end: float
    video_from: float
    video_to: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def video(self) -> Interval:
        return (self.video_from, self.video_to)

    def position_at(self, at: float) -> float:
        """Video position at wall time ``at`` (linear between the two ends)."""
        if self.end <= self.start:
            return self.video_to
        share = min(1.0, max(0.0, (at - self.start) / (self.end - self.start)))
        return self.video_from + share * (self.video_to - self.video_from)

    def clip(self, start: float, end: float) -> Segment | None:
        """The part of this segment inside ``[start, end]``, or None if it is empty."""
        lo, hi = max(self.start, start), min(self.end, end)
        if hi - lo <= 0:
            return None
        return Segment(lo, hi, self.position_at(lo), self.position_at(hi))

    @classmethod
    def from_pair(cls, prev: Heartbeat, result: PairResult) -> Segment:
        """The segment of a credited pair (``prev`` is its first heartbeat)."""
        if result.video is None:
            raise ValueError("an uncredited pair has no segment")
        return cls(prev.at, prev.at + result.seconds, *result.video)


def cut_segment(segment: Segment, times: Iterable[float]) -> list[Segment | None]:
    """Cut at each of ``times`` (in order): len(times) + 1 pieces, None where a piece is empty."""
    pieces: list[Segment | None] = []
    start = segment.start
    for t in times:
        cut = min(segment.end, max(start, t))
        pieces.append(segment.clip(start, cut))
        start = cut
    pieces.append(segment.clip(start, segment.end))
    return pieces


@dataclass(frozen=True)
class OpenStretch:
    """Viewing since the last passed check; credited only if the next check passes."""

    opened_at: float
    segments: tuple[Segment, ...] = ()

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.segments)

    @property
    def furthest_position(self) -> float:
        return max((s.video_to for s in self.segments), default=0.0)

    def add(self, segment: Segment) -> OpenStretch:
        """This stretch with one more segment; one that simply continues the last one (same
        instant, same video position, and either the same pace within 5 % or a merged segment
        passing within MERGE_DEVIATION_S of the joint) is merged into it, so a long stretch of
        steady viewing stays one segment in the live state however the heartbeats jitter.

        Merging keeps the wall seconds and the union of video exactly; only the position
        inside a merged segment becomes a straight line (used to split it at midnight or at
        the daily cap), off by at most the deviation allowed at the joint."""
        if self.segments:
            last = self.segments[-1]
            if (
                segment.start == last.end
                and segment.video_from == last.video_to
                and (
                    _same_pace(last, segment)
                    or _joint_deviation(last, segment) <= MERGE_DEVIATION_S
                )
            ):
                merged = Segment(last.start, segment.end, last.video_from, segment.video_to)
                return OpenStretch(self.opened_at, (*self.segments[:-1], merged))
        return OpenStretch(self.opened_at, (*self.segments, segment))


MERGE_DEVIATION_S = 1.0
"""How far (video seconds) a merged segment's straight line may pass from the joint."""


def _joint_deviation(a: Segment, b: Segment) -> float:
    """Distance at the joint between ``a`` followed by ``b`` and the one segment over both."""
    merged = Segment(a.start, b.end, a.video_from, b.video_to)
    return abs(merged.position_at(a.end) - a.video_to)


def _same_pace(a: Segment, b: Segment) -> bool:
    if a.seconds <= 0 or b.seconds <= 0:
        return False
    pace_a = (a.video_to - a.video_from) / a.seconds
    pace_b = (b.video_to - b.video_from) / b.seconds
    return abs(pace_a - pace_b) <= 0.05 * max(pace_a, pace_b, 1e-9)


@dataclass(frozen=True)
class ClosedStretch:
    """A stretch closed by a check (or by the end of the session, never credited)."""

    opened_at: float
    closed_at: float
    credited: bool
    segments: tuple[Segment, ...] = field(default=())

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.segments)


def close_stretch(stretch: OpenStretch, at: float, check_passed: bool) -> ClosedStretch:
    """Close ``stretch`` at ``at``: credited iff the closing check passed."""
    return ClosedStretch(stretch.opened_at, at, check_passed, stretch.segments)


def is_complete(intervals: Iterable[Interval], duration: float, rules: CreditingRules) -> bool:
    """True when the union covers at least completion_ratio of the lesson's duration."""
    if duration <= 0:
        return False
    return covered_seconds(intervals, duration) >= rules.completion_ratio * duration - EPS


# -- days, cap, units -----------------------------------------------------------------------

_CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


@lru_cache(maxsize=8)
def local_zone(name: str) -> tzinfo:
    """The zone ``name``; Asia/Shanghai falls back to UTC+8 (no DST since 1991) without tzdata."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == "Asia/Shanghai":
            return _CHINA_STANDARD_TIME
        raise ValueError(f"unknown time zone {name!r}") from None


def local_day(at: float, rules: CreditingRules) -> str:
    """The local calendar day (ISO ``YYYY-MM-DD``) of the instant ``at``."""
    return datetime.fromtimestamp(at, local_zone(rules.timezone)).date().isoformat()


def _next_midnight(at: float, zone: tzinfo) -> float:
    day: date = datetime.fromtimestamp(at, zone).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def split_at_midnights(segment: Segment, rules: CreditingRules) -> list[tuple[str, Segment]]:
    """``segment`` cut at local midnights, each piece with its local day."""
    zone = local_zone(rules.timezone)
    pieces: list[tuple[str, Segment]] = []
    start = segment.start
    while start < segment.end:
        cut = min(segment.end, _next_midnight(start, zone))
        piece = segment.clip(start, cut)
        if piece is not None:
            pieces.append((local_day(start, rules), piece))
        start = cut
    return pieces


def apply_daily_cap(
    already_credited_today_s: float, new_s: float, rules: CreditingRules
) -> tuple[float, float]:
    """Split ``new_s`` into (credited, beyond the cap) given what that day already holds."""
    room = max(0.0, rules.daily_cap_s - already_credited_today_s)
    credited = min(max(0.0, new_s), room)
    return credited, max(0.0, new_s) - credited


def attested_units(seconds: float, rules: CreditingRules) -> float:
    """学时 for ``seconds`` credited: seconds / (minutes per 学时 x 60), unrounded."""
    return seconds / rules.seconds_per_unit
