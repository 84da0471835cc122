"""Study endpoints: sessions, heartbeats, face-check answers, the learner's ledger."""

from __future__ import annotations

import math

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l

from skilltrace.api.frame import api_auth, api_blueprint, json_body
from skilltrace.api.openapi import responses
from skilltrace.errors import DomainError
from skilltrace.identity.models import Role
from skilltrace.study.attempts import answer_json, attempt_of, wait_for_verdict
from skilltrace.study.challenges import burst_plan
from skilltrace.study.checks import accept_answer
from skilltrace.study.coverage import LessonCoverage
from skilltrace.study.heartbeats import record_heartbeat
from skilltrace.study.reports import learner_ledger
from skilltrace.study.wiring import study_service

bp = api_blueprint("study_api", __name__, session_only=True)

START_SCHEMA = {
    "required": ["lesson_id"],
    "properties": {
        "lesson_id": {"type": "integer"},
        "take_over": {"type": "boolean", "description": "End my session elsewhere"},
    },
}
HEARTBEAT_SCHEMA = {
    "required": ["position", "playing", "playback_rate", "visible"],
    "properties": {
        "position": {"type": "number", "description": "Video position, seconds"},
        "playing": {"type": "boolean"},
        "playback_rate": {"type": "number"},
        "visible": {"type": "boolean", "description": "Page visible (Page Visibility API)"},
    },
}
END_SCHEMA = {"properties": {"abandon": {"type": "boolean"}}}


def check_json(check, nonce: str | None, now) -> dict | None:
    """A challenge as the client sees it: no schedule, only what to answer and by when."""
    if check is None or nonce is None:
        return None
    config = current_app.config
    return {
        "id": check.id,
        "kind": check.kind,
        "nonce": nonce,
        "deadline": check.deadline_at.isoformat(),
        "seconds_left": max(0, math.floor((check.deadline_at - now).total_seconds())),
        **burst_plan(check.challenge),
        "tries_left": max(0, config["FACE_CHECK_MAX_TRIES"] - check.tries),
    }


def session_json(service, session, live) -> dict:
    return progress_json(session.id, session.state, session.credited_seconds, live)


def progress_json(session_id: int, state: str, credited_seconds: float, live) -> dict:
    lesson = None
    if live is not None:
        ledger = live.fold.ledger
        lesson_id = live.fold.session.lesson_id if live.fold.session else None
        lesson_id = lesson_id if lesson_id is not None else next(iter(ledger.lessons), None)
        # A heartbeat touches no database: the session's fold of the ledger, which every
        # credit updates together with the ledger table (see skilltrace.study.coverage).
        lesson = {
            **LessonCoverage.of_ledger(ledger, lesson_id).as_json(),
            "furthest_position": round(ledger.furthest_position(lesson_id), 1),
        }
    return {
        "session_id": session_id,
        "state": state,
        "credited_seconds": round(credited_seconds, 1),
        "pending_seconds": pending_seconds(live),
        "lesson": lesson,
    }


def pending_seconds(live) -> float:
    """Watched since the last passed check: credited only if the next check passes."""
    open_session = live.fold.session if live is not None else None
    stretch = open_session.stretch if open_session is not None else None
    return round(stretch.seconds, 1) if stretch is not None else 0.0


def _in_range(body: dict, name: str, low: float, high: float) -> None:
    if not (math.isfinite(body[name]) and low <= body[name] <= high):
        raise DomainError("field_range", _l("This value is out of range."), field=name)


@bp.post("/study/sessions")
@api_auth(Role.LEARNER)
@json_body(START_SCHEMA)
@responses(
    {
        201: "Session opened; answer the sign-in check before the video plays",
        403: "Not in a class open for this lesson",
        409: "session_active / face_not_enrolled / provider_suspended",
    }
)
def start_session(body: dict):
    """Start studying a lesson (one active session per learner)."""
    service = study_service()
    session, check, nonce = service.start(
        g.api_user,
        body["lesson_id"],
        bool(body.get("take_over")),
        f"{request.remote_addr or '-'} {request.headers.get('User-Agent', '')}",
    )
    now = service.c.clock.now()
    return {
        **session_json(service, session, service.live.load(session.id)),
        "check": check_json(check, nonce, now),
    }, 201


