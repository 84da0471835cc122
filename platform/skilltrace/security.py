"""Security headers (flask-talisman) and the rate limiter (Flask-Limiter) of every response.

- A strict Content-Security-Policy: our own origin only, no inline script or style, no
  framing; ``nosniff``, a Referrer-Policy, a Permissions-Policy allowing the camera to our
  own origin only, and HSTS when cookies are HTTPS-only (``SESSION_COOKIE_SECURE``).
- The limiter counts in Redis when ``REDIS_URL`` is set, in memory otherwise; its keys share
  the live-state store's prefix. Login throttling (identity/throttle.py) uses it.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman

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

talisman = Talisman()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


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
    app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    app.config["RATELIMIT_STORAGE_OPTIONS"] = (
        {"key_prefix": app.config["STATE_KEY_PREFIX"] + "limits"} if redis_url else {}
    )
    app.config["RATELIMIT_STRATEGY"] = "fixed-window"
    limiter.init_app(app)
