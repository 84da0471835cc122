"""Remembering verified session cookies and CSRF tokens never accepts what Flask and
Flask-WTF would refuse: tampered or expired cookies, a token of another session."""

from __future__ import annotations

from datetime import timedelta


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_tampered_cookie_is_refused_after_the_genuine_one_was_remembered(
    app, client, make_user, login
):
    login(client, make_user())
    assert client.get("/api/v1/me").status_code == 200  # verified and remembered
    genuine = _session_cookie(client)
    head, _, signature = genuine.rpartition(".")
    tampered = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.set_cookie("session", tampered)
    assert client.get("/api/v1/me").status_code == 401
    client.set_cookie("session", genuine)
    assert client.get("/api/v1/me").status_code == 200


def test_a_remembered_cookie_still_expires(app, client, make_user, login, monkeypatch):
    login(client, make_user())
    assert client.get("/api/v1/me").status_code == 200
    # Every cookie is now older than the lifetime (-1 s: no waiting for the clock to tick).
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=-1))
    assert client.get("/api/v1/me").status_code == 401


def test_a_remembered_csrf_token_is_refused_with_another_session(app, make_user, login):
    first, second = app.test_client(), app.test_client()
    token = login(first, make_user())
    other_token = login(second, make_user())
    assert token != other_token
    # Verified (and remembered) with its own session...
    assert first.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 200
    # ...but not accepted with another one.
    refused = second.post("/api/v1/auth/logout", headers={"X-CSRFToken": token})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    accepted = second.post("/api/v1/auth/logout", headers={"X-CSRFToken": other_token})
    assert accepted.status_code == 200
