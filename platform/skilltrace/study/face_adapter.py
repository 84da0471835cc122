"""The current face engine behind contract A's ``verify_check``/``remember_frames``.

``skilltrace.faces.checking`` (the new engine with liveness and a database memory of used
frames) replaces this module in ``study.wiring``; until then the landed engine answers: its
``verify_burst`` matches the burst against the active template, and the live-state store
remembers frame digests so a byte-identical replay of an earlier check is refused. It cannot
verify the liveness challenge (the figures say so: ``liveness["verified"]`` is False).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

# Evidence of cheating ends the check at once; other failures (no face, blur) may be retried.
FINAL_REASONS = frozenset({"replayed_frames", "multiple_faces", "impostor"})


@dataclass(frozen=True)
class CheckVerdict:
    """Contract A's verdict (the same fields as ``skilltrace.faces.checking.CheckVerdict``)."""

    passed: bool
    reason: str | None
    final: bool
    distances: list = field(default_factory=list)
    liveness: dict = field(default_factory=dict)
    tracked: list = field(default_factory=list)
    thumbnail: bytes | None = None
    prints: tuple = ()


def verify_check(learner_id: int, frames: list[bytes], challenge: str | None) -> CheckVerdict:
    """Template lookup, replay by bytes, match (no liveness). Writes nothing."""
    from skilltrace.faces import services as faces
    from skilltrace.study.wiring import study_service

    prints = tuple(hashlib.sha256(frame).hexdigest() for frame in frames)
    liveness = {"challenge": challenge, "verified": False}
    template = faces.active_template(learner_id)
    if template is None:
        return CheckVerdict(False, "not_enrolled", True, [None] * len(frames), liveness)
    if study_service().live.frames_seen_before(learner_id, frames):
        return CheckVerdict(
            False, "replayed_frames", True, [None] * len(frames), liveness, prints=prints
        )
    burst = faces.face_engine().verify_burst(template, frames)
    return CheckVerdict(
        burst.passed,
        burst.reason,
        burst.reason in FINAL_REASONS,
        burst.distances,
        liveness,
        [frame.index for frame in burst.frames if frame.tracked],
        next((frame.thumbnail for frame in burst.frames if frame.thumbnail), None),
        prints,
    )


def remember_frames(learner_id: int, check_id: int, verdict: CheckVerdict) -> None:
    """Remembers the burst's digests in the live-state store (a later copy is a replay)."""
    from skilltrace.study.wiring import study_service

    study_service().live.remember_prints(learner_id, verdict.prints)
