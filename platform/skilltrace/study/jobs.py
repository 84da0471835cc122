"""Scheduled study jobs (Celery beat runs them, see ``skilltrace.tasks``; each has a
``flask study …`` twin). Each is idempotent and takes each session's lock in turn."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.study.models import (
    AttemptStatus,
    CheckAttempt,
    CheckStatus,
    FaceCheck,
    SessionState,
    StudySession,
)

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60
EXPIRE_EVERY_S = 30
REQUEUE_AFTER_S = 30  # a pending attempt this old is handed to a worker again


def sweep_sessions() -> int:
    """End sessions whose heartbeats stopped (their open stretch is voided)."""
    from skilltrace.study.wiring import study_service

    service = study_service()
    db = service.c.db
    ended = 0
    for session_id, learner_id in db.execute(
        select(StudySession.id, StudySession.learner_id).where(
            StudySession.state != SessionState.ENDED
        )
    ).all():
        if service.live.active_session(learner_id) == session_id:
            continue
        try:
            with service.locked(f"study:session:{session_id}"):
                session = db.get(StudySession, session_id)
                db.refresh(session)
                if session.state == SessionState.ENDED:
                    continue
                if service.live.active_session(learner_id) == session_id:
                    continue
                service.finish(session, service.live.load(session_id), "expired")
                db.commit()
                ended += 1
        except DomainError:  # busy: a request of this session is running; next time
            db.rollback()
    return ended


def expire_checks() -> tuple[int, int]:
    """Miss open checks whose deadline passed (unless an answer sent in time is still being
    verified), give up attempts whose frames are gone, and hand attempts that waited too
    long to a worker again. Returns (checks missed, attempts handed again)."""
    from skilltrace.study.checks import live_pending_attempt
    from skilltrace.study.wiring import study_service
    from skilltrace.tasks import eager, enqueue_check

    service = study_service()
    c = service.c
    now = c.clock.now()
    missed = 0
    overdue = c.db.execute(
        select(FaceCheck.id, FaceCheck.session_id).where(
            FaceCheck.status == CheckStatus.OPEN, FaceCheck.deadline_at < now
        )
    ).all()
    for check_id, session_id in overdue:
        try:
            with service.locked(f"study:session:{session_id}"):
                session = c.db.get(StudySession, session_id)
                check = c.db.get(FaceCheck, check_id)
                c.db.refresh(check)
                live = service.live.load(session_id)
                if check.status != CheckStatus.OPEN:
                    continue
                if live is None:
                    service.finish(session, None, "expired")
                else:
                    service.expire_overdue_check(session, live, now)
                    service.save(session, live)
                missed += check.status == CheckStatus.MISSED
                c.db.commit()
        except DomainError:
            c.db.rollback()
    handed = 0
    stale = c.db.scalars(
        select(CheckAttempt).where(
            CheckAttempt.status == AttemptStatus.PENDING,
            CheckAttempt.received_at < now - timedelta(seconds=REQUEUE_AFTER_S),
        )
    ).all()
    for attempt in stale:
        check = c.db.get(FaceCheck, attempt.check_id)
        if live_pending_attempt(service, check, now) is None:
            continue
        if eager():
            continue  # no broker: the learner's next poll verifies it
        handed += enqueue_check(attempt.id)
    c.db.commit()
    return missed, handed


def register(app) -> None:
    """Register the study jobs (contract C)."""
    jobs = app.extensions.setdefault("skilltrace.jobs", {})
    jobs["study.sweep"] = (sweep_sessions, SWEEP_EVERY_S)
    jobs["study.expire_checks"] = (expire_checks, EXPIRE_EVERY_S)
    from skilltrace.study.access import register as register_access
    from skilltrace.study.deferred import register as register_writing
    from skilltrace.study.issuing import register as register_issuing

    register_issuing(jobs, app.config)
    register_writing(jobs, app.config)
    register_access(jobs, app.config)
