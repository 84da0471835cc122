"""The crediting fold: one learner's study events in, the attested :class:`Ledger` out.

:func:`step` applies one event to a :class:`StudyState` and returns the new state with what the
event caused (anomalies, seconds credited, stretches voided). :func:`replay` is ``step`` folded
over a whole list, so the service calling ``step`` as events arrive (keeping the state between
requests with :meth:`StudyState.to_dict` / :meth:`StudyState.from_dict`) and
``flask study recompute`` replaying the trace end with the same ledger.

Events are plain dicts with a ``type`` and the server time ``at`` (POSIX seconds, or a datetime;
naive datetimes are taken as UTC), in server order, for one learner:

``session_started``  ``session_id``, ``lesson_id``, ``lesson_duration_s``, optional ``course_id``
``check_passed``     a face check passed (the sign-in at session start is one too)
``check_failed``     a check's final outcome is a failure (not a single retried try)
``check_missed``     the check window ran out unanswered
``heartbeat``        ``position``, ``playing``, ``playback_rate``, ``visible``
``session_paused`` / ``session_resumed``  the heartbeat chain is broken (no pair spans it)
``session_ended``    the open stretch, if any, is not credited

Every event but ``session_started`` may carry ``session_id``; one naming another session than
the open one is ignored (``session_mismatch``). A check, pause or end that also carries the four
player fields counts first as a heartbeat at the same instant. Other types are ignored, so the
whole trace can be replayed.

A check falling between two heartbeats cuts the pair at the check's time: the part before it
belongs to the stretch the check closed (credited or voided once the next heartbeat arrives),
the part after it to the stretch the check opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from skilltrace.study.crediting import (
    Anomaly,
    CreditingRules,
    Heartbeat,
    OpenStretch,
    Segment,
    close_stretch,
    cut_segment,
    evaluate_pair,
)
from skilltrace.study.ledger import (
    CreditOutcome,
    Ledger,
    LessonInfo,
    VoidedStretch,
    VoidReason,
    add_void_seconds,
    count_anomaly,
    credit_segment,
    credit_stretch,
    record_void,
    register_lesson,
)

SESSION_STARTED = "session_started"
CHECK_PASSED = "check_passed"
CHECK_FAILED = "check_failed"
CHECK_MISSED = "check_missed"
HEARTBEAT = "heartbeat"
SESSION_PAUSED = "session_paused"
SESSION_RESUMED = "session_resumed"
SESSION_ENDED = "session_ended"
CHECKS = (CHECK_PASSED, CHECK_FAILED, CHECK_MISSED)
IN_SESSION = (*CHECKS, HEARTBEAT, SESSION_PAUSED, SESSION_RESUMED, SESSION_ENDED)
PLAYER_FIELDS = ("position", "playing", "playback_rate", "visible")

# A pair spanning a check lags or is paused because the player pauses for the camera: the
# time is not credited, but it is not flagged either.
PAUSE_FOR_CHECK = (Anomaly.POSITION_STALLED, Anomaly.NOT_PLAYING)

NO_SESSION = "no_session"  # an in-session event with no session open
SESSION_MISMATCH = "session_mismatch"  # an event of another session than the open one

# What happens to the wall time just before a check, once the next heartbeat shows it.
CREDIT, VOID, DROP = "credit", "void", "drop"


class EventError(ValueError):
    """A malformed event (missing or invalid field); ``index`` is its place in a replay."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message if index is None else f"event {index}: {message}")
        self.index = index


@dataclass(frozen=True)
class Boundary:
    """A check seen since the last heartbeat, and the fate of the wall time before it."""

    at: float
    fate: str
    void_index: int | None = None


@dataclass(frozen=True)
class SessionState:
    """The open session: its stretch (None while suspended) and heartbeat chain."""

    session_id: Any
    lesson_id: Any
    stretch: OpenStretch | None = None
    last: Heartbeat | None = None
    lead_s: float = 0.0
    pending: tuple[Boundary, ...] = ()


