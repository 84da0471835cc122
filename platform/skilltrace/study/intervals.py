"""Video intervals watched: unions, so that replaying a part of a lesson never counts twice."""

from __future__ import annotations

import math
from collections.abc import Iterable

Interval = tuple[float, float]


def merge_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, disjoint union of ``intervals`` (touching ones merge; empty ones drop)."""
    merged: list[list[float]] = []
    for lo, hi in sorted((float(a), float(b)) for a, b in intervals if b > a):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple((lo, hi) for lo, hi in merged)


def add_interval(merged: tuple[Interval, ...], interval: Interval) -> tuple[Interval, ...]:
    """``merged`` (already a union) with ``interval`` added."""
    return merge_intervals((*merged, interval))


def covered_seconds(intervals: Iterable[Interval], duration: float | None = None) -> float:
    """Length of the union of ``intervals``, clipped to ``[0, duration]`` if given."""
    upper = math.inf if duration is None else duration
    return sum(max(0.0, min(hi, upper) - max(lo, 0.0)) for lo, hi in merge_intervals(intervals))
