"""Quiet heartbeats answered before Flask's request dispatch.

Heartbeats are most of the platform's requests (one every ``HEARTBEAT_S`` per learner) and
most of them are quiet: folded into the live state in one round trip to the state store. For
such a request Flask's dispatch (request context, routing, hooks, the response object) costs
more than the heartbeat's own work. This WSGI middleware answers it with the functions the
Flask view uses, but only when everything the view would check is already known to pass:

- ``POST /api/v1/study/sessions/<id>/heartbeats``, a JSON body of plain printable ASCII of at
  most ``MAX_BODY`` bytes, no query string, no ``Authorization`` header;
- a session cookie this process has verified (signature and age: ``sessions.known``) of a
  learner, with a session generation, and the session's CSRF token in ``X-CSRFToken``
  (``sessions.csrf_known``);
- a body valid for the view's schema and ranges;
- a heartbeat that folds quietly and whose lock-free save, which checks the session
  generation in the same step, succeeds (``heartbeats.quiet_heartbeat``).

Anything else, or any doubt, goes to Flask unchanged, with the body already read: Flask
answers as always, including every refusal, and nothing was written. The answer carries the
headers the app's after-request hooks (flask-talisman's security headers) give a heartbeat
answer, made once per scheme by those hooks themselves, plus ``Vary: Cookie``. The app's
before- and after-request hooks do not run for a quiet heartbeat: a hook that must see every
request (not only add headers) needs this path turned off (``HEARTBEAT_QUIET_PATH``).
"""

from __future__ import annotations

import io
import re
import threading
import time

from flask import Flask
from werkzeug.http import parse_cookie

from skilltrace.api.frame import PLAIN_JSON, SessionIdentity, check_body, strict_schema
from skilltrace.errors import DomainError
from skilltrace.identity.models import Role
from skilltrace.sessions import SessionEnded, csrf_known, guard_of

PATH = re.compile(r"/api/v1/study/sessions/([1-9][0-9]{0,9})/heartbeats")
MAX_BODY = 512  # a heartbeat body is about 80 bytes
UNCHANGED = ("Content-Type", "Content-Length", "Vary", "Set-Cookie")


class QuietHeartbeats:
    """WSGI middleware in front of the app's ``wsgi_app`` (see the module docstring)."""

    def __init__(self, app: Flask, wsgi_app):
        from skilltrace.study.api import HEARTBEAT_SCHEMA

        self.app, self.wsgi_app = app, wsgi_app
        self.schema = strict_schema(HEARTBEAT_SCHEMA)
        self._headers: dict[bool, list[tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        session_id = self._session_id(environ)
        if session_id is not None:
            body = _read_body(environ)
            answer = self._answer(environ, session_id, body) if body is not None else None
            if answer is not None:
                data = _json_bytes(self.app, answer)
                headers = [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(data))),
                    *self._hook_headers(_secure(environ)),
                    ("Vary", "Cookie"),
                ]
                environ["skilltrace.quiet_heartbeat"] = True
                start_response("200 OK", headers)
                return [data]
        return self.wsgi_app(environ, start_response)

    def _session_id(self, environ) -> int | None:
        """The session id if the request has a quiet heartbeat's shape, else None."""
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or environ.get("QUERY_STRING")
            or "HTTP_AUTHORIZATION" in environ
            or environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
            != "application/json"
            or not self.app.config["HEARTBEAT_QUIET_PATH"]
        ):
            return None
        match = PATH.fullmatch(environ.get("PATH_INFO", ""))
        return int(match[1]) if match else None

    def _answer(self, environ, session_id: int, body: bytes) -> dict | None:
        """The heartbeat's answer if it was folded quietly here, else None (nothing written)."""
        app = self.app
        if not PLAIN_JSON.fullmatch(body):
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE"))
        data = app.session_interface.known(app, cookies.get(app.config["SESSION_COOKIE_NAME"]))
        if (
            data is None
            or data.get("role") != Role.LEARNER
            or data.get("_user_id") is None
            or "_remember" in data  # Flask-Login's hook would still set a cookie
            or not csrf_known(app, environ.get("HTTP_X_CSRFTOKEN", ""), data)
        ):
            return None
        user_id = int(data["_user_id"])
        guard = guard_of(user_id, data)
        if guard is None:
            return None
        try:
            beat = app.json.loads(body)
        except ValueError:
            return None
        if type(beat) is not dict:
            return None
        from skilltrace.study.api import beat_of, heartbeat_json
        from skilltrace.study.heartbeats import quiet_heartbeat
        from skilltrace.study.wiring import study_service

        with app.app_context():
            try:
                check_body(self.schema, beat)
                beat = beat_of(beat)
                service = study_service()
                learner = SessionIdentity(user_id, Role.LEARNER, guard)
                result = quiet_heartbeat(service, learner, session_id, beat)
            except (DomainError, SessionEnded):
                return None  # Flask refuses it, with its code and message
            return None if result is None else heartbeat_json(service, result)

    def _hook_headers(self, secure: bool) -> list[tuple[str, str]]:
        """The headers the app's after-request hooks add to a heartbeat's answer."""
        headers = self._headers.get(secure)
        if headers is None:
            with (
                self._lock,
                self.app.test_request_context(
                    "/api/v1/study/sessions/1/heartbeats",
                    method="POST",
                    base_url="https://localhost" if secure else "http://localhost",
                ),
            ):
                response = self.app.process_response(self.app.response_class())
                headers = [(k, v) for k, v in response.headers if k not in UNCHANGED]
            self._headers[secure] = headers
        return headers


def _read_body(environ) -> bytes | None:
    """The body (at most ``MAX_BODY`` bytes, as Content-Length says), left readable again
    for the app; None if there is none or it is longer."""
    length = environ.get("CONTENT_LENGTH", "")
    if not length.isdigit() or not 0 < int(length) <= MAX_BODY:
        return None
    body = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    return body if len(body) == int(length) else None


def _json_bytes(app: Flask, answer: dict) -> bytes:
    """``answer`` as Flask's JSON response body would be."""
    provider = app.json
    if (provider.compact is None and app.debug) or provider.compact is False:
        text = provider.dumps(answer, indent=2)
    else:
        text = provider.dumps(answer, separators=(",", ":"))
    return f"{text}\n".encode()


def _secure(environ) -> bool:
    """As flask-talisman decides whether to send HSTS."""
    return (
        environ.get("wsgi.url_scheme") == "https"
        or environ.get("HTTP_X_FORWARDED_PROTO", "http") == "https"
    )


class HeartbeatTiming:
    """WSGI middleware adding ``Server-Timing: app;dur=<ms>;desc=<quiet|flask>`` to heartbeat
    answers (W3C Server Timing: shown by a browser's developer tools, read by the load
    benchmark to tell the server's time from the client's). On with HEARTBEAT_SERVER_TIMING."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        if not self.app.config["HEARTBEAT_SERVER_TIMING"] or not PATH.fullmatch(
            environ.get("PATH_INFO", "")
        ):
            return self.wsgi_app(environ, start_response)
        began = time.perf_counter()

        def timed_start_response(status, headers, exc_info=None):
            elapsed = (time.perf_counter() - began) * 1000
            path = "quiet" if environ.get("skilltrace.quiet_heartbeat") else "flask"
            headers = [*headers, ("Server-Timing", f"app;dur={elapsed:.3f};desc={path}")]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, timed_start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = HeartbeatTiming(app, QuietHeartbeats(app, app.wsgi_app))
