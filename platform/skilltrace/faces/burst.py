"""Results of a study-session face check (a burst of camera frames) and how they add up."""

from __future__ import annotations

from dataclasses import dataclass

from .images import Box

# Reasons a single frame can carry, other than None (= matched the template).
DECODE_REASONS = ("unsupported_image", "image_too_large")


@dataclass(frozen=True, eq=False)
class FrameCheck:
    """One frame of a burst.

    ``reason`` is None when the frame matched the template, else one of: a decode code,
    ``replayed_frames`` (copy of an earlier frame), ``no_face``, ``multiple_faces``,
    ``no_match`` (a face between the match and impostor thresholds) or ``impostor``.
    ``distance`` is set whenever a single face was encoded. ``thumbnail`` is a small JPEG of
    the (largest) face for review, when a face was found. ``tracked`` frames were not encoded:
    their one face is where an already matched face was (see ``FaceEngine.verify_burst``).
    """

    index: int
    reason: str | None
    distance: float | None = None
    face_count: int | None = None
    box: Box | None = None
    thumbnail: bytes | None = None
    tracked: bool = False

    @property
    def matched(self) -> bool:
        """Whether this frame shows the enrolled learner."""
        return self.reason is None


@dataclass(frozen=True, eq=False)
class BurstVerdict:
    """The outcome of ``FaceEngine.verify_burst``: ``passed``, else the overall ``reason``."""

    passed: bool
    reason: str | None
    frames: tuple[FrameCheck, ...]

    @property
    def matches(self) -> int:
        """How many frames matched the template."""
        return sum(1 for frame in self.frames if frame.matched)

    @property
    def distances(self) -> list[float | None]:
        """Per-frame distance to the template (None where no single face was encoded)."""
        return [frame.distance for frame in self.frames]

    @property
    def best_distance(self) -> float | None:
        """The smallest distance to the template in the burst, if any face was encoded."""
        found = [d for d in self.distances if d is not None]
        return min(found) if found else None


def burst_reason(frames: tuple[FrameCheck, ...], min_matches: int) -> str | None:
    """The overall refusal code for checked frames, or None when the burst passes.

    Evidence of cheating outranks everything (a replay, a second face, someone else's face);
    then enough matching frames pass; otherwise the most useful hint for the learner.
    """
    reasons = [frame.reason for frame in frames]
    for blocking in ("replayed_frames", "multiple_faces", "impostor"):
        if blocking in reasons:
            return blocking
    if reasons.count(None) >= min_matches:
        return None
    for reason in reasons:
        if reason in DECODE_REASONS:
            return reason
    if "no_face" in reasons:
        return "no_face"
    return "not_enough_matches"
