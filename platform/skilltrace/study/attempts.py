"""An answer to a face check as the learner's player sees it: pending (202, poll again) or
decided (200, the verdict and what to do next)."""

from __future__ import annotations

import json
import logging
import threading

from flask import url_for
from flask_babel import lazy_gettext as _l

from skilltrace.errors import DomainError
from skilltrace.study.checks import wait_done
from skilltrace.study.models import AttemptStatus, CheckAttempt, StudySession
from skilltrace.study.services import StudyService

log = logging.getLogger(__name__)

POLL_AFTER_S = 1


def attempt_of(
    service: StudyService, learner, session_id: int, check_id: int, attempt_id: int
) -> CheckAttempt:
    """The learner's own attempt, read fresh from the database."""
    service.c.db.expire_all()
    attempt = service.c.db.get(CheckAttempt, attempt_id)
    if (
        attempt is None
        or attempt.learner_id != learner.id
        or (attempt.session_id, attempt.check_id) != (session_id, check_id)
    ):
        raise DomainError("attempt_not_found", _l("No such answer to a face check."), status=404)
    return attempt


class WaitingRoom:
    """At most ``seats`` requests of this process wait for a verdict at once: a waiting
    answer holds a web thread, and heartbeats must not queue behind face work."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seated = 0

    def enter(self, seats: int) -> bool:
        with self._lock:
            if self._seated >= seats:
                return False
            self._seated += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._seated -= 1


WAITING_ROOM = WaitingRoom()


def wait_for_verdict(service: StudyService, attempt_id: int, seconds: float, seats: int) -> bool:
    """Wait up to ``seconds`` for a face worker to decide (the common case is quick), if one
    of this process's ``seats`` is free; else return at once (the player polls). True if
    it waited."""
    if seconds <= 0 or not WAITING_ROOM.enter(seats):
        return False
    try:
        wait_done(service.c.state, attempt_id, seconds)
    finally:
        WAITING_ROOM.leave()
    return True


def answer_json(service: StudyService, attempt: CheckAttempt):
    """(body, status[, headers]) for an attempt: 202 while pending, else the verdict with
    the session's state and its open check (the same one, to retry, after a failed try)."""
    from skilltrace.study.api import check_json, pending_seconds
    from skilltrace.study.coverage import lesson_coverage
    from skilltrace.tasks import eager

    if attempt.status == AttemptStatus.PENDING and eager():
        _verify_here(service, attempt)
    poll = url_for(
        "study_api.answer_result",
        session_id=attempt.session_id,
        check_id=attempt.check_id,
        attempt_id=attempt.id,
    )
    base = {"attempt_id": attempt.id, "status": attempt.status, "poll": poll}
    if attempt.status == AttemptStatus.PENDING:
        return base, 202, {"Retry-After": str(POLL_AFTER_S)}
    session = service.c.db.get(StudySession, attempt.session_id)
    live = service.live.load(session.id)
    open_check = service.open_check(session)
    now = service.c.clock.now()
    return {
        **base,
        "passed": attempt.status == AttemptStatus.PASSED,
        "reason": attempt.reason if attempt.status != AttemptStatus.LOST else "answer_lost",
        "final": attempt.final,
        "distances": json.loads(attempt.distances_json or "[]"),
        "state": session.state,
        "credited_seconds": round(session.credited_seconds, 1),
        "pending_seconds": pending_seconds(live),
        "lesson": lesson_coverage(session.learner_id, session.lesson_id).as_json(),
        "check": check_json(open_check, live.nonce if live else None, now),
    }, 200


def _verify_here(service: StudyService, attempt: CheckAttempt) -> None:
    """Without a broker, a pending attempt is verified by whoever asks (its first runner may
    have died with the request); deciding it twice is impossible (``verifying.settle``)."""
    from skilltrace.state import LockBusy
    from skilltrace.study.verifying import verify_attempt

    try:
        verify_attempt(attempt.id)
    except LockBusy:
        return
    except Exception:  # counted as an unfinished run (verifying); the next poll runs it again
        log.exception("check attempt %s: verification failed", attempt.id)
        service.c.db.rollback()
        return
    service.c.db.expire_all()
