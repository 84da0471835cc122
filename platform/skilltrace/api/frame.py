"""Shared machinery of every ``/api/v1`` endpoint.

- :func:`api_blueprint` makes a domain's API blueprint (prefixed, CSRF handled here);
- :func:`api_auth` authenticates by bearer token or session cookie (+ ``X-CSRFToken``);
- :func:`json_body` validates a JSON object body against a small schema and documents it;
- every error under ``/api/`` is rendered as ``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, g, jsonify, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from skilltrace.api.inputs import (
    FIELD_CHARACTERS,
    BoundedJSONProvider,
    CheckedRequest,
    IdConverter,
    refuse_unclean,
)
from skilltrace.api.text import ID_MAX, INT_MIN, matches, text_pattern
from skilltrace.errors import DomainError
from skilltrace.extensions import csrf, db
from skilltrace.identity.models import Role
from skilltrace.sessions import SessionEnded, check_csrf, generation_guard, session_is_current
from skilltrace.state import Guard

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
# A JSON text of printable ASCII without escapes (a heartbeat's) holds no control or format
# character in any key or value: it need not be walked.
PLAIN_JSON = re.compile(rb"[\x20-\x5b\x5d-\x7e\t\r\n]*")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

HTTP_ERRORS: dict[int, tuple[str, Any]] = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthenticated", _l("Log in first.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("Nothing was found at this address.")),
    405: ("method_not_allowed", _l("This address does not accept this method.")),
    409: ("conflict", _l("This conflicts with existing data.")),
    413: ("body_too_large", _l("The upload is too large.")),
    415: ("unsupported_media_type", _l("Send the body as application/json.")),
    416: ("range_not_satisfiable", _l("The requested byte range is outside the file.")),
    429: ("too_many_requests", _l("Too many requests. Wait a moment and try again.")),
    500: ("internal_error", _l("Something went wrong on our side. Please try again.")),
}


def error_response(
    code: str, message: Any, status: int, field: str | None = None, details: dict | None = None
):
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    for key, value in (details or {}).items():
        body.setdefault(key, _plain(value))
    return jsonify({"error": body}), status


def _plain(value: Any) -> Any:
    """``value`` with its lazy strings rendered (JSON cannot encode them)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# Blueprints whose endpoints take the browser session only (never a bearer token).
SESSION_ONLY_BLUEPRINTS: set[str] = set()


def api_blueprint(name: str, import_name: str, *, session_only: bool = False) -> Blueprint:
    """A blueprint mounted under /api/v1; CSRF is checked by :func:`api_auth` instead.

    ``session_only`` endpoints (study: a learner in front of the camera) refuse bearer tokens.
    """
    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    csrf.exempt(bp)
    if session_only:
        SESSION_ONLY_BLUEPRINTS.add(name)
    return bp


def _session_required() -> DomainError:
    return DomainError(
        "session_required",
        _l("This is done in the browser after logging in; access tokens are not accepted."),
        status=403,
    )


def _bearer_user(session_only: bool = False):
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None, False
    if session_only or request.blueprint in SESSION_ONLY_BLUEPRINTS:
        raise _session_required()
    from skilltrace.identity.services import account_service

    user = account_service().user_for_token(header[7:].strip())
    if user is not None and user.role == Role.LEARNER:
        raise _session_required()
    return user, True


@dataclass(frozen=True)
class SessionIdentity:
    """Who the signed session cookie says the caller is, without loading the account."""

    id: int
    role: str
    # Set when the session generation is still to be checked, by the view, in one atomic
    # step with its own write (``sessions.generation_guard``).
    guard: Guard | None = None


def _session_identity(deferred: bool) -> SessionIdentity | None:
    user_id, role = session.get("_user_id"), session.get("role")
    if user_id is None or role is None:
        return None
    if deferred:
        guard = generation_guard(int(user_id))
        return None if guard is None else SessionIdentity(int(user_id), role, guard)
    if not session_is_current(user_id):
        return None
    return SessionIdentity(int(user_id), role)


