"""Player heartbeats: a quiet one is folded in the state store alone, anything else goes
through the database and the trace (see ``LiveSession.header``)."""

from __future__ import annotations

from datetime import datetime

from skilltrace.sessions import require_guard
from skilltrace.study.access import access_checked_at
from skilltrace.study.deferred import announce, defer, deferred_at
from skilltrace.study.issuing import waits_for_job
from skilltrace.study.live import HeartbeatResult, LiveSession, OpenCheck
from skilltrace.study.models import CheckKind, SessionState
from skilltrace.study.replay import step
from skilltrace.study.services import StudyService, require_running

RUNNING_STATES = frozenset(
    {
        SessionState.SIGNING_IN,
        SessionState.ACTIVE,
        SessionState.CHECKING,
        SessionState.SUSPENDED,
        SessionState.CLOSING,
    }
)
NOT_READ = object()  # a lock-free try that did not read the store (nothing was tried against it)


def record_heartbeat(
    service: StudyService, learner, session_id: int, beat: dict
) -> HeartbeatResult:
    """Record a player heartbeat; the result may carry a face check to answer now.

    A quiet heartbeat (nothing voided or anomalous, nothing credited unless the credit is
    left to a job (``study.deferred``), no check due or overdue, access re-checked recently)
    is folded in the state store alone and without the session lock: into what this worker
    last wrote for the session (one round trip), else into what the store holds (two: a
    failed save returns it, or it is read), saved only if the store still holds what was
    folded. Anything else, or a race, goes through the locked path, the database and the
    trace.

    A light identity whose session generation is still to be checked (``learner.guard``)
    has it checked in the lock-free save's round trip, else before anything is answered.
    """
    now = service.c.clock.now()
    guard = getattr(learner, "guard", None)
    result = quiet_heartbeat(service, learner, session_id, beat, now)
    if result is not None:
        return result
    if guard is not None:
        require_guard(guard)
    with service.locked(f"study:session:{session_id}"):
        live = service.live.load(session_id)
        if _owned(live, learner):
            if _too_soon(service, live, now):
                return _unchanged(session_id, live)
            quiet = _fold_quietly(service, session_id, live, beat, now)
            if quiet is not None:
                service.live.save(session_id, live)
                if deferred_at(live, now.timestamp()):
                    announce(service, session_id, now.timestamp())
                if not service.live.touch(learner.id, session_id):
                    service.live.claim(learner.id, session_id)
                return quiet
        return _with_rows(service, learner, session_id, beat, now, live)


def quiet_heartbeat(
    service: StudyService, learner, session_id: int, beat: dict, now: datetime | None = None
) -> HeartbeatResult | None:
    """The heartbeat folded and saved lock-free if it is quiet (see :func:`record_heartbeat`),
    else None, having written nothing. Raises the guard's error if the session has ended."""
    now = now or service.c.clock.now()
    guard = getattr(learner, "guard", None)
    remembered = service.live.last_written(session_id)
    stored = NOT_READ
    if remembered is not None:
        result, stored = _lock_free(service, learner, session_id, beat, now, *remembered, guard)
        if result is not None:
            return result
    if stored is NOT_READ:
        seen, live = service.live.read(session_id)
    else:  # the failed save read the store in its own step: no second round trip
        seen, live = stored, service.live.parsed(stored)
    return _lock_free(service, learner, session_id, beat, now, seen, live, guard, fresh=True)[0]


def _lock_free(service, learner, session_id, beat, now, seen, live, guard, *, fresh=False):
    """The quiet heartbeat folded into ``live`` (read as ``seen``) and saved, ``guard``
    checked in the same step, and NOT_READ; or None if it is not quiet, with what the store
    held when the save failed (else NOT_READ). A too-soon beat is answered from ``live`` only
    if it was just read from the store (``fresh``), since the answer shows the open check."""
    if not _owned(live, learner):
        return None, NOT_READ
    if _too_soon(service, live, now):
        if not fresh:
            return None, NOT_READ
        if guard is not None:
            require_guard(guard)
        return _unchanged(session_id, live), NOT_READ
    quiet = _fold_quietly(service, session_id, live, beat, now)
    if quiet is None:
        return None, NOT_READ
    saved = service.live.save_if_unchanged(session_id, seen, live, guard)
    if not saved:
        return None, saved.current
    if deferred_at(live, now.timestamp()):
        announce(service, session_id, now.timestamp())
    return quiet, NOT_READ


