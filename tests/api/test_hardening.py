"""The faults an attack on the running platform found (issue 11): each is a clear 4xx now.

Run on PostgreSQL (``DATABASE_URL``): int32 overflow and NUL bytes only fail there."""

import pytest
from sqlalchemy import func, select

from skilltrace.api.text import ID_MAX
from skilltrace.extensions import db
from skilltrace.identity.models import ApiToken, Role, User

TOO_BIG = [ID_MAX + 1, 2**63, 10**30]


# -- 1. out-of-range ids ------------------------------------------------------------------------
@pytest.mark.parametrize("big", TOO_BIG)
@pytest.mark.parametrize(
    "path",
    ["/api/v1/courses/{}", "/api/v1/classes/{}", "/api/v1/oversight/learners/{}"],
)
def test_ids_beyond_the_id_range_in_api_paths_are_404(client, make_user, login, path, big):
    login(client, make_user(Role.REGULATOR))
    response = client.get(path.format(big))
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "not_found"


def test_ids_beyond_the_id_range_in_pages_are_404(client, make_user, login, app):
    login(client, make_user(Role.REGULATOR))
    pages = [r.rule for r in app.url_map.iter_rules() if "<int:" in r.rule and "GET" in r.methods]
    assert pages
    for rule in pages:
        path = rule
        while "<int:" in path:
            start = path.index("<int:")
            path = path[:start] + str(ID_MAX + 1) + path[path.index(">", start) + 1 :]
        if "<" in path:
            continue
        assert client.get(path).status_code == 404, path


def test_largest_id_is_still_looked_up(client, make_user, login):
    login(client, make_user(Role.REGULATOR))
    assert client.get(f"/api/v1/courses/{ID_MAX}").status_code == 404


@pytest.mark.parametrize("value", [ID_MAX + 1, 2**63, 0, -1])
def test_ids_beyond_the_id_range_in_bodies_are_422(client, make_user, login, value):
    csrf = login(client, make_user(Role.LEARNER))
    response = client.post(
        "/api/v1/study/sessions", json={"lesson_id": value}, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("field_range", "lesson_id")


# -- 2. deeply nested JSON ----------------------------------------------------------------------
@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000, "[" * 100_000 + "]" * 100_000])
def test_deeply_nested_json_is_400(client, body):
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_every_json_parse_treats_deep_nesting_as_invalid_json(app):
    # views that call request.get_json themselves get the same: invalid JSON, never a crash
    with pytest.raises(ValueError):
        app.json.loads("[" * 100_000)
    with app.test_request_context(
        "/api/v1/x", method="POST", data="[" * 100_000, content_type="application/json"
    ):
        from flask import request

        assert request.get_json(silent=True) is None


# -- 3. control and format characters ------------------------------------------------------------
def _register(client, name):
    return client.post(
        "/api/v1/auth/register",
        json={
            "name": name,
            "id_number": "11010519491231002X",
            "mobile": "13912345678",
            "password": "correct-horse-42",
            "consent": True,
        },
    )


@pytest.mark.parametrize("name", ["张\x00三", "张\u202e三", "张三\x07", "张三1", "张  三", "\x00"])
def test_bad_real_names_are_422_and_nothing_is_written(client, name):
    response = _register(client, name)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "name" and error["code"] in ("name_invalid", "field_characters")
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("name", ["阿卜杜拉·买买提", "María José"])
def test_minority_and_foreign_names_register(client, name):
    assert _register(client, name).status_code == 201


def test_nul_in_a_token_name_is_422(client, make_user, login):
    csrf = login(client, make_user(Role.REGULATOR))
    response = client.post(
        "/api/v1/me/tokens", json={"name": "city\x00system"}, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "field_characters",
        "message": response.get_json()["error"]["message"],
        "field": "name",
    }
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize("comment", ["no\x00way", "rtl\u202e"])
def test_control_characters_in_a_rejection_comment_are_422(client, make_user, login, comment):
    csrf = login(client, make_user(Role.REGULATOR))
    for path in ("/api/v1/courses/1/reject", "/api/v1/courses/1/approve"):
        response = client.post(path, json={"comment": comment}, headers={"X-CSRFToken": csrf})
        assert response.status_code == 422, path
        assert response.get_json()["error"]["field"] == "comment"


