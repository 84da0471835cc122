"""Accommodations: a learner asks, a regulator in scope grants until an expiry date, the check
mode follows (contract B), provider staff attest attendance that the ledger credits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.faces.accommodations import (
    ATTENDED,
    CHALLENGE,
    MATCH_ONLY,
    Grant,
    attendance_refusal,
    beijing_date,
    check_mode,
    expiry_refusal,
    mode_on,
)
from skilltrace.faces.appeal_models import ReviewTransition
from skilltrace.identity.models import Role

from .appeal_support import credited, reviewer, trace_data

REASON = "我视力不好，无法看清转头提示。"


@pytest.fixture
def learner_client(app, classroom, clock, login):
    client = app.test_client()
    csrf = login(client, classroom.learner)

    def post(path, body):
        return client.post(path, json=body, headers={"X-CSRFToken": csrf})

    client.post_json = post
    return client


def ask(client, classroom, kind="match_only", reason=REASON):
    return client.post_json(
        "/api/v1/me/accommodations",
        {"class_id": classroom.class_.id, "kind": kind, "reason": reason},
    )


@pytest.mark.parametrize(
    ("grants", "day_offset", "mode"),
    [
        ([], 0, CHALLENGE),
        ([("match_only", "granted", 5)], 0, MATCH_ONLY),
        ([("match_only", "granted", 5)], 5, MATCH_ONLY),  # the expiry day still applies
        ([("match_only", "granted", 5)], 6, CHALLENGE),
        ([("attended", "refused", 5)], 0, CHALLENGE),
        ([("attended", "requested", None)], 0, CHALLENGE),
        ([("match_only", "granted", 9), ("attended", "granted", 3)], 0, ATTENDED),
        ([("match_only", "granted", 9), ("attended", "granted", 3)], 4, MATCH_ONLY),
    ],
)
def test_mode_on(grants, day_offset, mode):
    from datetime import date

    today = date(2026, 3, 1)
    rows = [Grant(k, s, today + timedelta(days=e) if e is not None else None) for k, s, e in grants]
    assert mode_on(rows, today + timedelta(days=day_offset)) == mode


@pytest.mark.parametrize(
    ("days", "code"), [(-1, "expiry_invalid"), (0, None), (366, None), (367, "expiry_invalid")]
)
def test_expiry_refusal(days, code):
    from datetime import date

    today = date(2026, 3, 1)
    assert expiry_refusal(today + timedelta(days=days), today) == code


@pytest.mark.parametrize(
    ("day", "minutes", "name", "code"),
    [
        (5, 45, "王老师", None),
        (0, 45, "王老师", None),
        (-1, 45, "王老师", "date_invalid"),  # before the class
        (11, 45, "王老师", "date_invalid"),  # after today
        (5, 0, "王老师", "minutes_invalid"),
        (5, 481, "王老师", "minutes_invalid"),
        (5, True, "王老师", "minutes_invalid"),
        (5, 45, " 王 ", "staff_name_invalid"),
        (5, 45, "x" * 61, "staff_name_invalid"),
    ],
)
def test_attendance_refusal(day, minutes, name, code):
    from datetime import date

    start = date(2026, 3, 1)
    today = start + timedelta(days=10)
    assert (
        attendance_refusal(
            start + timedelta(days=day), minutes, name, start, start + timedelta(days=30), today
        )
        == code
    )


def test_granted_match_only_changes_the_check_mode_until_it_expires(
    app, classroom, clock, learner_client, make_user, login
):
    learner, class_ = classroom.learner, classroom.class_
    assert check_mode(learner.id, class_.id, clock.now()) == CHALLENGE
    asked = ask(learner_client, classroom)
    assert asked.status_code == 201, asked.get_json()
    again = ask(learner_client, classroom, kind="attended")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "accommodation_pending"

    outsider = reviewer(app, make_user, login, scope="6103")
    assert outsider.client.get("/api/v1/face/accommodations").get_json()["accommodations"] == []
    path = f"/api/v1/face/accommodations/{asked.get_json()['id']}/decision"
    expires = (beijing_date(clock.now()) + timedelta(days=3)).isoformat()
    refused = outsider.post(path, {"grant": True, "expires_on": expires})
    assert refused.status_code == 404

    regulator = reviewer(app, make_user, login)
    no_expiry = regulator.post(path, {"grant": True})
    assert no_expiry.status_code == 422
    assert no_expiry.get_json()["error"]["code"] == "expiry_invalid"
    granted = regulator.post(path, {"grant": True, "expires_on": expires, "comment": "同意"})
    assert granted.status_code == 200 and granted.get_json()["status"] == "granted"
    twice = regulator.post(path, {"grant": False})
    assert twice.status_code == 409
    assert twice.get_json()["error"]["code"] == "accommodation_decided"

    assert check_mode(learner.id, class_.id, clock.now()) == MATCH_ONLY
    clock.advance(timedelta(days=3).total_seconds())
    assert check_mode(learner.id, class_.id, clock.now()) == MATCH_ONLY  # the expiry day
    clock.advance(timedelta(days=1, hours=1).total_seconds())
    assert check_mode(learner.id, class_.id, clock.now()) == CHALLENGE
    events = trace_data(learner.id, "accommodation_granted")
    assert events[0]["kind"] == "match_only" and events[0]["expires_on"] == expires
    assert trace_data(learner.id, "accommodation_requested")
    states = db.session.scalars(
        select(ReviewTransition.to_state).where(ReviewTransition.subject == "accommodation")
    ).all()
    assert states == ["requested", "granted"]


def test_other_learners_and_bad_requests_are_refused(
    app, classroom, learner_client, make_user, login
):
    bad_kind = ask(learner_client, classroom, kind="no_checks")
    assert bad_kind.status_code == 422 and bad_kind.get_json()["error"]["code"] == "kind_invalid"
    short = ask(learner_client, classroom, reason="短")
    assert short.get_json()["error"]["code"] == "reason_invalid"
    stranger = make_user(Role.LEARNER)
    client = app.test_client()
    csrf = login(client, stranger)
    response = client.post(
        "/api/v1/me/accommodations",
        json={"class_id": classroom.class_.id, "kind": "attended", "reason": REASON},
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "class_not_found"


def test_attended_study_is_credited_from_attested_attendance(
    app, classroom, clock, learner_client, make_user, login, monkeypatch
):
    monkeypatch.setitem(app.config, "DAILY_CAP_HOUR_UNITS", 3)  # 3 minutes a day here
    learner, class_ = classroom.learner, classroom.class_
    asked = ask(learner_client, classroom, kind="attended").get_json()
    regulator = reviewer(app, make_user, login)
    today = beijing_date(clock.now())
    regulator.post(
        f"/api/v1/face/accommodations/{asked['id']}/decision",
        {"grant": True, "expires_on": (today + timedelta(days=1)).isoformat()},
    )
    assert check_mode(learner.id, class_.id, clock.now()) == ATTENDED

    staff = make_user(Role.PROVIDER_STAFF, provider=class_.provider)
    staff_client = app.test_client()
    csrf = login(staff_client, staff)

    def attest(**changes):
        body = {
            "learner_id": learner.id,
            "class_id": class_.id,
            "lesson_id": classroom.lesson.id,
            "date": today.isoformat(),
            "minutes": 2,
            "staff_name": "王老师",
            **changes,
        }
        return staff_client.post(
            "/api/v1/provider/attendance", json=body, headers={"X-CSRFToken": csrf}
        )

    recorded = attest()
    assert recorded.status_code == 201, recorded.get_json()
    assert credited(learner.id) == pytest.approx(120.0)  # the 2-minute lesson, whole
    assert trace_data(learner.id, "attendance_attested")[0]["staff_name"] == "王老师"
    duplicate = attest(minutes=3)
    assert duplicate.status_code == 409
    assert duplicate.get_json()["error"]["code"] == "attendance_duplicate"
    assert attest(minutes=0).get_json()["error"]["code"] == "field_range"  # the API-wide rule
    future = attest(date=(today + timedelta(days=1)).isoformat())
    assert future.get_json()["error"]["code"] == "date_invalid"
    result = app.test_cli_runner().invoke(args=["study", "recompute", str(learner.id)])
    assert result.exit_code == 0 and "equals the trace" in result.output, result.output

    other_provider_staff = make_user(Role.PROVIDER_STAFF)
    other = app.test_client()
    other_csrf = login(other, other_provider_staff)
    response = other.post(
        "/api/v1/provider/attendance",
        json={
            "learner_id": learner.id,
            "class_id": class_.id,
            "lesson_id": classroom.lesson.id,
            "date": today.isoformat(),
            "minutes": 2,
            "staff_name": "李老师",
        },
        headers={"X-CSRFToken": other_csrf},
    )
    assert response.status_code == 404

    clock.advance(timedelta(days=2).total_seconds())  # the accommodation has expired
    late = attest(date=(today + timedelta(days=2)).isoformat())
    assert late.get_json()["error"]["code"] == "no_attended_accommodation"
    assert check_mode(learner.id, class_.id, clock.now()) == CHALLENGE


def test_attendance_needs_an_attended_accommodation(app, classroom, clock, make_user, login):
    staff = make_user(Role.PROVIDER_STAFF, provider=classroom.class_.provider)
    client = app.test_client()
    csrf = login(client, staff)
    response = client.post(
        "/api/v1/provider/attendance",
        json={
            "learner_id": classroom.learner.id,
            "class_id": classroom.class_.id,
            "lesson_id": classroom.lesson.id,
            "date": beijing_date(clock.now()).isoformat(),
            "minutes": 30,
            "staff_name": "王老师",
        },
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_attended_accommodation"
    assert credited(classroom.learner.id) == 0


def test_openapi_describes_the_appeal_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    decision = paths["/api/v1/face/appeals/{appeal_id}/decision"]["post"]
    assert decision["summary"].startswith("Uphold, propose")
    assert "second_reviewer_required" in str(decision["responses"])
    assert "requestBody" in decision
    for path in (
        "/api/v1/me/face/checks",
        "/api/v1/me/face/checks/{check_id}/appeal",
        "/api/v1/face/appeals",
        "/api/v1/face/appeals/{appeal_id}",
        "/api/v1/me/accommodations",
        "/api/v1/face/accommodations",
        "/api/v1/face/accommodations/{accommodation_id}/decision",
        "/api/v1/provider/attendance",
    ):
        assert path in paths, path


def test_regulators_in_scope_see_checks_and_accommodations(
    app, classroom, clock, learner_client, make_user, login
):
    ask(learner_client, classroom, kind="attended")
    path = f"/api/v1/face/learners/{classroom.learner.id}/checks"
    inside = reviewer(app, make_user, login)
    listed = inside.client.get(path).get_json()
    assert listed["accommodations"][0]["kind"] == "attended"
    assert listed["checks"] == []
    outsider = reviewer(app, make_user, login, scope="6103")
    refused = outsider.client.get(path)
    assert refused.status_code == 404
    assert refused.get_json()["error"]["code"] == "learner_not_found"