@bp.post("/study/sessions/<int:session_id>/heartbeats")
@api_auth(Role.LEARNER, deferred=True)
@json_body(HEARTBEAT_SCHEMA)
@responses({200: "State, credited seconds and the open check, if any", 409: "Session ended"})
def heartbeat(session_id: int, body: dict):
    """Report the player's state; the answer may carry a face check to answer now.

    (A quiet heartbeat is usually answered before this view: see ``study.quiet_path``.)"""
    service = study_service()
    result = record_heartbeat(service, g.api_user, session_id, beat_of(body))
    return heartbeat_json(service, result)


def beat_of(body: dict) -> dict:
    """The heartbeat in a schema-checked body; a DomainError if a value is out of range."""
    _in_range(body, "position", 0, 24 * 3600)
    _in_range(body, "playback_rate", 0, 16)
    return {k: body[k] for k in ("position", "playing", "playback_rate", "visible")}


def heartbeat_json(service, result) -> dict:
    """The answer to a heartbeat."""
    return {
        **progress_json(result.session_id, result.state, result.credited_seconds, result.live),
        "check": check_json(result.check, result.live.nonce, service.c.clock.now()),
    }


@bp.post("/study/sessions/<int:session_id>/checks/<int:check_id>")
@api_auth(Role.LEARNER)
@responses(
    {
        200: "Verdict",
        202: "Accepted; poll the URL in ``poll`` for the verdict",
        403: "Wrong nonce",
        409: "Check closed / an earlier answer is still being verified",
        410: "Check expired",
        422: "No frames",
    },
    multipart={
        "required": ["nonce", "frames"],
        "properties": {
            "nonce": {"type": "string"},
            "frames": {"type": "array", "items": {"type": "string", "format": "binary"}},
        },
    },
)
def answer(session_id: int, check_id: int):
    """Answer a face check with a burst of camera frames (multipart ``frames``)."""
    from skilltrace.tasks import enqueue_check

    files = request.files.getlist("frames")
    frames = [f.read() for f in files]
    service = study_service()
    attempt = accept_answer(
        service, g.api_user, session_id, check_id, request.form.get("nonce", ""), frames
    )
    enqueue_check(attempt.id)
    config = current_app.config
    wait_for_verdict(
        service,
        attempt.id,
        config["FACE_CHECK_ANSWER_WAIT_S"],
        config["FACE_CHECK_WAITING_ANSWERS"],
    )
    return answer_json(service, attempt_of(service, g.api_user, session_id, check_id, attempt.id))


@bp.get("/study/sessions/<int:session_id>/checks/<int:check_id>/attempts/<int:attempt_id>")
@api_auth(Role.LEARNER, light=True)
@responses({200: "Verdict", 202: "Still being verified; poll again", 404: "No such answer"})
def answer_result(session_id: int, check_id: int, attempt_id: int):
    """The verdict on an answer to a face check (202 while a face worker verifies it)."""
    service = study_service()
    return answer_json(service, attempt_of(service, g.api_user, session_id, check_id, attempt_id))


@bp.post("/study/sessions/<int:session_id>/end")
@api_auth(Role.LEARNER)
@json_body(END_SCHEMA)
@responses({200: "Ended, or a closing check to answer first"})
def end_session(session_id: int, body: dict):
    """End the session; time since the last check counts only after a closing check."""
    service = study_service()
    session, check, live = service.end(g.api_user, session_id, bool(body.get("abandon")))
    return {
        **session_json(service, session, live),
        "check": check_json(check, live.nonce if live else None, service.c.clock.now()),
    }


@bp.get("/me/ledger")
@api_auth(Role.LEARNER)
def my_ledger():
    """My attested learning: credited time and 学时 per course, coverage per lesson."""
    return learner_ledger(g.api_user.id)