def test_multi_line_rejection_comment_passes_the_text_rule(client, make_user, login):
    csrf = login(client, make_user(Role.REGULATOR))
    response = client.post(
        "/api/v1/courses/1/reject", json={"comment": "一\n二\t三"}, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 404  # the rule let it through; there is no course 1


def test_nul_in_a_query_a_form_and_a_multipart_field_is_422(client, make_user, login, app):
    csrf = login(client, make_user(Role.REGULATOR))
    query = client.get("/oversight/learners?q=%00")
    assert query.status_code == 422
    form = client.post("/account/tokens", data={"name": "a\x00b", "csrf_token": csrf})
    assert form.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    learner = app.test_client()
    csrf = login(learner, make_user(Role.LEARNER))
    multipart = learner.post(
        "/api/v1/study/sessions/1/checks/1",
        data={"nonce": "x\x00"},
        content_type="multipart/form-data",
        headers={"X-CSRFToken": csrf},
    )
    assert multipart.status_code == 422
    assert multipart.get_json()["error"]["field"] == "nonce"


def test_register_page_refuses_a_format_character_in_the_name(client, csrf_token):
    response = client.post(
        "/register",
        data={
            "name": "张\u202e三",
            "id_number": "11010519491231002X",
            "mobile": "13912345678",
            "password": "correct-horse-42",
            "password_confirm": "correct-horse-42",
            "consent": "y",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


# -- 6. security headers ------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/login", "/api/v1/me", "/api/v1/openapi.json", "/nowhere"])
def test_security_headers_on_pages_and_api(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # cookies are not HTTPS-only here


def test_hsts_when_cookies_are_https_only():
    from skilltrace import create_app
    from skilltrace.crypto import new_key_b64

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SKILLTRACE_DATA_KEY": new_key_b64(),
            "SESSION_COOKIE_SECURE": True,
            "DATABASE_URL": "sqlite://",
            "REDIS_URL": "",
        }
    )
    response = app.test_client().get("/api/v1/openapi.json", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_templates_have_no_inline_script_style_or_handlers():
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    inline = re.compile(
        r"<script(?![^>]*\b(?:src=|type=\"application/json\"))|<style|\son[a-z]+\s*=|style=|javascript:",
        re.I,
    )
    found = [
        f"{p.relative_to(templates)}: {m.group(0)}"
        for p in templates.rglob("*.html")
        for m in inline.finditer(p.read_text(encoding="utf-8"))
    ]
    assert found == []


# -- 7. 405 carries Allow -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/auth/login", {"POST", "OPTIONS"}),
        ("PUT", "/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/login", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("POST", "/", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_405_carries_allow(client, method, path, allowed):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


# -- the OpenAPI document says what the server accepts -------------------------------------------
def _json_bodies(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            for param in op.get("parameters", []):
                yield path, method, "param", param["schema"]
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield path, method, "body", body["schema"]


def test_openapi_bodies_refuse_unknown_properties_and_empty_required_strings(client):
    seen = 0
    for path, method, kind, schema in _json_bodies(client):
        where = f"{method} {path}"
        if kind == "param":
            if schema["type"] == "integer":
                assert schema["maximum"] == ID_MAX, where
            continue
        seen += 1
        assert schema["additionalProperties"] is False, where
        for name, prop in schema["properties"].items():
            if prop["type"] == "integer":
                assert (prop["minimum"], prop["maximum"]) == (1, ID_MAX), where
            if prop["type"] == "string" and name in schema.get("required", []):
                assert prop["minLength"] >= 1 and prop["pattern"], f"{where} {name}"
    assert seen >= 5


def test_unknown_property_is_422(client):
    response = client.post(
        "/api/v1/auth/login", json={"login": "13912345678", "password": "x", "admin": True}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "field_unknown"


def test_study_operations_are_documented_as_session_only(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    start = doc["paths"]["/api/v1/study/sessions"]["post"]
    assert start["security"] == [{"sessionCookie": []}]
    me = doc["paths"]["/api/v1/me"]["get"]
    assert {"bearerToken": []} in me["security"]


def test_a_multipart_part_with_a_broken_name_is_not_a_500(client, make_user, login):
    csrf = login(client, make_user(Role.LEARNER))
    response = client.post(
        "/api/v1/study/sessions/1/checks/1",
        data={"\nnonce": "x"},  # the parser keeps the part without a name
        content_type="multipart/form-data",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code < 500
