"""Answering a face check: the learner posts a burst of camera frames for an open check.

A check passes when its nonce is the open, unused one, the deadline (server clock) has not
passed, at least two frames match the learner's enrolled template, no frame shows another or
a second face, and the frames are neither copies of each other nor of an earlier check's.
A failed try may be retried within the window (``FACE_CHECK_MAX_TRIES``); the last failed try
voids the stretch since the last passed check and suspends the session until a new check
passes.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from skilltrace.errors import DomainError
from skilltrace.study.live import LiveSession
from skilltrace.study.models import CheckKind, CheckStatus, FaceCheck, SessionState, StudySession
from skilltrace.study.services import StudyService, _require_running, nonce_hash

MAX_FRAMES = 5
# Evidence of cheating ends the check at once; other failures (no face, blur) may be retried.
FINAL_REASONS = frozenset({"replayed_frames", "multiple_faces", "impostor"})


@dataclass(frozen=True)
class CheckAnswer:
    """What the learner gets back after posting frames."""

    session: StudySession
    check: FaceCheck
    reason: str | None
    distances: list
    passed: bool
    next_check: FaceCheck | None
    live: LiveSession


def answer_check(
    service: StudyService,
    learner,
    session_id: int,
    check_id: int,
    nonce: str,
    frames: list[bytes],
) -> CheckAnswer:
    """Verify a burst of frames for an open check of the learner's session."""
    c = service.c
    with service._locked(f"study:session:{session_id}"):
        session = service.own_session(learner, session_id)
        _require_running(session)
        check = c.db.get(FaceCheck, check_id)
        if check is None or check.session_id != session.id:
            raise DomainError("check_not_found", _l("No such face check."), status=404)
        live = service._live(session)
        now = c.clock.now()
        service._still_allowed(learner, session, live, now)
        if check.status != CheckStatus.OPEN:
            _refuse(service, session, check, "check_closed", now)
            raise DomainError(
                "check_closed",
                _l("This face check is already closed. Follow the current one on screen."),
                status=409,
            )
        if not nonce or not hmac.compare_digest(nonce_hash(nonce), check.nonce_hash):
            _refuse(service, session, check, "nonce_invalid", now)
            raise DomainError(
                "nonce_invalid",
                _l("This answer does not belong to the current check."),
                status=403,
            )
        if now > check.deadline_at:
            service.expire_overdue_check(session, live, now)
            service._save(session, live)
            c.db.commit()
            raise DomainError(
                "check_expired",
                _l(
                    "The time for this face check ran out. Studying is paused until you pass "
                    "a new check."
                ),
                status=410,
            )
        if not 1 <= len(frames) <= MAX_FRAMES:
            raise DomainError(
                "frames_invalid", _l("Send between 1 and 5 camera frames."), field="frames"
            )
        template = c.template_of(learner.id)
        if service.live.frames_seen_before(learner.id, frames):
            reason, passed, thumbnail = "replayed_frames", False, None
            distances, tracked = [None] * len(frames), []
        else:
            verdict = c.verify_burst(template, frames)
            reason, distances, passed = verdict.reason, verdict.distances, verdict.passed
            tracked = [frame.index for frame in verdict.frames if frame.tracked]
            thumbnail = next((f.thumbnail for f in verdict.frames if f.thumbnail), None)
        service.live.remember_frames(learner.id, frames)
        check.tries += 1
        check.distances_json = json.dumps(distances)
        if thumbnail is not None:
            check.snapshot_id = c.store_snapshot(learner.id, thumbnail).id
        next_check = None
        if passed:
            _pass(service, session, live, check, distances, tracked, now)
        else:
            next_check = _fail(service, session, live, check, reason, distances, now)
        service._save(session, live)
        c.db.commit()
        return CheckAnswer(session, check, reason, distances, passed, next_check, live)


def _refuse(service, session, check, code, now) -> None:
    """A post to a closed check or with a wrong nonce: traced, nothing else changes."""
    service.c.trace.append(
        session.learner_id,
        "check_answer_refused",
        {"check_id": check.id, "reason": code},
        session_id=session.id,
        at=now,
    )
    service.c.db.commit()


def _pass(service, session, live, check, distances, tracked, now) -> None:
    c = service.c
    check.status, check.decided_at, check.reason = CheckStatus.PASSED, now, None
    live.nonce = None
    c.trace.append(
        session.learner_id,
        "check_passed",
        {
            "check_id": check.id,
            "kind": check.kind,
            "distances": distances,
            "tracked": tracked,
            "tries": check.tries,
        },
        session_id=session.id,
        at=now,
    )
    service._apply(session, live, {"type": "check_passed"}, now)
    if check.kind == CheckKind.CLOSING or session.state == SessionState.CLOSING:
        service._finish(session, live, "ended_by_learner", at=now)
        return
    session.state = SessionState.ACTIVE
    service.schedule_next_check(live, now)


def _fail(service, session, live, check, reason, distances, now):
    c = service.c
    max_tries = c.config["FACE_CHECK_MAX_TRIES"]
    final = check.tries >= max_tries or reason in FINAL_REASONS
    c.trace.append(
        session.learner_id,
        "check_failed",
        {
            "check_id": check.id,
            "kind": check.kind,
            "reason": reason,
            "distances": distances,
            "try": check.tries,
            "final": final,
        },
        session_id=session.id,
        at=now,
    )
    if not final:
        return check
    check.status, check.decided_at, check.reason = CheckStatus.FAILED, now, reason
    live.nonce = None
    service._apply(session, live, {"type": "check_failed"}, now)
    if session.state == SessionState.CLOSING:
        service._finish(session, live, "closing_check_failed", at=now)
        return None
    session.state = SessionState.SUSPENDED
    return None