def _owned(live: LiveSession | None, learner) -> bool:
    return live is not None and live.header.get("learner_id") == learner.id


def _too_soon(service: StudyService, live: LiveSession, now: datetime) -> bool:
    """Closer than HEARTBEAT_MIN_SHARE x HEARTBEAT_S to the last folded one: answered, not
    folded (a script flooding heartbeats gains nothing and cannot grow the session's state)."""
    last = live.header.get("last_beat_at")
    config = service.c.config
    return (
        bool(last)
        and now.timestamp() - last < config["HEARTBEAT_MIN_SHARE"] * config["HEARTBEAT_S"]
    )


def _unchanged(session_id: int, live: LiveSession) -> HeartbeatResult:
    header = live.header
    check = OpenCheck.from_header(header.get("check"))
    return HeartbeatResult(session_id, header["state"], header["credited_seconds"], check, live)


def _fold_quietly(
    service: StudyService, session_id: int, live: LiveSession, beat: dict, now: datetime
) -> HeartbeatResult | None:
    """Fold the heartbeat into ``live`` (not saved) if it changes nothing durable; else None,
    leaving ``live`` as it was."""
    header, stamp = live.header, now.timestamp()
    check = OpenCheck.from_header(header.get("check"))
    if header.get("state") not in RUNNING_STATES:
        return None
    access_at = access_checked_at(service, header, stamp)
    if (
        stamp - access_at >= service.c.config["STUDY_ACCESS_RECHECK_S"]
        or (check is not None and now > check.deadline_at)
        or (check is None and header["state"] == SessionState.SUSPENDED)
        or (
            check is None
            and header["state"] == SessionState.ACTIVE
            and live.next_check_at is not None
            and stamp >= live.next_check_at
            and not waits_for_job(service, live, stamp)
        )
    ):
        return None
    event = {"type": "heartbeat", **beat, "at": stamp, "session_id": session_id}
    result = step(live.fold, event, service.c.rules)
    if result.anomalies or result.voided:
        return None
    before = live.fold
    live.fold = result.state
    if result.state.ledger is not before.ledger and not defer(
        service, session_id, live, before.ledger, stamp
    ):
        live.fold = before  # a credit to write now: through the database
        return None
    header["last_beat_at"], header["access_at"] = stamp, access_at
    return HeartbeatResult(session_id, header["state"], header["credited_seconds"], check, live)


def _with_rows(service: StudyService, learner, session_id: int, beat: dict, now: datetime, live):
    """The heartbeat through the database: checks, crediting, the trace. ``live`` is the
    live state just read under the session lock (None: expired). The open check is looked up
    once and the account loaded only for an access re-check (each query here is paid by one
    heartbeat in every few dozen, the slowest ones)."""
    session = service.own_session(learner, session_id)
    if session.state == SessionState.ENDED and session.end_reason == "not_allowed":
        service.c.access(_user(service, learner), session.lesson_id, now)  # says why
    require_running(session)
    live = live if live is not None else service.load_live(session)
    stamp = now.timestamp()
    access_at = access_checked_at(service, live.header, stamp)
    if stamp - access_at >= service.c.config["STUDY_ACCESS_RECHECK_S"]:
        service.check_access(_user(service, learner), session, live, now)
        access_at = stamp
    live.header["access_at"] = access_at
    check = service.expire_overdue_check(session, live, now, service.open_check(session))
    service.apply(session, live, {"type": "heartbeat", **beat}, now)
    session.last_heartbeat_at = now
    if check is None and session.state == SessionState.SUSPENDED:
        check = service.issue_check(session, live, CheckKind.RESUME, now)
    elif (
        check is None
        and session.state == SessionState.ACTIVE
        and live.next_check_at is not None
        and stamp >= live.next_check_at
    ):
        session.state = SessionState.CHECKING  # before the check's insert: one UPDATE
        check = service.issue_check(session, live, CheckKind.RANDOM, now)
    service.save(session, live, check)
    if not service.live.touch(learner.id, session.id):
        service.live.claim(learner.id, session.id)
    result = HeartbeatResult(
        session.id, session.state, session.credited_seconds, OpenCheck.of(check), live
    )
    service.c.db.commit()
    return result


def _user(service: StudyService, learner):
    """The full account (a light session identity carries only id and role)."""
    from skilltrace.identity.models import User

    return learner if isinstance(learner, User) else service.c.db.get(User, learner.id)
