"""Schemathesis fuzzes every operation of /api/v1/openapi.json as each role, with the ids of a
seeded world mixed into the generated ones: no answer is a server error (issue 11).

Bounded here (``FUZZ_EXAMPLES`` examples per operation and role, default 4);
``scripts/bench/fuzz.py`` runs the same with many more and prints the figures."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skilltrace.api.text import ID_MAX
from skilltrace.identity.models import Role

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
# Operations that end the caller's own session or change its password: fuzzed anonymously
# only, so that the other operations are fuzzed logged in.
SESSION_ENDING = {"/api/v1/auth/logout", "/api/v1/auth/logout-everywhere", "/api/v1/me/password"}
ROLES = [None, Role.LEARNER, Role.PROVIDER_STAFF, Role.REGULATOR, Role.ADMIN]
STATS: Counter = Counter()


@pytest.fixture
def world(app, classroom, study, make_user):
    """A course, a class, a lesson, a learner with a study session and each role's login."""
    from skilltrace.courses.models import Course

    started = study.start()
    assert started.status_code == 201, started.get_json()
    check_id = started.get_json()["check"]["id"]
    staff = next(u for u in classroom.course.provider.staff)  # the provider's staff account
    ids = {
        "course_id": [classroom.course.id],
        "class_id": [classroom.class_.id],
        "lesson_id": [classroom.lesson.id],
        "learner_id": [classroom.learner.id],
        "session_id": [study.session_id],
        "check_id": [check_id],
        "provider_id": [classroom.course.provider_id],
    }
    assert isinstance(classroom.course, Course)
    users = {
        Role.LEARNER: classroom.learner,
        Role.PROVIDER_STAFF: staff,
        Role.REGULATOR: make_user(Role.REGULATOR),
        Role.ADMIN: make_user(Role.ADMIN),
    }
    return ids, users, study


def _credentials(app, login, user) -> tuple[dict, dict]:
    client = app.test_client()
    csrf = login(client, user)
    return {"session": client.get_cookie("session").value}, {"X-CSRFToken": csrf}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_fuzzed_api_has_no_server_errors(app, world, login, role):
    ids, users, study = world
    cookies, headers = ({}, {}) if role is None else _credentials(app, login, users[role])
    if role == Role.LEARNER:  # the learner fuzzes as the one studying
        cookies, headers = _credentials_of(study)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if role is not None and operation.path in SESSION_ENDING:
            continue
        _fuzz(app, operation, ids, cookies, headers, failures, role)
    report = os.environ.get("FUZZ_REPORT")
    if report:
        with open(report, "a") as out:
            out.write(json.dumps({"role": role or "anonymous", **STATS}) + "\n")
    STATS.clear()
    assert failures == [], failures[:5]


def _credentials_of(study) -> tuple[dict, dict]:
    return {"session": study.client.get_cookie("session").value}, {"X-CSRFToken": study.csrf}


def _fuzz(app, operation, ids, cookies, headers, failures, role) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=EXAMPLES <= 8,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), data=st.data())
    def run(case, data):
        for name in list(case.path_parameters or {}):
            known = ids.get(name, [])
            if known and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(known))
            elif isinstance(case.path_parameters[name], int):
                case.path_parameters[name] = min(case.path_parameters[name], ID_MAX)
        if isinstance(case.body, dict) and "lesson_id" in case.body and data.draw(st.booleans()):
            case.body["lesson_id"] = ids["lesson_id"][0]
        with app.app_context():
            response = case.call(cookies=cookies, headers=headers)
        STATS[str(response.status_code)] += 1
        STATS["requests"] += 1
        if response.status_code >= 500:
            failures.append(
                f"{role} {case.method} {case.formatted_path} {response.status_code} "
                f"{case.body!r:.200} {response.text[:200]}"
            )

    run()
