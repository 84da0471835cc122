"""Credits a heartbeat leaves to the ``study.write_credits`` job.

The first heartbeat after a passed check credits the wall time just before the check (the
crediting fold settles it only once the learner is seen again). Everything about that credit
is decided by the heartbeat, on the server's clock; only writing it to the ledger tables and
the trace is left to a job, so that this heartbeat is answered from the state store alone like
any other. The live state then carries the credit as ``header["deferred"]``: the fold's ledger
before it, its seconds and its time. The job, or any request of the session that takes its
lock and changes the ledger first (see ``StudyService.apply``), writes it:

- once: the session row keeps the time of the last credit written
  (``deferred_credit_stamp``), and a credit not newer than that is not written again;
- in order: before any other ledger change of the session is written, so the trace keeps
  the order of the events.

A heartbeat defers a credit only while the job is running (it ran within 3 periods) and no
other credit of the session waits; otherwise it writes it itself, as before.
"""

from __future__ import annotations

from datetime import UTC, datetime

from skilltrace.study.due import job_alive, step_due
from skilltrace.study.ledger import Ledger
from skilltrace.study.live import LiveSession
from skilltrace.study.models import SessionState, StudySession
from skilltrace.study.projection import ledger_delta

CREDITS_DUE_KEY = "study:credits_due"
WRITER_KEY = "study:credit_writer"  # present while the job writing credits runs


def defer(service, session_id: int, live: LiveSession, before: Ledger, stamp: float) -> bool:
    """Leave the credit between ``before`` and ``live.fold.ledger`` to the job (``live`` is
    saved by the caller); False, changing nothing, if it must be written now."""
    header = live.header
    if header.get("deferred") or not job_alive(service, WRITER_KEY):
        return False
    lesson_id = live.fold.session.lesson_id if live.fold.session else None
    if lesson_id is None:
        return False
    delta = ledger_delta(before, live.fold.ledger, lesson_id)
    if delta.voided or not delta.credits:
        return False
    header["deferred"] = {"ledger": before.to_dict(), "seconds": delta.seconds, "at": stamp}
    header["credited_seconds"] = header.get("credited_seconds", 0.0) + delta.seconds
    return True


def deferred_at(live: LiveSession, stamp: float) -> bool:
    """Whether the heartbeat at ``stamp`` left its credit to the job."""
    deferred = live.header.get("deferred")
    return bool(deferred) and deferred["at"] == stamp


def announce(service, session_id: int, stamp: float) -> None:
    """File the session for the job (after the live state holding the credit is saved)."""
    service.c.state.schedule(CREDITS_DUE_KEY, str(session_id), stamp)


def unwritten_seconds(session: StudySession, live: LiveSession | None) -> float:
    """Credited seconds the session's row does not hold yet."""
    deferred = live.header.get("deferred") if live else None
    if not deferred or _written(session, float(deferred["at"])):
        return 0.0
    return float(deferred["seconds"])


def _written(session: StudySession, stamp: float) -> bool:
    return session.deferred_credit_stamp is not None and session.deferred_credit_stamp >= stamp


def write_deferred(service, session: StudySession, live: LiveSession | None) -> bool:
    """Write the session's deferred credit, if any, in the caller's transaction (the caller
    holds the session lock, then saves ``live`` and commits). True if one was written."""
    deferred = live.header.pop("deferred", None) if live else None
    if not deferred:
        return False
    stamp = float(deferred["at"])
    if _written(session, stamp):
        return False  # written before: its live state was not saved afterwards
    delta = ledger_delta(Ledger.from_dict(deferred["ledger"]), live.fold.ledger, session.lesson_id)
    at = datetime.fromtimestamp(stamp, UTC)
    service.write_delta(session, live.fold, delta, at)
    session.deferred_credit_stamp = stamp
    if session.last_heartbeat_at is None or session.last_heartbeat_at.timestamp() < stamp:
        session.last_heartbeat_at = at
    return True


def write_credits() -> int:
    """Write the credits heartbeats left (the ``study.write_credits`` job); how many."""
    from skilltrace.study.wiring import study_service

    service = study_service()
    return step_due(
        service, CREDITS_DUE_KEY, WRITER_KEY, lambda session_id: write_one(service, session_id)
    )


def write_one(service, session_id: int) -> int:
    """Write one session's deferred credit (the caller holds its lock); 1 if written."""
    c = service.c
    session = c.db.get(StudySession, session_id, populate_existing=True)
    live = service.live.load(session_id)
    if session is None or session.state == SessionState.ENDED or live is None:
        return 0
    if not live.header.get("deferred"):
        return 0
    written = write_deferred(service, session, live)  # False: written before, now dropped
    service.save(session, live)
    c.db.commit()
    return int(written)


def register(jobs: dict, config) -> None:
    every = float(config["FACE_CHECK_ISSUE_EVERY_S"])
    if every > 0:
        jobs["study.write_credits"] = (write_credits, every)
