"""Face checks of study sessions (contract A): verify a burst, remember its frames.

``verify_check`` looks up the learner's template, inspects the burst (engine), compares each
frame's content print with the learner's earlier accepted frames kept in the database
(``face_frame_prints``; a Redis restart forgets nothing), judges the liveness challenge and
applies the fair burst decision. It writes nothing; ``remember_frames`` adds the prints of an
accepted burst for the caller to commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.faces.burst import FrameCheck, decide_burst
from skilltrace.faces.liveness import CHALLENGES, judge_turn
from skilltrace.faces.models import FaceFramePrint
from skilltrace.faces.prints import FramePrint, hamming, same_picture
from skilltrace.faces.runtime import face_engine

__all__ = ["CHALLENGES", "CheckVerdict", "remember_frames", "verify_check"]

PRINT_CONTEXT = b"face_frame_prints.pixels"
MEMORY_LIMIT = 2000  # newest prints compared per learner (about 60 days of checks)


@dataclass(frozen=True)
class CheckVerdict:
    """The outcome of one face check burst (see CONTRACTS.md, A)."""

    passed: bool
    reason: str | None
    final: bool
    distances: list[float | None]
    liveness: dict
    tracked: list[int]
    thumbnail: bytes | None
    prints: tuple = field(default=(), repr=False)


def verify_check(learner_id: int, frames: list[bytes], challenge: str | None) -> CheckVerdict:
    """Template lookup, replay-by-content against the DB memory, match, liveness.

    ``frames`` in capture order: for a challenge, the first frame is neutral and the rest were
    taken during the turn (a second neutral frame is recognised by its pose). Writes nothing.
    """
    from skilltrace.faces.services import active_template

    engine = face_engine()
    settings = engine.settings
    if challenge is not None and challenge not in CHALLENGES:
        raise ValueError(f"unknown challenge {challenge!r}")
    frames = list(frames)
    if not frames or len(frames) > settings.burst_max_frames:
        return _refused("too_many_frames" if frames else "not_enough_matches", len(frames))
    template = active_template(learner_id)
    if template is None:
        return _refused("no_template", len(frames))
    checks = list(engine.inspect_burst(template, frames))
    if current_app.config.get("FACE_REPLAY_MEMORY", True):
        checks = _mark_remembered(learner_id, checks)
    reasons = [check.reason for check in checks]
    outcome, figures, flat = None, {}, 0
    if challenge is not None:
        outcome, figures, flat = _liveness(checks, challenge)
    decision = decide_burst(reasons, min(settings.burst_min_matches, len(frames)), outcome, flat)
    thumbnail = next((c.thumbnail for c in checks if c.matched and c.thumbnail), None)
    if thumbnail is None:
        thumbnail = next((c.thumbnail for c in checks if c.thumbnail), None)
    return CheckVerdict(
        passed=decision.passed,
        reason=decision.reason,
        final=decision.final,
        distances=[check.distance for check in checks],
        liveness=figures,
        tracked=[check.index for check in checks if check.tracked],
        thumbnail=thumbnail,
        prints=tuple(check.print for check in checks if check.print is not None),
    )


def remember_frames(learner_id: int, check_id: int, verdict: CheckVerdict) -> None:
    """Add the verdict's prints to the learner's replay memory (``db.session.add``; the
    caller commits). The 24x24 faces are encrypted; the hashes are stored plain."""
    cipher = current_app.extensions["skilltrace.cipher"]
    for frame_print in verdict.prints:
        db.session.add(
            FaceFramePrint(
                learner_id=learner_id,
                check_id=check_id,
                phash=frame_print.phash,
                pixels_encrypted=cipher.encrypt(frame_print.pixel_bytes(), PRINT_CONTEXT),
            )
        )


def _refused(reason: str, count: int) -> CheckVerdict:
    return CheckVerdict(False, reason, False, [None] * count, {}, [], None, ())


def _mark_remembered(learner_id: int, checks: list[FrameCheck]) -> list[FrameCheck]:
    """Frames whose print copies one of the learner's earlier accepted frames: replayed."""
    settings = face_engine().settings
    printed = [c for c in checks if c.print is not None]
    if not printed:
        return checks
    rows = db.session.execute(
        select(FaceFramePrint.phash, FaceFramePrint.pixels_encrypted)
        .where(FaceFramePrint.learner_id == learner_id)
        .order_by(FaceFramePrint.id.desc())
        .limit(MEMORY_LIMIT)
    ).all()
    cipher = current_app.extensions["skilltrace.cipher"]
    replayed: set[int] = set()
    for phash, blob in rows:
        near = [
            c
            for c in printed
            if c.index not in replayed and hamming(c.print.phash, phash) <= settings.print_max_bits
        ]
        if not near:
            continue
        earlier = FramePrint.from_stored(phash, cipher.decrypt(blob, PRINT_CONTEXT))
        for check in near:
            if same_picture(
                check.print, earlier, settings.print_max_bits, settings.print_max_pixels
            ):
                replayed.add(check.index)
    if not replayed:
        return checks
    return [
        FrameCheck(
            c.index,
            "replayed_frames",
            c.distance,
            c.face_count,
            c.box,
            c.thumbnail,
            False,
            c.landmarks,
            c.print,
        )
        if c.index in replayed
        else c
        for c in checks
    ]


def _liveness(checks: list[FrameCheck], challenge: str) -> tuple[str, dict, int]:
    """The liveness outcome of the frames that show one face: the first is neutral."""
    points = [list(c.landmarks) for c in checks if c.landmarks is not None]
    if len(points) < 2:
        return "no_turn", {"challenge": challenge}, 0
    result = judge_turn(points[:1], points[1:], challenge)
    return result.outcome, result.figures, result.flat_frames
