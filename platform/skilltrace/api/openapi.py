"""The OpenAPI 3.1 document at /api/v1/openapi.json, generated from the registered routes.

Paths and methods come from the URL map; summaries and descriptions from view docstrings;
request bodies from :func:`~skilltrace.api.frame.json_body` schemas; security from
:func:`~skilltrace.api.frame.api_auth`. Extra response notes may be attached with
:func:`responses`.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, jsonify

from skilltrace.api.frame import API_PREFIX, SESSION_ONLY_BLUEPRINTS
from skilltrace.api.text import ID_MAX, text_pattern

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}


def responses(spec: dict[int, str], *, multipart: dict | None = None):
    """Document response statuses (and a multipart body) of an API view."""

    def decorator(view):
        view._openapi_responses = spec
        if multipart is not None:
            view._openapi_multipart = multipart
        return view

    return decorator


def _operation(view, rule, method: str) -> dict:
    doc = (view.__doc__ or "").strip()
    summary, _, description = doc.partition("\n")
    op: dict = {
        "operationId": f"{rule.endpoint}.{method.lower()}",
        "summary": summary.strip() or rule.endpoint,
        "tags": [rule.endpoint.split(".")[0]],
    }
    if description.strip():
        op["description"] = description.strip()
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": (
                {"type": "integer", "minimum": 0, "maximum": ID_MAX}
                if conv == "int"
                else {"type": "string", "minLength": 1, "pattern": text_pattern(False)}
            ),
        }
        for conv, name in _CONVERTER.findall(rule.rule)
    ]
    if params:
        op["parameters"] = params
    body = getattr(view, "_openapi_body", None)
    multipart = getattr(view, "_openapi_multipart", None)
    if body is not None and method != "GET":
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", **body}}},
        }
    elif multipart is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": {"type": "object", **multipart}}},
        }
    auth = getattr(view, "_openapi_auth", None)
    session_only = getattr(view, "_openapi_session_only", False) or (
        rule.endpoint.split(".")[0] in SESSION_ONLY_BLUEPRINTS
    )
    schemes = [{"sessionCookie": []}]
    if not session_only:
        schemes.insert(0, {"bearerToken": []})
    op["security"] = schemes if auth else []
    if auth and auth != ("any",):
        op["x-roles"] = list(auth)
    notes = getattr(view, "_openapi_responses", {200: "OK"})
    op["responses"] = {
        str(status): (
            {"description": text}
            if status < 400
            else {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        )
        for status, text in notes.items()
    }
    op["responses"].setdefault(
        "default",
        {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    )
    return op


def build_document(app: Flask) -> dict:
    """The OpenAPI document for every rule under /api/v1."""
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(view, rule, method)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SkillTrace API",
            "version": "1",
            "description": "Supervised online vocational training (技训通). Errors always have "
            'the shape {"error": {"code", "message"}}.',
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


def init_app(app: Flask) -> None:
    @app.get(f"{API_PREFIX}/openapi.json", endpoint="openapi")
    def openapi_document():
        """The OpenAPI document of this API."""
        return jsonify(build_document(current_app))