def _refuse_ended(user) -> None:
    """401 for a deferred identity whose session has ended (before any other refusal, as for
    every other endpoint)."""
    if getattr(user, "guard", None) is not None and not session_is_current(user.id):
        raise DomainError(*HTTP_ERRORS[401], status=401)


def api_auth(*roles: str, light: bool = False, deferred: bool = False, session_only: bool = False):
    """Require an authenticated caller (optionally with one of ``roles``); sets ``g.api_user``.

    Browser calls authenticate with the session cookie and must send ``X-CSRFToken`` on unsafe
    methods; other systems send ``Authorization: Bearer <personal access token>``. ``light``
    endpoints (the study heartbeat, every 15 s per learner) take the identity from the signed
    session cookie without loading the account from the database. ``deferred`` endpoints (the
    heartbeat) are light and leave checking that the session is still current to the view, in
    one atomic step with its own write (``SessionIdentity.guard``); ``SessionEnded`` raised by
    the view is a 401. ``session_only`` endpoints (and those of a session-only blueprint)
    refuse bearer tokens with ``session_required``.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user, used_bearer = _bearer_user(session_only)
            if used_bearer and user is None:
                raise DomainError("invalid_token", _l("The access token is invalid."), status=401)
            if not used_bearer:
                user = _session_identity(deferred) if light or deferred else None
                if user is None:
                    if not current_user.is_authenticated:
                        raise DomainError(*HTTP_ERRORS[401], status=401)
                    user = current_user._get_current_object()
                if request.method not in SAFE_METHODS:
                    try:
                        check_csrf(request.headers.get("X-CSRFToken", ""))
                    except Exception:
                        _refuse_ended(user)
                        raise DomainError(
                            "csrf_failed",
                            _l("The page expired. Reload it and try again."),
                            status=400,
                        ) from None
            if roles and user.role not in roles:
                _refuse_ended(user)
                raise DomainError(*HTTP_ERRORS[403], status=403)
            g.api_user = user
            try:
                return view(*args, **kwargs)
            except SessionEnded:
                raise DomainError(*HTTP_ERRORS[401], status=401) from None
            except DomainError:
                _refuse_ended(user)  # an ended session is told so first, whatever else is wrong
                raise

        wrapper._openapi_auth = roles or ("any",)
        wrapper._openapi_session_only = session_only
        return wrapper

    return decorator


JSON_TYPES = {
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
}
FIELD_MESSAGES = {
    "name_invalid": _l(
        "Enter your real name: letters, with a space or · between parts (2 to 64 characters)."
    ),
}


def strict_schema(schema: dict) -> dict:
    """``schema`` as the server applies it: no unknown properties, required strings non-empty,
    integers within the id range and numbers within the 32-bit range (so never ``1e309``
    read as infinity, nor ``NaN``) unless the schema bounds them itself."""
    properties = {}
    required = set(schema.get("required", ()))
    for name, spec in schema.get("properties", {}).items():
        spec = dict(spec)
        if spec.get("type") == "integer":
            spec.setdefault("minimum", 1)
            spec.setdefault("maximum", ID_MAX)
        if spec.get("type") == "number":
            spec.setdefault("minimum", INT_MIN)
            spec.setdefault("maximum", ID_MAX)
        if spec.get("type") == "string" and spec.get("format") != "binary":
            spec.setdefault("pattern", text_pattern(False))
            spec.setdefault("maxLength", 10_000)
            if name in required:
                spec.setdefault("minLength", 1)
        properties[name] = spec
    return {"additionalProperties": False, **schema, "properties": properties}


def check_body(schema: dict, body: dict) -> None:
    """Refuse ``body`` (a DomainError naming the field) unless it is valid for ``schema``."""
    properties = schema.get("properties", {})
    for name in schema.get("required", ()):
        if body.get(name) in (None, ""):
            raise DomainError("field_required", _l("This field is required."), field=name)
    if schema.get("additionalProperties") is False:
        for name in body:
            if name not in properties:
                raise DomainError("field_unknown", _l("This field is not expected."), field=name)
    for name, spec in properties.items():
        if name not in body or body[name] is None:
            continue
        _check_value(name, spec, body[name])


def _check_value(name: str, spec: dict, value: Any) -> None:
    kind = spec.get("type")
    of_type = JSON_TYPES.get(kind)
    if of_type is not None and not of_type(value):
        raise DomainError("field_type", _l("This field has the wrong type."), field=name)
    if kind == "string":
        if len(value) > spec.get("maxLength", 10_000):
            raise DomainError("field_too_long", _l("This field is too long."), field=name)
        if len(value) < spec.get("minLength", 0):
            code = spec.get("x-code", "field_too_short")
            raise DomainError(
                code, FIELD_MESSAGES.get(code, _l("This field is too short.")), field=name
            )
        if "pattern" in spec and not matches(spec["pattern"], value):
            code = spec.get("x-code", "field_characters")
            raise DomainError(code, FIELD_MESSAGES.get(code, FIELD_CHARACTERS), field=name)
    if kind in ("integer", "number") and not (
        spec.get("minimum", -math.inf) <= value <= spec.get("maximum", math.inf)
    ):
        raise DomainError("field_range", _l("This value is out of range."), field=name)


def json_body(schema: dict):
    """Parse the request body as a JSON object valid for ``schema``; pass it as ``body=``.

    The schema is applied (and published) as :func:`strict_schema` makes it."""
    schema = strict_schema(schema)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not request.is_json:
                raise DomainError(*HTTP_ERRORS[415], status=415)
            body = request.get_json(silent=True)
            if body is None:
                raise DomainError("malformed_json", _l("The body is not valid JSON."), status=400)
            if not isinstance(body, dict):
                raise DomainError(
                    "malformed_json", _l("The body must be a JSON object."), status=400
                )
            check_body(schema, body)
            return view(*args, body=body, **kwargs)

        wrapper._openapi_body = schema
        return wrapper

    return decorator


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Register the id converter, the JSON error shape for API paths and the OpenAPI endpoint."""
    from skilltrace.api import openapi

    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)

    app.request_class = CheckedRequest

    @app.before_request
    def refuse_control_characters():
        """No control or format characters (bar line breaks) in any path, query or JSON
        value: a 422 naming the field, never a database error. (Forms: CheckedRequest.)"""
        pairs = [*request.args.items(multi=True)] if request.query_string else []
        pairs += [(k, v) for k, v in (request.view_args or {}).items() if isinstance(v, str)]
        if request.is_json and not PLAIN_JSON.fullmatch(request.get_data(cache=True)):
            pairs.append(("body", request.get_json(silent=True)))
        refuse_unclean(pairs)

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        db.session.rollback()
        if _wants_json():
            return error_response(err.code, err.message, err.status, err.field, err.details)
        from skilltrace.web import render_error

        return render_error(err.status, err.message)

    @app.errorhandler(IntegrityError)
    def integrity_error(err: IntegrityError):
        db.session.rollback()
        log.info("integrity error: %s", err.orig)
        if _wants_json():
            return error_response(*HTTP_ERRORS[409], 409)
        from skilltrace.web import render_error

        return render_error(409, HTTP_ERRORS[409][1])

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        msg = _l("The page expired. Reload it and try again.")
        if _wants_json():
            return error_response("csrf_failed", msg, 400)
        from skilltrace.web import render_error

        return render_error(400, msg)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        if not _wants_json():
            from skilltrace.web import render_error

            body, status = render_error(status, HTTP_ERRORS.get(status, (None, err.description))[1])
            response = app.make_response((body, status))
        else:
            code, message = HTTP_ERRORS.get(status, ("http_error", err.description))
            response, status = error_response(code, message, status)
        if err.code == 416 and getattr(err, "length", None) is not None:
            response.headers["Content-Range"] = f"bytes */{err.length}"
        if isinstance(err, MethodNotAllowed) and err.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(err.valid_methods))
        return response, status

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        if isinstance(err, HTTPException):
            return http_error(err)
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return error_response(*HTTP_ERRORS[500], 500)
        from skilltrace.web import render_error

        return render_error(500, HTTP_ERRORS[500][1])

    openapi.init_app(app)
