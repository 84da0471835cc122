"""Signed-cookie sessions and CSRF tokens, each signature verified once per process.

A player sends the same session cookie and ``X-CSRFToken`` with every heartbeat (every
``HEARTBEAT_S`` per learner), and verifying them (HMAC, base64, zlib, JSON) is a fair share of
such a request. Both are pure functions of the signed text and the app's secret key, so a
text verified once verifies the same way until it expires: these caches remember what a
verification found, never accept anything it would not have, and keep the expiry checks.
"""

from __future__ import annotations

import copy
import hmac
import time

from flask import Flask, current_app, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import validate_csrf
from itsdangerous import BadSignature
from wtforms import ValidationError

from skilltrace.state import BoundedMap

SIMPLE_TYPES = (str, int, float, bool, type(None))


class VerifiedCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a cookie already verified by this process is decoded
    from memory while it is younger than the session lifetime (Flask's own expiry rule)."""

    def __init__(self) -> None:
        self.verified = BoundedMap(8192)

    def open_session(self, app: Flask, request):
        text = request.cookies.get(self.get_cookie_name(app))
        if not text or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        hit = self.verified.get(text)
        if hit is not None and time.time() - hit[1] <= max_age:
            return self.session_class(_copy(hit[0]))
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
    if app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        validate_csrf(token)
        return
    verified: BoundedMap = app.extensions["skilltrace.csrf_verified"]
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = verified.get(token)
    if raw is None:
        validate_csrf(token)
        verified.put(token, session[field])
        return
    expected = session.get(field)
    if not expected or not hmac.compare_digest(expected, raw):
        raise ValidationError("The CSRF tokens do not match.")


def init_app(app: Flask) -> None:
    app.session_interface = VerifiedCookieSessionInterface()
    app.extensions["skilltrace.csrf_verified"] = BoundedMap(8192)
