"""The oversight JSON API: warnings in scope, drawing samples (bad input gets stable codes)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from skilltrace.extensions import db
from skilltrace.identity.models import Role, utcnow
from skilltrace.oversight.models import SpotCheck
from skilltrace.oversight.warnings import run_warnings
from skilltrace.traces.services import TraceLog


def test_warnings_api_lists_findings_in_scope(app, world, make_user, login):
    trace = TraceLog(db.session)
    learner = world.learners[0]
    for minutes in (1, 2, 3):
        trace.append(
            learner.id, "session_taken_over", {}, None, utcnow() - timedelta(minutes=minutes)
        )
    db.session.commit()
    run_warnings()
    client = app.test_client()
    login(client, world.regulator)
    found = client.get("/api/v1/oversight/warnings?code=takeover_repeated").get_json()["warnings"]
    assert [(w["code"], w["learner_ids"], len(w["event_ids"])) for w in found] == [
        ("takeover_repeated", [learner.id], 3)
    ]
    other = app.test_client()
    login(other, make_user(Role.REGULATOR, scope="6102"))
    assert other.get("/api/v1/oversight/warnings").get_json()["warnings"] == []
    provider = app.test_client()
    login(provider, world.staff)
    assert provider.get("/api/v1/oversight/warnings").status_code == 403


def test_same_seed_same_sample_over_the_api(app, world, login):
    client = app.test_client()
    token = login(client, world.regulator)
    body = {"target_kind": "provider", "target_id": world.provider.id, "ratio": 0.5, "seed": "s1"}
    first = client.post("/api/v1/oversight/spot-checks", json=body, headers={"X-CSRFToken": token})
    second = client.post("/api/v1/oversight/spot-checks", json=body, headers={"X-CSRFToken": token})
    assert first.status_code == second.status_code == 201
    assert first.get_json()["learner_ids"] == second.get_json()["learner_ids"]
    assert len(first.get_json()["learner_ids"]) == 6 and first.get_json()["population"] == 12


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"target_kind": "class", "target_id": 0, "ratio": 0.1}, 422, "field_range"),
        ({"target_kind": "school", "target_id": 1, "ratio": 0.1}, 404, "target_not_found"),
        ({"target_kind": "class", "target_id": "x", "ratio": 0.1}, 422, "field_type"),
        ({"target_kind": "class", "ratio": 0.1}, 422, "field_required"),
        ({"target_kind": "class", "target_id": -1, "ratio": 2}, 422, "field_range"),
        (
            {"target_kind": "class", "target_id": 2_000_000_000, "ratio": 0.5},
            404,
            "target_not_found",
        ),
        ({"target_kind": "class", "target_id": None, "ratio": 0.5, "seed": "x" * 65}, 422, None),
    ],
)
def test_bad_spot_check_requests_are_refused(app, world, login, body, status, code):
    client = app.test_client()
    token = login(client, world.regulator)
    if body.get("target_id") == -1:
        body = {**body, "target_id": world.class_.id}  # in scope, but the ratio is 200 %
        status, code = 422, "ratio_invalid"
    response = client.post(
        "/api/v1/oversight/spot-checks", json=body, headers={"X-CSRFToken": token}
    )
    assert response.status_code == status
    if code:
        assert response.get_json()["error"]["code"] == code
    assert db.session.query(SpotCheck).count() == 0
