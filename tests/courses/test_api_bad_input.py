"""Approval endpoints take an optional JSON comment; odd bodies get the error shape, never 500."""

import pytest


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("[1, 2]", 400, "malformed_json"),
        ('"text"', 400, "malformed_json"),
        ("{not json", 400, "malformed_json"),
        ('{"comment": 5}', 422, "field_type"),
    ],
)
def test_odd_approval_bodies_are_refused_cleanly(world, app, login, body, status, code):
    course = world.course(status="submitted")
    client = app.test_client()
    csrf = login(client, world.users["regulator"])
    response = client.post(
        f"/api/v1/courses/{course.id}/approve",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_approval_without_a_body(world, app, login):
    course = world.course(status="submitted")
    client = app.test_client()
    csrf = login(client, world.users["regulator"])
    response = client.post(f"/api/v1/courses/{course.id}/approve", headers={"X-CSRFToken": csrf})
    assert response.status_code == 200
    assert response.get_json()["course"]["status"] == "approved"
