"""Signed-cookie sessions and CSRF tokens, each signature verified once per process; the
session generation of each account, which ends every earlier cookie at once.

A player sends the same session cookie and ``X-CSRFToken`` with every heartbeat (every
``HEARTBEAT_S`` per learner), and verifying them (HMAC, base64, zlib, JSON) is a fair share of
such a request. Both are pure functions of the signed text and the app's secret key, so a
text verified once verifies the same way until it expires: these caches remember what a
verification found, never accept anything it would not have, and keep the expiry checks.
"""

from __future__ import annotations

import copy
import hmac
import secrets
import time

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import validate_csrf
from itsdangerous import BadSignature
from wtforms import ValidationError

from skilltrace.state import BoundedMap, Guard, current_state

SIMPLE_TYPES = (str, int, float, bool, type(None))


class VerifiedCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a cookie already verified by this process is decoded
    from memory while it is younger than the session lifetime (Flask's own expiry rule)."""

    def __init__(self) -> None:
        self.verified = BoundedMap(8192)

    def known(self, app: Flask, text: str | None) -> dict | None:
        """The data of the cookie ``text`` if this process verified it and it has not expired
        since; None otherwise (not an answer: verify it). Read-only: not a copy."""
        if not text or not app.secret_key:
            return None
        hit = self.verified.get(text)
        if hit is None or time.time() - hit[1] > app.permanent_session_lifetime.total_seconds():
            return None
        return hit[0]

    def open_session(self, app: Flask, request):
        text = request.cookies.get(self.get_cookie_name(app))
        if not text or not app.secret_key:
            return super().open_session(app, request)
        known = self.known(app, text)
        if known is not None:
            return self.session_class(_copy(known))
        max_age = int(app.permanent_session_lifetime.total_seconds())
        serializer = self.get_signing_serializer(app)
        try:
            data, signed_at = serializer.loads(text, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        self.verified.put(text, (_copy(data), signed_at.timestamp()))
        return self.session_class(data)


def _copy(data: dict) -> dict:
    if all(isinstance(value, SIMPLE_TYPES) for value in data.values()):
        return dict(data)
    return copy.deepcopy(data)


def check_csrf(token: str) -> None:
    """Flask-WTF's ``validate_csrf`` for the current session; raises ``ValidationError``.

    With tokens that never expire on their own (``WTF_CSRF_TIME_LIMIT`` None, as configured
    here), a token's signature check is remembered; the comparison with the session's raw
    token is made every time.
    """
    app = current_app
    known = csrf_known(app, token, session)
    if known is None:
        validate_csrf(token)
        if app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is None:
            field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
            app.extensions["skilltrace.csrf_verified"].put(token, session[field])
    elif not known:
        raise ValidationError("The CSRF tokens do not match.")


def csrf_known(app: Flask, token: str, data) -> bool | None:
    """Whether ``token`` is the CSRF token of the session ``data``, from what this process
    remembers of its signature; None if it does not remember (not an answer: verify it)."""
    if app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return None
    raw = app.extensions["skilltrace.csrf_verified"].get(token)
    if raw is None:
        return None
    expected = data.get(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    return bool(expected) and hmac.compare_digest(expected, raw)


# -- session generations ----------------------------------------------------------------------
# A signed cookie cannot be taken back, so each login records the account's current
# "generation" (a random value in the live-state store) in the session; a session is valid only
# while its generation is still the account's. Logout, a password change, deactivation and
# "log out of all devices" replace the generation: every earlier cookie ends at once, checked
# with one state-store read per request (no database query, on the heartbeat path too).
GENERATION_FIELD = "_gen"


def _generation_key(user_id: int) -> str:
    return f"session-gen:{user_id}"


def begin_generation(user_id: int) -> None:
    """At login: join the account's current generation (starting one if there is none)."""
    state = current_state()
    key = _generation_key(user_id)
    state.set(key, secrets.token_urlsafe(16), nx=True)
    session[GENERATION_FIELD] = state.get(key)


def end_generation(user_id: int) -> None:
    """End every session of the account opened so far."""
    current_state().set(_generation_key(user_id), secrets.token_urlsafe(16))


def session_is_current(user_id: int | str | None = None) -> bool:
    """True when the request's session belongs to the account's current generation."""
    user_id = session.get("_user_id") if user_id is None else user_id
    seen = session.get(GENERATION_FIELD)
    if user_id is None or not seen:
        return False
    return _holds(_generation_key(int(user_id)), seen)


def _holds(key: str, seen: str) -> bool:
    """Whether the generation ``key`` is still ``seen``."""
    current = current_state().get(key)
    return current is not None and hmac.compare_digest(current, seen)


class SessionEnded(Exception):
    """A session whose check was deferred (:func:`generation_guard`) is not current."""


def generation_guard(user_id: int) -> Guard | None:
    """The request's session generation as a :class:`Guard`, for a caller that checks it in
    the same atomic step as its own write (the heartbeat: one round trip, not two); None if
    the session has none. A failed guard raises :class:`SessionEnded`."""
    return guard_of(user_id, session)


def guard_of(user_id: int, data) -> Guard | None:
    """:func:`generation_guard` for the session ``data`` (a mapping)."""
    seen = data.get(GENERATION_FIELD)
    return Guard(_generation_key(user_id), seen, SessionEnded) if seen else None


def require_guard(guard: Guard) -> None:
    """Raise :class:`SessionEnded` unless the session of ``guard`` is still current."""
    if not _holds(guard.key, guard.value):
        raise SessionEnded


def rotate_csrf() -> None:
    """Forget the session's CSRF token: the next one generated is new (login and logout)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)


def init_app(app: Flask) -> None:
    app.session_interface = VerifiedCookieSessionInterface()
    app.extensions["skilltrace.csrf_verified"] = BoundedMap(8192)
