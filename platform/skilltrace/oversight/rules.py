"""Pure oversight rules: drawing a sample by ratio with a seed, and the sanctions ladder."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

# The ladder, mildest first: 约谈 → 整改 → 停业整顿 → 移出目录 → 黑名单.
LADDER = ("interview", "rectify", "suspend", "delist", "blacklist")
# What each step does to a provider's status (agencies have no status of their own).
STATUS_OF_LEVEL = {
    "interview": "active",
    "rectify": "active",
    "suspend": "suspended",
    "delist": "suspended",
    "blacklist": "blacklisted",
}
MAX_REASON = 2000


class RuleError(Exception):
    """A rule refused; ``code`` is the stable error code."""

    def __init__(self, code: str, status: int = 422):
        super().__init__(code)
        self.code = code
        self.status = status


def sample_size(population: int, ratio: float) -> int:
    """How many to draw: ``ceil(ratio × population)``, at least one from a non-empty population."""
    if not 0 < ratio <= 1 or math.isnan(ratio):
        raise RuleError("ratio_invalid")
    if population == 0:
        return 0
    return max(1, min(population, math.ceil(round(ratio * population, 9))))


def draw_sample(population: Iterable[int], ratio: float, seed: str) -> list[int]:
    """A sample of ``population`` by ``ratio``, fixed by ``seed``: the same seed draws the same.

    Each member is ranked by SHA-256 of ``seed:member``; the lowest ranks are drawn. The order of
    ``population`` does not matter, and the result does not depend on the Python version.
    """
    seed = (seed or "").strip()
    if not 1 <= len(seed) <= 64:
        raise RuleError("seed_invalid")
    members = sorted(set(population))
    k = sample_size(len(members), ratio)
    ranked = sorted(members, key=lambda m: hashlib.sha256(f"{seed}:{m}".encode()).digest())
    return ranked[:k]


@dataclass(frozen=True)
class SanctionRequest:
    level: str
    reason: str
    decided_on: date
    ends_on: date | None = None


def check_sanction(active_levels: Sequence[str], request: SanctionRequest, today: date) -> None:
    """A new step must be on the ladder, above every active one, dated, and have a reason."""
    if request.level not in LADDER:
        raise RuleError("level_invalid")
    if not request.reason.strip():
        raise RuleError("reason_required")
    if len(request.reason) > MAX_REASON:
        raise RuleError("reason_too_long")
    if request.decided_on > today:
        raise RuleError("decided_in_future")
    if request.ends_on is not None and request.ends_on < request.decided_on:
        raise RuleError("ends_before_decided")
    if any(LADDER.index(level) >= LADDER.index(request.level) for level in active_levels):
        raise RuleError("sanction_not_escalating", 409)


def status_for(active_levels: Iterable[str]) -> str:
    """A provider's status under its active sanctions (the harshest one decides)."""
    levels = [level for level in active_levels if level in LADDER]
    if not levels:
        return "active"
    return STATUS_OF_LEVEL[max(levels, key=LADDER.index)]


def unaware_share(answers: Iterable[bool | None]) -> float:
    """Share of surveyed trainees who did not know they were trained (None = not asked)."""
    known = [a for a in answers if a is not None]
    return 0.0 if not known else sum(1 for a in known if not a) / len(known)
