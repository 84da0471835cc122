"""Answering a face check, step two, on a face worker: verify the parked burst, apply the verdict.

The faces are verified with no lock held. The verdict is then applied under the session lock
in one transaction that first moves the attempt out of ``pending``
(``UPDATE … WHERE status = 'pending'``): a task redelivered after its worker died, or run
twice, finds nothing to move and changes nothing, so a verdict credits exactly once.

A task is given back to the broker when its worker dies, so a burst that kills its worker
(a crash in native image code, the memory killer, the hard time limit) would come back
forever; one whose verification raises is run again at once (``tasks.verify_check``).
Each run is counted in the live-state store until it finishes; after
``MAX_UNFINISHED_RUNS`` runs that never finished, the burst is not verified again: the
attempt is a failed try (``answer_unverifiable``), traced like any other.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from skilltrace.state import LockBusy, held_lock
from skilltrace.study.checks import (
    PARKED_FRAMES_TTL_S,
    drop_frames,
    frames_parked,
    mark_done,
    parked_frames,
)
from skilltrace.study.deferred import write_deferred
from skilltrace.study.models import (
    AttemptStatus,
    CheckAttempt,
    CheckKind,
    CheckStatus,
    FaceCheck,
    SessionState,
    StudySession,
)
from skilltrace.study.services import StudyService

log = logging.getLogger(__name__)

MAX_UNFINISHED_RUNS = 3


@dataclass(frozen=True)
class Unverifiable:
    """The verdict on a burst whose runs never finished (shaped like contract A's)."""

    distances: list
    passed: bool = False
    reason: str = "answer_unverifiable"
    final: bool = False
    liveness: dict = field(default_factory=dict)
    tracked: list = field(default_factory=list)
    thumbnail: bytes | None = None
    prints: tuple = ()


def verify_attempt(attempt_id: int) -> str:
    """The face-worker task: what became of the attempt (for the worker's log)."""
    from skilltrace.study.wiring import study_service

    service = study_service()
    c = service.c
    attempt = c.db.get(CheckAttempt, attempt_id)
    if attempt is None or attempt.status != AttemptStatus.PENDING:
        return "already decided"
    check = c.db.get(FaceCheck, attempt.check_id)
    learner_id, challenge, frame_count = attempt.learner_id, check.challenge, attempt.frame_count
    c.db.rollback()  # no transaction stays open while the faces are verified
    if not frames_parked(c.state, attempt_id):
        return _lost(service, attempt_id)
    runs_key = _runs_key(attempt_id)
    if c.state.incr(runs_key, ttl=PARKED_FRAMES_TTL_S) > MAX_UNFINISHED_RUNS:
        log.warning(
            "check attempt %s: %s runs never finished; failed unverified",
            attempt_id,
            MAX_UNFINISHED_RUNS,
        )
        return apply_verdict(service, attempt_id, Unverifiable([None] * frame_count))
    try:
        frames = parked_frames(c.state, attempt_id)  # unsealing them is part of the run
        if frames is None:  # expired a moment ago
            c.state.delete(runs_key)
            return _lost(service, attempt_id)
        verdict = c.verify_check(learner_id, frames, challenge)
        outcome = apply_verdict(service, attempt_id, verdict)
    except (LockBusy, OperationalError):
        c.state.delete(runs_key)  # a busy session or a database hiccup: not the burst's doing
        raise
    c.state.delete(runs_key)
    return outcome


def _lost(service: StudyService, attempt_id: int) -> str:
    """The attempt's frames are gone (their TTL): given up, not a try."""
    from skilltrace.study.checks import give_up

    c = service.c
    given_up = give_up(service, c.db.get(CheckAttempt, attempt_id), c.clock.now())
    c.db.commit()
    mark_done(c.state, attempt_id, AttemptStatus.LOST)
    return "lost: frames expired" if given_up else "already decided"


def _runs_key(attempt_id: int) -> str:
    return f"study:attempt:{attempt_id}:runs"


def settle(db, attempt_id: int, status: str, at: datetime, **values) -> bool:
    """Move the attempt out of ``pending`` (exactly once across workers); False if another
    did first. The caller commits."""
    moved = db.execute(
        update(CheckAttempt)
        .where(CheckAttempt.id == attempt_id, CheckAttempt.status == AttemptStatus.PENDING)
        .values(status=status, decided_at=at, **values)
    )
    return moved.rowcount == 1


def apply_verdict(service: StudyService, attempt_id: int, verdict) -> str:
    """Apply a verdict to its check and session in one transaction (see module doc)."""
    c = service.c
    attempt = c.db.get(CheckAttempt, attempt_id)
    with held_lock(c.state, f"study:session:{attempt.session_id}"):
        now = c.clock.now()
        session = c.db.get(StudySession, attempt.session_id)
        check = c.db.get(FaceCheck, attempt.check_id)
        live = service.live.load(session.id)
        if session.state == SessionState.ENDED or check.status != CheckStatus.OPEN or not live:
            status, outcome = AttemptStatus.VOID, "void: the check was closed"
        else:
            status = AttemptStatus.PASSED if verdict.passed else AttemptStatus.FAILED
            outcome = status
        final = not verdict.passed and (
            bool(verdict.final) or check.tries + 1 >= c.config["FACE_CHECK_MAX_TRIES"]
        )
        if not settle(
            c.db,
            attempt_id,
            status,
            now,
            reason=verdict.reason,
            final=final and status != AttemptStatus.VOID,
            distances_json=json.dumps(verdict.distances),
        ):
            c.db.rollback()
            return "already decided"
        c.remember_frames(session.learner_id, check.id, verdict)
        if status != AttemptStatus.VOID:
            check.tries += 1
            check.distances_json = json.dumps(verdict.distances)
            if verdict.thumbnail is not None:
                check.snapshot_id = c.store_snapshot(session.learner_id, verdict.thumbnail).id
            write_deferred(service, session, live)  # the trace keeps the order
            if verdict.passed:
                _pass(service, session, live, check, verdict, now)
            else:
                _fail(service, session, live, check, verdict, final, now)
            service.save(session, live)
        c.db.commit()
    drop_frames(c.state, attempt_id)
    mark_done(c.state, attempt_id, status)
    return outcome


def _pass(service, session, live, check, verdict, now) -> None:
    c = service.c
    check.status, check.decided_at, check.reason = CheckStatus.PASSED, now, None
    live.nonce = None
    c.trace.append(
        session.learner_id,
        "check_passed",
        {
            "check_id": check.id,
            "kind": check.kind,
            "distances": verdict.distances,
            "tracked": list(verdict.tracked),
            "tries": check.tries,
            "challenge": check.challenge,
            "liveness": verdict.liveness,
        },
        session_id=session.id,
        at=now,
    )
    service.apply(session, live, {"type": "check_passed"}, now)
    if check.kind == CheckKind.CLOSING or session.state == SessionState.CLOSING:
        service.finish(session, live, "ended_by_learner", at=now)
        return
    session.state = SessionState.ACTIVE
    service.schedule_next_check(session, live, now)


def _fail(service, session, live, check, verdict, final, now) -> None:
    c = service.c
    c.trace.append(
        session.learner_id,
        "check_failed",
        {
            "check_id": check.id,
            "kind": check.kind,
            "reason": verdict.reason,
            "distances": verdict.distances,
            "try": check.tries,
            "final": final,
            "challenge": check.challenge,
            "liveness": verdict.liveness,
        },
        session_id=session.id,
        at=now,
    )
    if not final:
        return
    check.status, check.decided_at, check.reason = CheckStatus.FAILED, now, verdict.reason
    live.nonce = None
    service.apply(session, live, {"type": "check_failed"}, now)
    if session.state == SessionState.CLOSING:
        service.finish(session, live, "closing_check_failed", at=now)
        return
    session.state = SessionState.SUSPENDED
