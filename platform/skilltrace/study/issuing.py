"""Opening random face checks off the heartbeat: the ``study.issue_checks`` job.

When a check passes, the server draws the next one's time (``StudyService.schedule_next_check``)
and files the session under it in a time-ordered set of the live-state store. Every
``FACE_CHECK_ISSUE_EVERY_S`` the job takes the sessions that fell due and opens their check
under the session lock, as a heartbeat would: the row, the trace, the live state. The learner
hears of it at the next heartbeat, which is then a quiet one; the check's window is longer by
one ``HEARTBEAT_S`` for that.

A heartbeat that finds its check due opens it itself (as before the job existed) unless the
job ran within the last ``3 x FACE_CHECK_ISSUE_EVERY_S`` and the check fell due less than that
long ago: without a running job (the demo, a beat that stopped) nothing waits for it.
"""

from __future__ import annotations

from skilltrace.study.deferred import write_deferred
from skilltrace.study.due import grace_s, job_alive, step_due
from skilltrace.study.live import CHECKS_DUE_KEY, ISSUER_KEY, LiveSession
from skilltrace.study.models import CheckKind, SessionState, StudySession
from skilltrace.study.services import StudyService


def waits_for_job(service: StudyService, live: LiveSession, stamp: float) -> bool:
    """Whether a heartbeat at ``stamp`` finding its check due leaves it to the job."""
    return (
        live.next_check_at is not None
        and stamp < live.next_check_at + grace_s(service.c.config)
        and job_alive(service, ISSUER_KEY)
    )


def issue_due_checks() -> int:
    """Open the random checks that fell due (the ``study.issue_checks`` job); how many."""
    from skilltrace.study.wiring import study_service

    service = study_service()
    now = service.c.clock.now()

    def step(session_id: int) -> int:
        return issue_due_check(service, session_id, now)

    return step_due(service, CHECKS_DUE_KEY, ISSUER_KEY, step)


def issue_due_check(service: StudyService, session_id: int, now) -> int:
    """Open the session's random check if it is still due (the caller holds the session
    lock); 1 if opened, else 0 (ended, in a check, or not due: then filed again)."""
    c = service.c
    session = c.db.get(StudySession, session_id, populate_existing=True)
    if session is None or session.state != SessionState.ACTIVE:
        return 0
    live = service.live.load(session_id)
    if live is None or live.next_check_at is None:
        return 0
    if live.next_check_at > now.timestamp():  # drawn again since it was filed
        service.live.schedule_check(session_id, live.next_check_at)
        return 0
    if service.open_check(session) is not None:
        return 0
    write_deferred(service, session, live)  # a credit left to the job goes first in the trace
    session.state = SessionState.CHECKING  # before the check's insert: one UPDATE
    check = service.issue_check(
        session, live, CheckKind.RANDOM, now, notice_s=c.config["HEARTBEAT_S"]
    )
    service.save(session, live, check)
    c.db.commit()
    return 1


def register(jobs: dict, config) -> None:
    """Register the job unless ``FACE_CHECK_ISSUE_EVERY_S`` is 0."""
    every = float(config["FACE_CHECK_ISSUE_EVERY_S"])
    if every > 0:
        jobs["study.issue_checks"] = (issue_due_checks, every)
