"""Results of a study-session face check (a burst of camera frames) and the fair decision.

``decide_burst`` is the one rule that turns per-frame findings into a verdict. A *final*
reason (``impostor``, ``multiple_faces``, ``replayed_frames``, ``liveness_failed``) needs
consistent evidence: a majority of the burst's frames. A single odd frame (a passer-by, a blur,
a bad encoding, a missed turn) gives a retryable reason instead, so an honest learner gets
another try within the check's window.
"""

from __future__ import annotations

from dataclasses import dataclass

from .images import Box

# Reasons a single frame can carry, other than None (= matched the template).
DECODE_REASONS = ("unsupported_image", "image_too_large", "frame_too_large")
FINAL_REASONS = frozenset({"impostor", "multiple_faces", "replayed_frames", "liveness_failed"})


@dataclass(frozen=True, eq=False)
class FrameCheck:
    """One frame of a burst.

    ``reason`` is None when the frame matched the template, else one of: a decode code,
    ``replayed_frames`` (a copy of another frame, or of an earlier check's frame),
    ``no_face``, ``multiple_faces``, ``no_match`` (a face between the match and impostor
    thresholds) or ``impostor``. ``distance`` is set whenever a single face was encoded.
    ``tracked`` frames were not encoded: their one face continues a matched face.
    ``landmarks`` are the five points of the one face (liveness), ``print`` its content print
    (replay memory).
    """

    index: int
    reason: str | None
    distance: float | None = None
    face_count: int | None = None
    box: Box | None = None
    thumbnail: bytes | None = None
    tracked: bool = False
    landmarks: tuple | None = None
    print: object = None

    @property
    def matched(self) -> bool:
        """Whether this frame shows the enrolled learner."""
        return self.reason is None


@dataclass(frozen=True)
class Decision:
    """``passed``; else ``reason`` and whether it is ``final`` (no retry)."""

    passed: bool
    reason: str | None
    final: bool = False


@dataclass(frozen=True, eq=False)
class BurstVerdict:
    """The outcome of ``FaceEngine.verify_burst``: ``passed``, else the overall ``reason``."""

    passed: bool
    reason: str | None
    frames: tuple[FrameCheck, ...]
    final: bool = False

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


def majority(count: int) -> int:
    """The number of frames that is more than half of ``count`` (at least 1)."""
    return count // 2 + 1


def decide_burst(
    reasons: list[str | None],
    min_matches: int,
    liveness: str | None = None,
    flat_frames: int = 0,
) -> Decision:
    """The verdict of a burst from each frame's reason and, for a challenge, the liveness
    outcome (``passed``, ``no_turn``, ``wrong_way``, ``flat``; None = match only).

    Order: cheating seen in a majority of frames is final (replay, second face, someone
    else); then a flat turn in a majority of frames is final (``liveness_failed``); then the
    burst passes with enough matching frames and no odd frame; otherwise the most useful
    retryable hint.
    """
    total = len(reasons)
    needed = majority(total) if total else 1
    for blocking in ("replayed_frames", "multiple_faces", "impostor"):
        if total and reasons.count(blocking) >= needed:
            return Decision(False, blocking, final=True)
    if liveness == "flat" and total and flat_frames >= max(2, needed):
        return Decision(False, "liveness_failed", final=True)
    matches = reasons.count(None)
    odd = [r for r in reasons if r in ("replayed_frames", "multiple_faces", "impostor")]
    if matches >= min_matches and not odd:
        if liveness is None or liveness == "passed":
            return Decision(True, None)
        return Decision(False, "challenge_not_met")
    if odd:  # odd frames, but not a majority of them: look again
        for hint in ("replayed_frames", "multiple_faces"):
            if hint in odd:
                return Decision(False, hint)
        return Decision(False, "no_match")
    for reason in reasons:
        if reason in DECODE_REASONS:
            return Decision(False, reason)
    if "no_face" in reasons:
        return Decision(False, "no_face")
    return Decision(False, "not_enough_matches")


def burst_reason(frames: tuple[FrameCheck, ...], min_matches: int) -> str | None:
    """The overall refusal code of checked frames without a challenge (None = passes)."""
    return decide_burst([frame.reason for frame in frames], min_matches).reason
