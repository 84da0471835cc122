"""Identity endpoints: register, login, logout, who am I, CSRF token, personal access tokens."""

from __future__ import annotations

from flask import g, request
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf

from skilltrace.api.frame import api_auth, api_blueprint, json_body
from skilltrace.api.openapi import responses
from skilltrace.api.text import real_name, text
from skilltrace.identity.models import Role, User
from skilltrace.identity.services import NewAccount, account_service, end_all_sessions
from skilltrace.regions import scope_label

bp = api_blueprint("identity_api", __name__)

REGISTER_SCHEMA = {
    "required": ["name", "id_number", "mobile", "password", "consent"],
    "properties": {
        "name": real_name(**{"x-code": "name_invalid"}),
        "id_number": {"type": "string", "maxLength": 18},
        "mobile": {"type": "string", "maxLength": 20},
        "password": {"type": "string", "maxLength": 128},
        "consent": {"type": "boolean", "description": "Consent to identity and face data use"},
    },
}
LOGIN_SCHEMA = {
    "required": ["login", "password"],
    "properties": {
        "login": {"type": "string", "maxLength": 32, "description": "ID number or mobile"},
        "password": {"type": "string", "maxLength": 128},
    },
}
TOKEN_SCHEMA = {"required": ["name"], "properties": {"name": text(100)}}
PASSWORD_SCHEMA = {
    "required": ["current_password", "new_password"],
    "properties": {
        "current_password": {"type": "string", "maxLength": 128},
        "new_password": {"type": "string", "minLength": 8, "maxLength": 128},
    },
}


def user_json(user: User) -> dict:
    data = {
        "id": user.id,
        "role": user.role,
        "name": user.name,
        "id_number": user.id_number_masked,
        "mobile": user.mobile[:3] + "****" + user.mobile[-4:],
    }
    if user.role == Role.REGULATOR:
        data["scope"] = {"code": user.region_scope, "name": scope_label(user.region_scope)}
    if user.provider is not None:
        data["provider"] = {"id": user.provider.id, "name": user.provider.name}
    return data


@bp.post("/auth/register")
@json_body(REGISTER_SCHEMA)
@responses({201: "Registered and logged in", 409: "ID number or mobile taken", 422: "Invalid"})
def register(body: dict):
    """Register a learner under their real name (logs the new account in)."""
    user = account_service().register_learner(
        NewAccount(
            name=body["name"],
            id_number=body["id_number"],
            mobile=body["mobile"],
            password=body["password"],
            consent=body["consent"] is True,
        ),
        client_ip=request.remote_addr,
    )
    login_user(user)
    return {"user": user_json(user), "csrf_token": generate_csrf()}, 201


@bp.post("/auth/login")
@json_body(LOGIN_SCHEMA)
@responses({200: "Logged in", 401: "Wrong credentials", 429: "Too many attempts"})
def login(body: dict):
    """Log in by ID number or mobile; returns the CSRF token for later unsafe calls."""
    user = account_service().authenticate(
        body["login"], body["password"], request.remote_addr or "unknown"
    )
    login_user(user)
    return {"user": user_json(user), "csrf_token": generate_csrf()}


@bp.post("/auth/logout")
@api_auth(session_only=True)
def logout():
    """Log out: every session cookie of this account issued so far stops working."""
    logout_user()
    return {"ok": True}


@bp.post("/auth/logout-everywhere")
@api_auth(session_only=True)
@responses({200: "Every session of this account ended, this one too"})
def logout_everywhere():
    """Log out of all devices (sessions only; access tokens are revoked one by one)."""
    end_all_sessions(g.api_user)
    logout_user()
    return {"ok": True}


@bp.post("/me/password")
@api_auth(session_only=True)
@json_body(PASSWORD_SCHEMA)
@responses({200: "Changed; other sessions ended, this one goes on", 422: "Wrong or weak password"})
def change_password(body: dict):
    """Change my password; every other session of this account ends."""
    user = g.api_user
    account_service().change_password(user, body["current_password"], body["new_password"])
    login_user(user)
    return {"ok": True, "csrf_token": generate_csrf()}


@bp.get("/auth/csrf")
def csrf_token():
    """A CSRF token for session-authenticated unsafe calls (send it as X-CSRFToken)."""
    return {"csrf_token": generate_csrf()}


@bp.get("/me")
@api_auth()
def me():
    """The calling account (ID number and mobile masked)."""
    return {"user": user_json(g.api_user)}


@bp.post("/me/tokens")
@api_auth(Role.REGULATOR, Role.ADMIN)
@json_body(TOKEN_SCHEMA)
@responses({201: "Created; the secret is shown only in this response"})
def create_token(body: dict):
    """Create a personal access token for another system."""
    token, secret = account_service().create_token(g.api_user, body["name"])
    return {"id": token.id, "name": token.name, "token": secret}, 201
