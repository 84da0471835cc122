"""Answering a face check, step one: accept the burst (the verdict comes from a face worker).

The learner posts a burst of camera frames for an open check. Under the session lock this
module checks the owner, the check, its nonce and deadline (server clock), records the
attempt (``pending``; one per try) and parks the frames, encrypted, in the live-state store
for a short while; then, with no lock held, it enqueues ``verify_check(attempt_id)``. A face
worker verifies the burst and applies the verdict once (``study.verifying``); the player
polls the attempt. A failed try may be retried within the window (``FACE_CHECK_MAX_TRIES``);
a final failure voids the stretch since the last passed check and suspends the session.
"""

from __future__ import annotations

import base64
import hmac
from datetime import datetime, timedelta

import orjson
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from skilltrace.errors import DomainError
from skilltrace.study.models import AttemptStatus, CheckAttempt, CheckStatus, FaceCheck
from skilltrace.study.services import StudyService, nonce_hash, require_running

MAX_FRAMES = 5
# An attempt not decided this long after it was accepted is given up (its worker died with
# no broker to hand it to another): the learner may answer again.
ATTEMPT_GIVEN_UP_S = 90
PARKED_FRAMES_TTL_S = 300


def accept_answer(
    service: StudyService,
    learner,
    session_id: int,
    check_id: int,
    nonce: str,
    frames: list[bytes],
) -> CheckAttempt:
    """Record a pending attempt for an open check of the learner's session and park its
    frames; the caller enqueues it (after this commit, outside the lock)."""
    c = service.c
    with service.locked(f"study:session:{session_id}"):
        session = service.own_session(learner, session_id)
        require_running(session)
        check = c.db.get(FaceCheck, check_id)
        if check is None or check.session_id != session.id:
            raise DomainError("check_not_found", _l("No such face check."), status=404)
        live = service.load_live(session)
        now = c.clock.now()
        service.check_access(learner, session, live, now)
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
        if live_pending_attempt(service, check, now) is not None:
            raise DomainError(
                "check_pending",
                _l("Your last answer to this check is still being verified. Wait a moment."),
                status=409,
            )
        if now > check.deadline_at:
            service.expire_overdue_check(session, live, now)
            service.save(session, live)
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
        attempt = CheckAttempt(
            check_id=check.id,
            session_id=session.id,
            learner_id=session.learner_id,
            attempt_no=_attempts(service, check) + 1,
            status=AttemptStatus.PENDING,
            frame_count=len(frames),
            received_at=now,
        )
        c.db.add(attempt)
        c.db.flush()
        park_frames(c.state, attempt.id, frames)
        c.db.commit()
        return attempt


def _attempts(service: StudyService, check: FaceCheck) -> int:
    return service.c.db.scalar(
        select(func.count()).select_from(CheckAttempt).where(CheckAttempt.check_id == check.id)
    )


def live_pending_attempt(
    service: StudyService, check: FaceCheck, now: datetime
) -> CheckAttempt | None:
    """The check's pending attempt, unless it is given up: its frames are gone or it was
    accepted more than ``ATTEMPT_GIVEN_UP_S`` ago (it is then marked ``lost``, not a try)."""
    c = service.c
    attempt = c.db.scalar(
        select(CheckAttempt).where(
            CheckAttempt.check_id == check.id, CheckAttempt.status == AttemptStatus.PENDING
        )
    )
    if attempt is None:
        return None
    too_old = now - attempt.received_at > timedelta(seconds=ATTEMPT_GIVEN_UP_S)
    if too_old or not frames_parked(c.state, attempt.id):
        give_up(service, attempt, now)
        return None
    return attempt


def give_up(service: StudyService, attempt: CheckAttempt, now: datetime) -> bool:
    """Mark a pending attempt ``lost`` (once; the caller commits)."""
    from skilltrace.study.verifying import settle

    lost = settle(service.c.db, attempt.id, AttemptStatus.LOST, now, reason="answer_lost")
    if lost:
        service.c.state.delete(_frames_key(attempt.id))
    return lost


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


# -- parked frames (live state, encrypted, short TTL) --------------------------------------------
def _frames_key(attempt_id: int) -> str:
    return f"study:attempt:{attempt_id}:frames"


def _done_key(attempt_id: int) -> str:
    return f"study:attempt:{attempt_id}:done"


def _context(attempt_id: int) -> bytes:
    return f"check-attempt:{attempt_id}".encode()


def park_frames(state, attempt_id: int, frames: list[bytes]) -> None:
    cipher = current_app.extensions["skilltrace.cipher"]
    sealed = [
        base64.b64encode(cipher.encrypt(frame, _context(attempt_id))).decode() for frame in frames
    ]
    state.set(_frames_key(attempt_id), orjson.dumps(sealed).decode(), ttl=PARKED_FRAMES_TTL_S)


def frames_parked(state, attempt_id: int) -> bool:
    """Whether the attempt's frames are still parked (without fetching them)."""
    return state.ttl(_frames_key(attempt_id)) is not None


def parked_frames(state, attempt_id: int) -> list[bytes] | None:
    text = state.get(_frames_key(attempt_id))
    if text is None:
        return None
    cipher = current_app.extensions["skilltrace.cipher"]
    return [
        cipher.decrypt(base64.b64decode(item), _context(attempt_id)) for item in orjson.loads(text)
    ]


def drop_frames(state, attempt_id: int) -> None:
    state.delete(_frames_key(attempt_id))


def mark_done(state, attempt_id: int, status: str) -> None:
    """Wake the answer request waiting for this verdict, if any (it then reads the row)."""
    state.rpush(_done_key(attempt_id), status, ttl=120)


def wait_done(state, attempt_id: int, seconds: float) -> bool:
    """Wait up to ``seconds`` for the verdict (blocked on the store, not polling it)."""
    return state.wait_pop(_done_key(attempt_id), seconds) is not None
