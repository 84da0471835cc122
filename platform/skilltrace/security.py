"""Security headers (flask-talisman) of every response, and the rate limiter (``limits``).

- A strict Content-Security-Policy: our own origin only, no inline script or style, no
  framing; ``nosniff``, a Referrer-Policy, a Permissions-Policy allowing the camera to our
  own origin only, and HSTS when cookies are HTTPS-only (``SESSION_COOKIE_SECURE``).
- The limiter counts in Redis when ``REDIS_URL`` is set, in memory otherwise; its keys share
  the live-state store's prefix. Login throttling (identity/throttle.py) uses it. It is
  ``limits``, the library Flask-Limiter is built on, used directly: no route has a
  per-route limit, and Flask-Limiter would still run its hooks on every request (a tenth of
  a millisecond of each heartbeat, every 15 s per learner).
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_talisman import Talisman
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' blob: data:",
    "media-src": "'self' blob:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {
    "camera": "(self)",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
}


class PolicyTextsOnce(Talisman):
    """flask-talisman, each policy header's text made once rather than on every response
    (the policies are fixed and carry no nonce: there is no inline script)."""

    def __init__(self) -> None:
        super().__init__()
        self._texts: dict[int, tuple[object, str]] = {}

    def init_app(self, app: Flask, **options) -> None:
        super().init_app(app, **options)
        if not self.force_https and not self.content_security_policy_nonce_in:
            # Neither hook has anything to do then (no redirect to HTTPS, no nonce), and
            # every request would still call them.
            idle = {Talisman._force_https, Talisman._make_nonce}
            hooks = app.before_request_funcs.setdefault(None, [])
            hooks[:] = [f for f in hooks if getattr(f, "__func__", None) not in idle]

    def _parse_policy(self, policy):
        if self.content_security_policy_nonce_in:
            return super()._parse_policy(policy)
        kept = self._texts.get(id(policy))
        if kept is None or kept[0] is not policy:
            kept = self._texts[id(policy)] = (policy, super()._parse_policy(policy))
        return kept[1]


talisman = PolicyTextsOnce()


def rate_limiter() -> FixedWindowRateLimiter:
    """The current app's fixed-window rate limiter (``limits``) on its storage."""
    return current_app.extensions["skilltrace.rate_limiter"]


def init_app(app: Flask) -> None:
    secure = bool(app.config["SESSION_COOKIE_SECURE"])
    talisman.init_app(
        app,
        force_https=False,
        strict_transport_security=secure,
        strict_transport_security_max_age=365 * 24 * 3600,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=secure,
        session_cookie_http_only=True,
        x_content_type_options=True,
    )
    redis_url = app.config.get("REDIS_URL")
    storage = (
        storage_from_string(redis_url, key_prefix=app.config["STATE_KEY_PREFIX"] + "limits")
        if redis_url
        else storage_from_string("memory://")
    )
    app.extensions["skilltrace.rate_limiter"] = FixedWindowRateLimiter(storage)
