"""Quiet heartbeats answered before Flask's dispatch (``study.quiet_path``): the same answer
and headers as the Flask view, and every request with anything to refuse or decide goes
through Flask unchanged, body included."""

from contextlib import contextmanager

import pytest
from flask import request_started

from skilltrace.identity.models import Role

BEAT = {"position": 15.0, "playing": True, "playback_rate": 1.0, "visible": True}


@contextmanager
def dispatched(app):
    """The paths Flask dispatched while the block ran."""
    paths = []

    def seen(sender, **extra):
        from flask import request

        paths.append(request.path)

    request_started.connect(seen, app)
    try:
        yield paths
    finally:
        request_started.disconnect(seen, app)


def _headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k != "Content-Length"}


def test_a_quiet_heartbeat_is_answered_before_flask_as_flask_answers_it(app, study):
    study.signed_in()
    app.config["HEARTBEAT_QUIET_PATH"] = False
    with dispatched(app) as paths:
        by_flask = study.beat(15)
    assert by_flask.status_code == 200 and len(paths) == 1
    app.config["HEARTBEAT_QUIET_PATH"] = True
    with dispatched(app) as paths:
        quiet = study.beat(15)
    assert quiet.status_code == 200, quiet.get_json()
    assert paths == []  # answered before Flask
    assert _headers(quiet) == _headers(by_flask)
    assert "default-src 'self'" in quiet.headers["Content-Security-Policy"]
    assert quiet.headers["X-Frame-Options"] == "DENY"
    assert quiet.headers["Vary"] == "Cookie"
    first, second = by_flask.get_json(), quiet.get_json()
    assert first.keys() == second.keys() and second["state"] == "active"
    assert second["pending_seconds"] > first["pending_seconds"]  # the beat was folded


def test_a_quiet_answer_shows_the_open_check(app, study):
    """A beat during a check is still quiet; its answer carries the check to answer."""
    started = study.start().get_json()
    with dispatched(app) as paths:
        beat = study.beat(0)
    assert beat.status_code == 200 and paths == []
    assert beat.get_json()["check"]["id"] == started["check"]["id"]
    assert beat.get_json()["check"]["nonce"] == started["check"]["nonce"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        pytest.param({"headers": {"X-CSRFToken": "forged"}}, 400, "csrf_failed", id="bad CSRF"),
        pytest.param({"headers": {"X-CSRFToken": ""}}, 400, "csrf_failed", id="no CSRF"),
        pytest.param({"json": {**BEAT, "position": -1}}, 422, "field_range", id="out of range"),
        pytest.param({"json": {**BEAT, "extra": 1}}, 422, "field_unknown", id="unknown field"),
        pytest.param({"json": {**BEAT, "visible": "yes"}}, 422, "field_type", id="wrong type"),
        pytest.param({"json": {"position": 1.0}}, 422, "field_required", id="missing field"),
        pytest.param({"data": b"[1, 2]"}, 400, "malformed_json", id="not an object"),
        pytest.param({"data": b"{position"}, 400, "malformed_json", id="not JSON"),
        pytest.param(
            {"data": b'{"position": 1, "playing": true, "playback_rate": 1, "visible": "\\u0000"}'},
            422,
            None,
            id="escaped control character",
        ),
        pytest.param({"session": 999_999}, 404, "session_not_found", id="no such session"),
        pytest.param({"session": 2**40}, 404, None, id="id out of range"),
        pytest.param({"bearer": True}, None, None, id="bearer token"),
        pytest.param({"query": "?x=1"}, 200, None, id="query string"),
        pytest.param({"content_type": "text/plain"}, 415, None, id="not JSON content type"),
    ],
)
def test_anything_to_refuse_goes_through_flask(app, study, change, status, code):
    study.signed_in()
    assert study.beat(15).status_code == 200
    session_id = change.get("session", study.session_id)
    path = f"/api/v1/study/sessions/{session_id}/heartbeats{change.get('query', '')}"
    headers = {"X-CSRFToken": study.csrf, **change.get("headers", {})}
    if change.get("bearer"):
        headers["Authorization"] = "Bearer not-a-token"
    kwargs = {"json": {**BEAT, "position": study.position + 15}}
    if "json" in change:
        kwargs = {"json": change["json"]}
    if "data" in change:
        kwargs = {"data": change["data"], "content_type": "application/json"}
    if "content_type" in change:
        kwargs = {"data": b'{"position": 1}', "content_type": change["content_type"]}
    study.clock.advance(15)
    with dispatched(app) as paths:
        response = study.client.post(path, headers=headers, **kwargs)
    assert paths == [path.partition("?")[0]], response.get_json()
    if status is not None:
        assert response.status_code == status, response.get_json()
    else:
        assert 400 <= response.status_code < 500, response.get_json()
    if code is not None:
        assert response.get_json()["error"]["code"] == code


