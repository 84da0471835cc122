"""Numbers from a query, a form or a JSON body, and uploaded file names, as the one request
rule reads them (api/text.py ``parse_int``/``parse_number``, api/frame.py ``BoundedValues``,
``strict_schema``): never a 500, whatever the route (tests/api/test_route_walk.py walks all)."""

import io

import pytest

from skilltrace.api.text import ID_MAX, parse_int, parse_number
from skilltrace.identity.models import Role


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("7", 7),
        (" 42 ", 42),
        ("-1", -1),
        ("+3", 3),
        (str(ID_MAX), ID_MAX),
        (str(-(2**31)), -(2**31)),
        (str(ID_MAX + 1), None),
        (str(2**63), None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١٢", None),  # Arabic-Indic digits
        ("1e3", None),
        ("1_000", None),
        ("0x10", None),
        ("nan", None),
        ("true", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_int(raw, value):
    assert parse_int(raw) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12.5", 12.5),
        ("3", 3.0),
        (".5", 0.5),
        ("-0.25", -0.25),
        ("1e309", None),
        ("inf", None),
        ("-Infinity", None),
        ("nan", None),
        ("1e3", None),
        ("99999999999", None),
        ("²", None),
        ("", None),
    ],
)
def test_parse_number(raw, value):
    assert parse_number(raw) == value


@pytest.mark.parametrize(
    ("raw", "as_int", "as_float"),
    [
        ("5", 5, 5.0),
        ("9223372036854775808", None, None),
        ("²", None, None),
        ("1e309", None, None),
        ("nan", None, None),
    ],
)
def test_query_and_form_numbers_are_bounded(app, raw, as_int, as_float):
    with app.test_request_context(f"/x?n={raw}", method="POST", data={"n": raw}):
        from flask import request

        for values in (request.args, request.form):
            assert values.get("n", type=int) == as_int
            assert values.get("n", type=float) == as_float
            assert values.getlist("n", type=int) == ([] if as_int is None else [as_int])
            assert values.get("n") == raw  # text is read as sent


def test_an_uploaded_file_name_with_a_control_character_is_refused(app):
    from skilltrace.errors import DomainError

    data = {"evidence": (io.BytesIO(b"%PDF"), "report\x00.pdf")}
    with app.test_request_context(
        "/x", method="POST", data=data, content_type="multipart/form-data"
    ):
        from flask import request

        with pytest.raises(DomainError) as refused:
            request.files  # noqa: B018 - parsing the body applies the rule
        assert (refused.value.code, refused.value.field) == ("field_characters", "evidence")


@pytest.mark.parametrize("raw", ["1e309", "-1e309", "NaN", "Infinity"])
def test_non_finite_json_numbers_are_422(client, make_user, login, raw):
    csrf = login(client, make_user(Role.LEARNER))
    response = client.post(
        "/api/v1/study/sessions/1/heartbeats",
        data=f'{{"position": {raw}, "playing": true, "playback_rate": 1, "visible": true}}',
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("field_range", "position")


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("/api/v1/lists/classes?page=²", 422),
        ("/api/v1/lists/courses?provider=²", 422),
        ("/api/v1/learners?until=9999-12-31", 422),
        ("/api/v1/learners?from=0001-01-01", 422),
        ("/api/v1/xapi/statements?cursor=²", 422),
        ("/api/v1/xapi/statements?cursor=2147483648", 422),  # a 500 on PostgreSQL
        ("/api/v1/xapi/statements?cursor=5", 200),
        ("/api/v1/xapi/statements?limit=²", 422),
        ("/oversight/learners?page=²", 200),  # the page shows the filter's error
        ("/oversight/report?year=²", 200),  # this year's report
    ],
)
def test_junk_filters_are_refused_not_500(client, make_user, login, query, status):
    login(client, make_user(Role.REGULATOR))
    assert client.get(query).status_code == status


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/oversight/spot-checks", {"target_kind": "class", "target_id": str(2**63)}),
        ("/oversight/spot-checks", {"target_kind": "class", "target_id": "²"}),
        ("/oversight/categories", {"class_id": str(2**63), "category": ""}),
        ("/subsidy/standards", {"yuan": "1e309"}),
    ],
)
def test_junk_numbers_in_regulator_forms_are_not_500(client, make_user, login, path, data):
    csrf = login(client, make_user(Role.REGULATOR))
    response = client.post(path, data={**data, "csrf_token": csrf})
    assert response.status_code < 500


def test_a_lone_surrogate_in_json_text_is_422_not_500(client, make_user, login):
    csrf = login(client, make_user(Role.REGULATOR))
    response = client.post(
        "/api/v1/me/tokens",
        data='{"name": "city\\ud800system"}',
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("field_characters", "name")