@dataclass(frozen=True)
class StudyState:
    """Everything the fold carries: the ledger and the open session, if any."""

    ledger: Ledger = field(default_factory=Ledger)
    session: SessionState | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly form (for the live-state store between requests)."""
        return {"ledger": self.ledger.to_dict(), "session": _session_to_dict(self.session)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StudyState:
        return cls(Ledger.from_dict(data["ledger"]), _session_from_dict(data["session"]))


@dataclass(frozen=True)
class StepResult:
    """The state after one event, and what the event caused."""

    state: StudyState
    anomalies: tuple[str, ...] = ()
    credit: CreditOutcome = field(default_factory=CreditOutcome)
    voided: tuple[VoidedStretch, ...] = ()


def event_time(value: Any) -> float:
    """POSIX seconds of an event time (number or datetime; naive datetimes are UTC)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventError(f"'at' must be a number or a datetime, got {value!r}")
    return float(value)


def _heartbeat(event: Mapping[str, Any], at: float) -> Heartbeat:
    try:
        return Heartbeat(at, *(event[name] for name in PLAYER_FIELDS))
    except KeyError as exc:
        raise EventError(f"heartbeat without {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise EventError(f"invalid heartbeat: {exc}") from None


class _Step:
    """Working copy of one step (locals only: the input state is never mutated)."""

    def __init__(self, state: StudyState, rules: CreditingRules) -> None:
        self.rules = rules
        self.ledger = state.ledger
        self.session = state.session
        self.anomalies: list[str] = []
        self.credit = CreditOutcome()
        self.voided: list[VoidedStretch] = []

    def result(self) -> StepResult:
        return StepResult(
            StudyState(self.ledger, self.session),
            tuple(self.anomalies),
            self.credit,
            tuple(self.voided),
        )

    def flag(self, code: str) -> None:
        self.anomalies.append(code)
        self.ledger = count_anomaly(self.ledger, code)

    def void(self, stretch: OpenStretch, at: float, reason: str) -> int:
        assert self.session is not None
        voided = VoidedStretch(
            self.session.session_id,
            self.session.lesson_id,
            stretch.opened_at,
            at,
            reason,
            stretch.seconds,
            stretch.segments,
        )
        self.ledger, index = record_void(self.ledger, voided)
        self.voided.append(voided)
        return index

    def start(self, event: Mapping[str, Any], at: float) -> None:
        if "lesson_id" not in event:
            raise EventError("session_started without 'lesson_id'")
        duration = event.get("lesson_duration_s")
        if isinstance(duration, bool) or not isinstance(duration, int | float) or duration <= 0:
            raise EventError(f"'lesson_duration_s' must be a positive number, got {duration!r}")
        lesson_id = event["lesson_id"]
        info = LessonInfo(event.get("course_id"), float(duration))
        self.ledger = register_lesson(self.ledger, lesson_id, info)
        self.session = SessionState(event.get("session_id"), lesson_id)

    def end(self, at: float) -> None:
        assert self.session is not None
        stretch = self.session.stretch
        if stretch is not None and stretch.segments:
            self.void(stretch, at, VoidReason.UNATTESTED_END)
        self.session = None

    def heartbeat(self, beat: Heartbeat) -> None:
        session = self.session
        assert session is not None
        if session.last is None:
            self.session = replace(session, last=beat, lead_s=0.0, pending=())
            return
        stretch = session.stretch
        furthest = max(
            self.ledger.furthest_position(session.lesson_id),
            stretch.furthest_position if stretch else 0.0,
        )
        result = evaluate_pair(session.last, beat, furthest, self.rules, session.lead_s)
        if result.anomaly is not None:
            if not (session.pending and result.anomaly in PAUSE_FOR_CHECK):
                self.flag(result.anomaly)  # the player's pause for a check is no anomaly
        else:
            segment = Segment.from_pair(session.last, result)
            pending = session.pending
            pieces = cut_segment(segment, [b.at for b in pending]) if pending else [segment]
            for boundary, piece in zip(session.pending, pieces, strict=False):
                self._settle(boundary, piece, beat.at)
            if stretch is not None:
                if pieces[-1] is not None:
                    stretch = stretch.add(pieces[-1])
            elif all(piece is None for piece in pieces[:-1]):  # wholly after the suspension
                self.flag(Anomaly.SUSPENDED)
        self.session = replace(
            session, stretch=stretch, last=beat, lead_s=result.lead_s, pending=()
        )

    def _settle(self, boundary: Boundary, piece: Segment | None, at: float) -> None:
        """Credit or void the wall time just before a check, now that it is known."""
        assert self.session is not None
        if piece is None:
            return
        if boundary.fate == CREDIT:
            self.ledger, outcome = credit_segment(
                self.ledger, self.session.lesson_id, piece, at, self.rules
            )
            self.credit += outcome
        elif boundary.fate == VOID and boundary.void_index is not None:
            self.ledger = add_void_seconds(self.ledger, boundary.void_index, piece.seconds, piece)

    def check(self, at: float, kind: str) -> None:
        session = self.session
        assert session is not None
        passed = kind == CHECK_PASSED
        boundary = Boundary(at, DROP)
        if session.stretch is not None:
            closed = close_stretch(session.stretch, at, passed)
            if passed:
                self.ledger, outcome = credit_stretch(
                    self.ledger, session.lesson_id, closed, self.rules
                )
                self.credit += outcome
                boundary = Boundary(at, CREDIT)
            else:
                reason = (
                    VoidReason.CHECK_FAILED if kind == CHECK_FAILED else VoidReason.CHECK_MISSED
                )
                boundary = Boundary(at, VOID, self.void(session.stretch, at, reason))
        pending = (*session.pending, boundary) if session.last is not None else ()
        stretch = OpenStretch(at) if passed else None
        self.session = replace(session, stretch=stretch, pending=pending)

    def break_chain(self) -> None:
        assert self.session is not None
        self.session = replace(self.session, last=None, lead_s=0.0, pending=())


def step(state: StudyState, event: Mapping[str, Any], rules: CreditingRules) -> StepResult:
    """Apply one event (see the module docstring for the shapes) to ``state``."""
    kind = event.get("type")
    if kind != SESSION_STARTED and kind not in IN_SESSION:
        return StepResult(state)
    if "at" not in event:
        raise EventError(f"{kind} without 'at'")
    at = event_time(event["at"])
    work = _Step(state, rules)
    if kind == SESSION_STARTED:
        if work.session is not None:
            work.end(at)
        work.start(event, at)
        return work.result()
    session = work.session
    if session is None:
        work.flag(NO_SESSION)
        return work.result()
    sid = event.get("session_id")
    if sid is not None and session.session_id is not None and sid != session.session_id:
        work.flag(SESSION_MISMATCH)
        return work.result()
    if kind == HEARTBEAT or all(name in event for name in PLAYER_FIELDS):
        work.heartbeat(_heartbeat(event, at))
    if kind in CHECKS:
        work.check(at, kind)
    elif kind in (SESSION_PAUSED, SESSION_RESUMED):
        work.break_chain()
    elif kind == SESSION_ENDED:
        work.end(at)
    return work.result()


def fold(
    events: Iterable[Mapping[str, Any]],
    rules: CreditingRules | None = None,
    state: StudyState | None = None,
) -> StudyState:
    """``step`` over every event, from ``state`` (default: empty); returns the final state."""
    rules = rules or CreditingRules()
    state = state or StudyState()
    for index, event in enumerate(events):
        try:
            state = step(state, event, rules).state
        except EventError as exc:
            raise EventError(str(exc), index) from None
    return state


def replay(events: Iterable[Mapping[str, Any]], rules: CreditingRules | None = None) -> Ledger:
    """The ledger of a learner's whole event list (an open session's stretch is not in it)."""
    return fold(events, rules).ledger


# -- serialisation of the session part ------------------------------------------------------


def _session_to_dict(session: SessionState | None) -> dict[str, Any] | None:
    if session is None:
        return None
    stretch = session.stretch
    last = session.last
    return {
        "session_id": session.session_id,
        "lesson_id": session.lesson_id,
        "stretch": None
        if stretch is None
        else [
            stretch.opened_at,
            [[s.start, s.end, s.video_from, s.video_to] for s in stretch.segments],
        ],
        "last": None
        if last is None
        else [last.at, last.position, last.playing, last.playback_rate, last.visible],
        "lead_s": session.lead_s,
        "pending": [[b.at, b.fate, b.void_index] for b in session.pending],
    }


def _session_from_dict(data: Mapping[str, Any] | None) -> SessionState | None:
    if data is None:
        return None
    stretch = data["stretch"]
    return SessionState(
        data["session_id"],
        data["lesson_id"],
        None
        if stretch is None
        else OpenStretch(stretch[0], tuple(Segment(*s) for s in stretch[1])),
        None if data["last"] is None else Heartbeat(*data["last"]),
        data["lead_s"],
        tuple(Boundary(*b) for b in data["pending"]),
    )
