"""Ending sessions (issue 11 items 4, 5, 11): a copied cookie dies with logout, a password
change, deactivation or "log out of all devices", on the light heartbeat path too; CSRF
tokens rotate at login and logout; study takes the browser session only."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.identity.models import ApiToken, Role
from skilltrace.identity.services import account_service, end_all_sessions


def _copy_cookie(app, client):
    """A second client holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value, domain=cookie.domain)
    return thief


def test_copied_cookie_is_dead_after_logout(app, client, make_user, login):
    csrf = login(client, make_user())
    thief = _copy_cookie(app, client)
    assert thief.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": csrf}).status_code == 200
    me = thief.get("/api/v1/me")
    assert me.status_code == 401 and me.get_json()["error"]["code"] == "unauthenticated"
    assert thief.get("/learner/").status_code == 302  # pages too


def test_copied_cookie_no_longer_studies_or_heartbeats_after_logout(app, study):
    study.signed_in()
    thief = _copy_cookie(app, study.client)
    assert study.beat(15).status_code == 200
    study.post("/api/v1/auth/logout")
    for path, body in [
        (f"/api/v1/study/sessions/{study.session_id}/heartbeats", None),
        ("/api/v1/study/sessions", {"lesson_id": study.room.lesson.id, "take_over": True}),
    ]:
        body = body or {"position": 15.0, "playing": True, "playback_rate": 1.0, "visible": True}
        response = thief.post(path, json=body, headers={"X-CSRFToken": study.csrf})
        assert response.status_code == 401, (path, response.get_json())


@pytest.mark.parametrize(
    ("wall", "forget_writes"),
    [
        pytest.param(15, False, id="quiet beat, this worker's last write remembered"),
        pytest.param(15, True, id="quiet beat, read from the store"),
        pytest.param(0, True, id="beat too soon, answered unfolded"),
        pytest.param(90, True, id="beat through the locked path (access re-check)"),
    ],
)
def test_every_heartbeat_path_refuses_an_ended_session_and_writes_nothing(
    app, study, wall, forget_writes
):
    """The heartbeat checks the session generation in its own atomic save (one round trip);
    whichever path a beat takes, a logged-out cookie gets 401 and the live state is as it was."""
    from skilltrace.state import current_state
    from skilltrace.study.wiring import study_service

    study.signed_in()
    thief = _copy_cookie(app, study.client)
    assert study.beat(15).status_code == 200
    study.post("/api/v1/auth/logout")
    if forget_writes:
        study_service().live.recent.forget(study.session_id)
    key = f"study:session:{study.session_id}"
    before = current_state().get(key)
    study.clock.advance(wall)
    refused = thief.post(
        f"/api/v1/study/sessions/{study.session_id}/heartbeats",
        json={
            "position": study.position + wall,
            "playing": True,
            "playback_rate": 1.0,
            "visible": True,
        },
        headers={"X-CSRFToken": study.csrf},
    )
    assert refused.status_code == 401, refused.get_json()
    assert refused.get_json()["error"]["code"] == "unauthenticated"
    assert current_state().get(key) == before


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        pytest.param({}, {"position": 1.0}, id="bad body"),
        pytest.param({"X-CSRFToken": "wrong"}, None, id="bad CSRF token"),
    ],
)
def test_an_ended_session_is_told_so_before_anything_else_is_wrong(app, study, headers, body):
    study.signed_in()
    thief = _copy_cookie(app, study.client)
    study.post("/api/v1/auth/logout")
    refused = thief.post(
        f"/api/v1/study/sessions/{study.session_id}/heartbeats",
        json=body or {"position": 1.0, "playing": True, "playback_rate": 1.0, "visible": True},
        headers={"X-CSRFToken": study.csrf, **headers},
    )
    assert refused.status_code == 401, refused.get_json()


def test_deactivation_stops_the_heartbeats_of_an_open_session(app, study):
    study.signed_in()
    assert study.beat(15).status_code == 200
    account_service().set_account_active(study.room.learner, False)
    refused = study.beat(15)
    assert refused.status_code == 401, refused.get_json()


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, make_user, login):
    user = make_user()
    csrf = login(client, user)
    other = app.test_client()
    login(other, user)
    thief = _copy_cookie(app, client)
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": "correct-horse-42", "new_password": "battery-staple-77"},
        headers={"X-CSRFToken": csrf},
    )
    assert changed.status_code == 200, changed.get_json()
    assert client.get("/api/v1/me").status_code == 200
    assert other.get("/api/v1/me").status_code == 401
    assert thief.get("/api/v1/me").status_code == 401
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "nope-nope-1", "new_password": "battery-staple-88"},
        headers={"X-CSRFToken": changed.get_json()["csrf_token"]},
    )
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "wrong_password"


def test_log_out_of_all_devices(app, client, make_user, login):
    user = make_user()
    login(client, user)
    phone = app.test_client()
    phone_csrf = login(phone, user)
    assert client.get("/api/v1/me").status_code == 200
    done = phone.post("/api/v1/auth/logout-everywhere", headers={"X-CSRFToken": phone_csrf})
    assert done.status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 401
    # and logging in again works
    login(client, user)
    assert client.get("/api/v1/me").status_code == 200


