"""Re-checking study access off the heartbeat: the ``study.recheck_access`` job.

While a session runs, its class may close or end, its course lose its approval, its provider
be suspended or its learner leave the class. Every ``STUDY_ACCESS_RECHECK_S`` a session's
access is checked again, and a refused session ends (``not_allowed``); no check answer
credits meanwhile, since answers check access themselves.

Every half ``STUDY_ACCESS_RECHECK_S`` the job reads every running session's access in two
queries per thousand sessions (``courses.study_refusals``, the same rule as
``courses.study_access``). Each session found refused is ended under its lock by
``StudyService.check_access``, which checks again and decides. Once all are ended, the job
notes when it started in the state store. A heartbeat counts that time as its session's last
re-check (:func:`access_checked_at`), so with the job running no heartbeat re-checks access
(eleven SQL statements for a quiet beat otherwise). Without the job (the demo, a stopped
beat), or after a run that could not end a refused session, heartbeats re-check as before.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.state import LockBusy, held_lock
from skilltrace.study.due import LOCK_WAIT_S
from skilltrace.study.models import SessionState, StudySession
from skilltrace.study.services import StudyService
from skilltrace.timefmt import beijing_date

log = logging.getLogger(__name__)

CHECKED_KEY = "study:access:checked_at"  # when the last complete job run started


def access_checked_at(service: StudyService, header: dict, stamp: float) -> float:
    """When the session's access was last checked: by a heartbeat or at the start
    (``access_at`` in its live header), or by the job, whichever is later. The state store is
    read only when both the header's time and the newest run this process has read
    (``service.marks``) are older than ``STUDY_ACCESS_RECHECK_S``."""
    own = header.get("access_at", 0)
    recheck_s = service.c.config["STUDY_ACCESS_RECHECK_S"]
    if stamp - own < recheck_s:
        return own
    marks = service.marks
    if stamp - marks.access_checked_at >= recheck_s:
        by_job = service.c.state.get(CHECKED_KEY)
        if by_job:
            marks.note_access_check(float(by_job))
    return max(own, marks.access_checked_at)


def recheck_access() -> int:
    """End the running sessions whose class, course or provider no longer lets their learner
    study (the ``study.recheck_access`` job); how many."""
    from skilltrace.courses import study_refusals
    from skilltrace.study.wiring import study_service

    service = study_service()
    c = service.c
    now = c.clock.now()
    running = c.db.execute(
        select(StudySession.id, StudySession.learner_id, StudySession.lesson_id).where(
            StudySession.state != SessionState.ENDED
        )
    ).all()
    refused = study_refusals(running, beijing_date(now))
    c.db.rollback()  # end the read: each session is read again under its lock
    ended, left = 0, 0
    for session_id in sorted(refused):
        try:
            with held_lock(c.state, f"study:session:{session_id}", wait=LOCK_WAIT_S):
                ended += _end_if_refused(service, session_id)
        except LockBusy:
            c.db.rollback()
            left += 1
        except Exception:  # one session's failure must not stop the others'
            c.db.rollback()
            log.exception("study session %s: the access re-check failed", session_id)
            left += 1
    if left:
        log.warning("access re-check: %d refused sessions left running; heartbeats check", left)
    else:
        every = c.config["STUDY_ACCESS_RECHECK_S"]
        c.state.set(CHECKED_KEY, repr(now.timestamp()), ttl=every)
    return ended


def _end_if_refused(service: StudyService, session_id: int) -> int:
    """1 if the session (its lock held) was running and its access is now refused (it is
    ended by ``check_access``, at this moment: after any heartbeat folded meanwhile), else 0."""
    from skilltrace.identity.models import User

    c = service.c
    session = c.db.get(StudySession, session_id, populate_existing=True)
    if session is None or session.state == SessionState.ENDED:
        return 0
    learner = c.db.get(User, session.learner_id)
    live = service.live.load(session_id)
    try:
        service.check_access(learner, session, live, c.clock.now())
    except DomainError:
        return 1  # ended and committed
    c.db.rollback()
    return 0


def register(jobs: dict, config) -> None:
    """Register the job every half ``STUDY_ACCESS_RECHECK_S`` (unless that is under 2 s:
    then heartbeats re-check)."""
    every = float(config["STUDY_ACCESS_RECHECK_S"]) / 2
    if every >= 1:
        jobs["study.recheck_access"] = (recheck_access, every)