def test_an_ended_session_goes_through_flask_and_is_refused(app, study):
    study.signed_in()
    assert study.beat(15).status_code == 200
    thief = app.test_client()
    cookie = study.client.get_cookie("session")
    thief.set_cookie("session", cookie.value, domain=cookie.domain)
    study.post("/api/v1/auth/logout")
    with dispatched(app) as paths:
        refused = thief.post(
            f"/api/v1/study/sessions/{study.session_id}/heartbeats",
            json={**BEAT, "position": study.position + 15},
            headers={"X-CSRFToken": study.csrf},
        )
    assert refused.status_code == 401 and len(paths) == 1


def test_another_role_goes_through_flask(app, client, make_user, login):
    csrf = login(client, make_user(Role.PROVIDER_STAFF))
    assert client.get("/api/v1/me").status_code == 200  # this process has seen the cookie
    with dispatched(app) as paths:
        refused = client.post(
            "/api/v1/study/sessions/1/heartbeats", json=BEAT, headers={"X-CSRFToken": csrf}
        )
    assert refused.status_code == 403 and len(paths) == 1


def test_a_cookie_this_process_has_not_verified_goes_through_flask_then_not(app, study):
    study.signed_in()
    app.session_interface.verified = type(app.session_interface.verified)(8192)
    with dispatched(app) as paths:
        assert study.beat(15).status_code == 200
        assert study.beat(15).status_code == 200
    assert len(paths) == 1  # verified by Flask once, then known


@pytest.mark.parametrize(
    "wall", [pytest.param(90, id="access re-check due"), pytest.param(16 * 60, id="check due")]
)
def test_a_beat_that_is_not_quiet_goes_through_flask_with_its_body(app, study, wall):
    study.signed_in()
    with dispatched(app) as paths:
        response = study.beat(wall)
    assert response.status_code == 200, response.get_json()
    assert len(paths) == 1  # and Flask read the body the quiet path had read


def test_the_setting_off_sends_every_heartbeat_through_flask(app, study):
    study.signed_in()
    app.config["HEARTBEAT_QUIET_PATH"] = False
    with dispatched(app) as paths:
        for _ in range(3):
            assert study.beat(15).status_code == 200
    assert len(paths) == 3


def test_server_timing_says_the_time_in_the_app_and_the_path_when_asked(app, study):
    study.signed_in()
    assert "Server-Timing" not in study.beat(15).headers  # off by default
    app.config["HEARTBEAT_SERVER_TIMING"] = True
    app.config["HEARTBEAT_QUIET_PATH"] = False
    by_flask = study.beat(15).headers["Server-Timing"]
    app.config["HEARTBEAT_QUIET_PATH"] = True
    quiet = study.beat(15).headers["Server-Timing"]
    for header, path in ((by_flask, "flask"), (quiet, "quiet")):
        name, duration, description = header.split(";")
        assert name == "app" and description == f"desc={path}"
        assert 0 < float(duration.removeprefix("dur=")) < 10_000
    other = study.start()  # not a heartbeat: no header
    assert "Server-Timing" not in other.headers