def test_log_out_of_all_devices_page_button(app, client, make_user, login, csrf_token):
    user = make_user(Role.PROVIDER_STAFF)
    login(client, user)
    other = app.test_client()
    login(other, user)
    page = client.get("/account")
    assert page.status_code == 200 and b'id="logout-everywhere"' in page.data
    done = client.post("/account/logout-everywhere", data={"csrf_token": csrf_token(client)})
    assert done.status_code == 302
    assert other.get("/api/v1/me").status_code == 401


def test_end_all_sessions_service(app, client, make_user, login):
    user = make_user()
    login(client, user)
    end_all_sessions(user)
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_without_a_current_generation_is_not_a_login(app, client, make_user):
    """What a remember cookie or a forged/old session restores: no generation, no login."""
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["role"] = user.role
        session["_fresh"] = True
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/learner/").status_code == 302


def test_page_password_change(app, client, make_user, login, csrf_token):
    """One password form (/account/password); the old /account/ page leads to it."""
    user = make_user()
    login(client, user)
    other = app.test_client()
    login(other, user)
    moved = client.get("/account/")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": "correct-horse-42",
            "password": "battery-staple-77",
            "password_confirm": "battery-staple-77",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert client.get("/account").status_code == 200
    assert other.get("/api/v1/me").status_code == 401


# -- 5. CSRF rotation -----------------------------------------------------------------------
def test_csrf_token_from_before_login_is_refused_after(client, make_user, csrf_token):
    user = make_user(Role.REGULATOR)
    before = csrf_token(client)
    response = client.post(
        "/api/v1/auth/login", json={"login": user.mobile, "password": "correct-horse-42"}
    )
    after = response.get_json()["csrf_token"]
    assert after != before
    stale = client.post("/api/v1/me/tokens", json={"name": "x"}, headers={"X-CSRFToken": before})
    assert stale.status_code == 400 and stale.get_json()["error"]["code"] == "csrf_failed"
    fresh = client.post("/api/v1/me/tokens", json={"name": "x"}, headers={"X-CSRFToken": after})
    assert fresh.status_code == 201


def test_csrf_token_rotates_at_logout(client, make_user, login):
    user = make_user()
    csrf = login(client, user)
    client.post("/api/v1/auth/logout", headers={"X-CSRFToken": csrf})
    # the old token no longer validates a form of the anonymous session
    response = client.post(
        "/login", data={"login": user.mobile, "password": "correct-horse-42", "csrf_token": csrf}
    )
    assert response.status_code == 400


# -- 11. tokens are for systems; study takes the browser session only ----------------------
def test_study_endpoints_refuse_bearer_tokens(app, client, make_user, login):
    regulator = make_user(Role.REGULATOR)
    csrf = login(client, regulator)
    secret = client.post(
        "/api/v1/me/tokens", json={"name": "sys"}, headers={"X-CSRFToken": csrf}
    ).get_json()["token"]
    other = app.test_client()
    for path in ("/api/v1/study/sessions", "/api/v1/study/sessions/1/checks/1"):
        response = other.post(path, json={}, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "session_required"


def test_a_learner_token_is_refused_everywhere(app, make_user):
    from skilltrace.identity.services import _sha256

    learner = make_user()
    secret = "st_learner-token-made-before-the-fix"
    db.session.add(
        ApiToken(user_id=learner.id, name="old", token_hash=_sha256(secret), prefix=secret[:10])
    )
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    for method, path in [
        ("GET", "/api/v1/me"),
        ("POST", "/api/v1/study/sessions/1/checks/1"),
        ("GET", "/api/v1/me/ledger"),
    ]:
        response = client.open(path, method=method, headers=headers)
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "session_required"


def test_cli_refuses_to_mint_a_learner_token(app, make_user):
    learner = make_user()
    result = CliRunner().invoke(
        app.cli, ["users", "create-token", learner.mobile, "--name", "x"], catch_exceptions=False
    )
    assert result.exit_code != 0 and "token_role" in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize("role", [Role.REGULATOR, Role.ADMIN])
def test_cli_still_mints_tokens_for_systems(app, make_user, role):
    user = make_user(role)
    result = CliRunner().invoke(app.cli, ["users", "create-token", user.mobile, "--name", "x"])
    assert result.exit_code == 0 and result.output.startswith("st_")


def test_cli_deactivation_ends_the_sessions_and_refuses_login(app, client, make_user, login):
    user = make_user()
    login(client, user)
    result = CliRunner().invoke(app.cli, ["users", "deactivate", user.mobile])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me").status_code == 401
    again = client.post(
        "/api/v1/auth/login", json={"login": user.mobile, "password": "correct-horse-42"}
    )
    assert again.status_code == 403 and again.get_json()["error"]["code"] == "account_disabled"
