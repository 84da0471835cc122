"""Supervised study sessions: start, heartbeats, end. Face checks are in ``checks.py``.

The server decides everything on its own clock: when checks are due (uniformly random in
``[FACE_CHECK_MIN_S, FACE_CHECK_MAX_S]`` after each passed check, never announced), which
wall time between heartbeats counts, and which stretches are credited (only those closed by a
passed check). Every decision is appended to the learner's trace in the same transaction as
the ledger change it explains.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from skilltrace.clock import SystemClock
from skilltrace.errors import DomainError
from skilltrace.state import LiveState, LockBusy, held_lock
from skilltrace.study.challenges import choose_challenge, default_check_mode
from skilltrace.study.crediting import CreditingRules
from skilltrace.study.deferred import unwritten_seconds, write_deferred
from skilltrace.study.due import JobMarks
from skilltrace.study.live import LiveSession, LiveStore, OpenCheck, RecentWrites
from skilltrace.study.models import CheckKind, CheckStatus, FaceCheck, SessionState, StudySession
from skilltrace.study.projection import apply_delta, ledger_delta
from skilltrace.study.replay import StudyState, step
from skilltrace.traces.services import TraceLog

_random = secrets.SystemRandom()
LOOK_UP = object()  # "the open check is not known: query it"


class FaceVerifier(Protocol):
    """Contract A: ``skilltrace.faces.checking.verify_check`` (writes nothing)."""

    def __call__(self, learner_id: int, frames: list[bytes], challenge: str | None) -> Any: ...


@dataclass(frozen=True)
class StudyCollaborators:
    """What the study services need, passed in (see ``study.wiring``)."""

    db: Session
    state: LiveState
    trace: TraceLog
    clock: SystemClock
    rules: CreditingRules
    config: dict
    access: Any  # callable(learner, lesson_id, today) -> StudyAccess; raises DomainError
    template_of: Any  # callable(learner_id) -> template or None
    verify_check: FaceVerifier  # (learner_id, frames, challenge) -> CheckVerdict
    remember_frames: Any  # callable(learner_id, check_id, verdict): adds to the DB session
    store_snapshot: Any  # callable(learner_id, jpeg_bytes) -> snapshot with .id
    check_mode: Any = default_check_mode  # callable(learner_id, class_id, now) -> str
    recent: RecentWrites | None = None  # this process's last live-state writes


class StudyService:
    """Starts, advances and ends study sessions."""

    def __init__(self, c: StudyCollaborators):
        self.c = c
        self.live = LiveStore(c.state, c.config["STUDY_SESSION_TTL_S"], c.recent)
        self.marks = JobMarks()  # what this process read of the jobs' marks

    # -- session steps (also used by checks, heartbeats, the face worker and the jobs) -----
    def locked(self, key: str):
        """The session's (or learner's) lock; a busy one is a 409 ``busy``."""
        return _Locked(self.c.state, key)

    def own_session(self, learner, session_id: int) -> StudySession:
        session = self.c.db.get(StudySession, session_id)
        if session is None or session.learner_id != learner.id:
            raise DomainError("session_not_found", _l("No such study session."), status=404)
        return session

    def _last_beat(self, session: StudySession, live: LiveSession | None) -> datetime | None:
        stamp = (live.header.get("last_beat_at") if live else None) or 0
        stored = session.last_heartbeat_at
        if stored is not None and stored.timestamp() >= stamp:
            return stored
        return datetime.fromtimestamp(stamp, UTC) if stamp else stored

    def load_live(self, session: StudySession) -> LiveSession:
        """The session's live state; a session whose live state expired is ended."""
        live = self.live.load(session.id)
        if live is None:
            self.finish(session, None, "expired")
            self.c.db.commit()
            raise DomainError(
                "session_expired",
                _l("This study session expired. Start the lesson again."),
                status=409,
            )
        return live

    def apply(self, session: StudySession, live: LiveSession, event: dict, at: datetime):
        """Fold one event; write what it caused to the trace and the ledger (a credit left
        to the job is written first)."""
        write_deferred(self, session, live)
        before = live.fold
        result = step(
            before, {**event, "at": at.timestamp(), "session_id": session.id}, self.c.rules
        )
        live.fold = result.state
        trace = self.c.trace
        if result.anomalies:
            trace.append(
                session.learner_id,
                "heartbeat_anomaly",
                {"codes": list(result.anomalies), **_player_fields(event)},
                session_id=session.id,
                at=at,
            )
        for voided in result.voided:
            trace.append(
                session.learner_id,
                "stretch_voided",
                {
                    "lesson_id": voided.lesson_id,
                    "reason": voided.reason,
                    "seconds": voided.seconds,
                    "opened_at": voided.opened_at,
                    "closed_at": voided.closed_at,
                },
                session_id=session.id,
                at=at,
            )
        delta = ledger_delta(before.ledger, result.state.ledger, session.lesson_id)
        self.write_delta(session, result.state, delta, at)
        return result

    def write_delta(self, session: StudySession, fold: StudyState, delta, at: datetime) -> None:
        """Write a ledger delta of the session to the tables and the trace, and its seconds
        to the session row."""
        info = fold.ledger.lessons[session.lesson_id]
        apply_delta(
            self.c.db,
            self.c.trace,
            session.learner_id,
            session.id,
            session.course_id,
            info.duration_s,
            delta,
            at,
        )
        session.credited_seconds += delta.seconds

    def issue_check(
        self, session: StudySession, live: LiveSession, kind: str, now: datetime, notice_s=0.0
    ):
        """Open a face check (nonce in the live state, challenge chosen here); ``notice_s``
        more to answer it when the learner hears of it only at the next heartbeat."""
        nonce = secrets.token_urlsafe(24)
        mode = self.c.check_mode(session.learner_id, session.class_id, now)
        check = FaceCheck(
            challenge=choose_challenge(self.c.config["FACE_CHALLENGE"], mode),
            session_id=session.id,
            learner_id=session.learner_id,
            kind=kind,
            nonce_hash=nonce_hash(nonce),
            issued_at=now,
            deadline_at=now + timedelta(seconds=self.c.config["FACE_CHECK_WINDOW_S"] + notice_s),
        )
        self.c.db.add(check)
        self.c.db.flush()
        live.nonce = nonce
        self.c.trace.append(
            session.learner_id,
            "check_issued",
            {
                "check_id": check.id,
                "kind": kind,
                "deadline": check.deadline_at,
                "challenge": check.challenge,
            },
            session_id=session.id,
            at=now,
        )
        return check

    def save(self, session: StudySession, live: LiveSession, check=LOOK_UP) -> None:
        """Store the live state with its header rewritten from the rows (``check``: the
        session's open check or None when the caller knows it, saving a query)."""
        if session.state == SessionState.ENDED:
            self.live.drop(session.id)
            return
        check = OpenCheck.of(self.open_check(session) if check is LOOK_UP else check)
        last = session.last_heartbeat_at
        live.header.update(
            learner_id=session.learner_id,
            state=session.state,
            credited_seconds=session.credited_seconds + unwritten_seconds(session, live),
            check=check.to_header() if check else None,
            last_beat_at=max(live.header.get("last_beat_at") or 0, last.timestamp() if last else 0)
            or None,
        )
        self.live.save(session.id, live)

    def open_check(self, session: StudySession) -> FaceCheck | None:
        return self.c.db.scalar(
            select(FaceCheck).where(
                FaceCheck.session_id == session.id, FaceCheck.status == CheckStatus.OPEN
            )
        )

    def schedule_next_check(self, session: StudySession, live: LiveSession, now: datetime):
        """Draw the next random check's time (kept on the server; see ``study.issuing``)."""
        low, high = self.c.config["FACE_CHECK_MIN_S"], self.c.config["FACE_CHECK_MAX_S"]
        live.next_check_at = now.timestamp() + _random.uniform(low, high)
        self.live.schedule_check(session.id, live.next_check_at)

    def finish(self, session: StudySession, live: LiveSession | None, reason: str, at=None):
        """End a session: an open stretch without a closing check is voided."""
        at = at or self._last_beat(session, live) or self.c.clock.now()
        if live is not None:
            self.apply(session, live, {"type": "session_ended"}, at)
        for check in self.c.db.scalars(
            select(FaceCheck).where(
                FaceCheck.session_id == session.id, FaceCheck.status == CheckStatus.OPEN
            )
        ):
            check.status, check.decided_at = CheckStatus.CANCELLED, at
        session.state, session.ended_at, session.end_reason = SessionState.ENDED, at, reason
        self.c.trace.append(
            session.learner_id,
            "session_ended",
            {"reason": reason, "credited_seconds": session.credited_seconds},
            session_id=session.id,
            at=at,
        )
        self.live.drop(session.id)
        self.live.release(session.learner_id, session.id)
        self.live.unschedule_check(session.id)

    # -- start ----------------------------------------------------------------------------
    def start(self, learner, lesson_id: int, take_over: bool = False, client_info: str = ""):
        """Open a session on a lesson the learner may study now; returns it, the sign-in check
        and its nonce. A second session is refused (``session_active``) unless ``take_over``
        (see :func:`skilltrace.study.starting.start_session`)."""
        from skilltrace.study.starting import start_session

        return start_session(self, learner, lesson_id, take_over, client_info)

    def expire_overdue_check(
        self, session: StudySession, live: LiveSession, now: datetime, check=LOOK_UP
    ) -> FaceCheck | None:
        """Miss the open check if its deadline passed, unless an answer sent in time is still
        being verified (its verdict decides). The check still open afterwards, or None
        (``check``: the open check when the caller knows it, saving a query)."""
        check = self.open_check(session) if check is LOOK_UP else check
        if check is None or now <= check.deadline_at or self.awaits_verdict(check, now):
            return check
        write_deferred(self, session, live)  # before the miss, in the trace too
        check.status, check.decided_at, check.reason = CheckStatus.MISSED, now, "deadline_passed"
        self.c.trace.append(
            session.learner_id,
            "check_missed",
            {"check_id": check.id, "kind": check.kind},
            session_id=session.id,
            at=now,
        )
        self.apply(session, live, {"type": "check_missed"}, check.deadline_at)
        live.nonce = None
        session.state = SessionState.SUSPENDED
        return None

    def awaits_verdict(self, check: FaceCheck, now: datetime) -> bool:
        """Whether an answer to ``check`` is pending and not yet given up (see ``checks``)."""
        from skilltrace.study.checks import live_pending_attempt

        return live_pending_attempt(self, check, now) is not None

    def check_access(self, learner, session, live, now) -> None:
        """The class must still be open and its provider in good standing."""
        try:
            self.c.access(learner, session.lesson_id, now)
        except DomainError:
            self.finish(session, live, "not_allowed", at=now)
            self.c.db.commit()
            raise

    # -- end ------------------------------------------------------------------------------
    def end(self, learner, session_id: int, abandon: bool = False):
        """End a session. Time since the last passed check is credited only through a
        closing check: the first call opens one (state ``closing``) unless nothing is
        pending or ``abandon`` is set."""
        with self.locked(f"study:session:{session_id}"):
            session = self.own_session(learner, session_id)
            require_running(session)
            live = self.load_live(session)
            now = self.c.clock.now()
            self.expire_overdue_check(session, live, now)
            pending = live.fold.session is not None and live.fold.session.stretch is not None
            if pending and not abandon and session.state != SessionState.CLOSING:
                check = self.open_check(session) or self.issue_check(
                    session, live, CheckKind.CLOSING, now
                )
                session.state = SessionState.CLOSING
                self.save(session, live)
                self.c.db.commit()
                return session, check, live
            self.finish(session, live, "ended_by_learner", at=now)
            self.c.db.commit()
            return session, None, live


class _Locked:
    """Context manager turning a busy lock into a clear 409."""

    def __init__(self, state, key):
        self.cm = held_lock(state, key)

    def __enter__(self):
        try:
            return self.cm.__enter__()
        except LockBusy:
            raise DomainError(
                "busy", _l("Another request of this session is running. Try again."), status=409
            ) from None

    def __exit__(self, *exc):
        return self.cm.__exit__(*exc)


def require_running(session: StudySession) -> None:
    if session.state == SessionState.ENDED:
        raise DomainError("session_ended", _l("This study session has ended."), status=409)


def _player_fields(event: dict) -> dict:
    return {k: event[k] for k in ("position", "playing", "playback_rate", "visible") if k in event}


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()
