"""The API frame: one error shape, bad bodies, OpenAPI document."""

import pytest


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "malformed_json"),
        ({"data": "[1, 2]", "content_type": "application/json"}, 400, "malformed_json"),
        (
            {"data": "login=a&password=b", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        ({"data": "", "content_type": "text/plain"}, 415, "unsupported_media_type"),
    ],
)
def test_bad_bodies_get_the_error_shape(client, kwargs, status, code):
    response = client.post("/api/v1/auth/login", **kwargs)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_oversized_body_is_413_with_the_error_shape(client, app):
    big = b"{" + b" " * (app.config["MAX_CONTENT_LENGTH"] + 10) + b"}"
    response = client.post("/api/v1/auth/login", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "body_too_large"


def test_unknown_path_and_wrong_method(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.get("/api/v1/auth/login")
    assert wrong.status_code == 405
    assert wrong.get_json()["error"]["code"] == "method_not_allowed"


def test_unauthenticated_api_call(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_openapi_document_lists_the_routes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    register = doc["paths"]["/api/v1/auth/register"]["post"]
    schema = register["requestBody"]["content"]["application/json"]["schema"]
    assert {"name", "id_number", "mobile", "password", "consent"} <= set(schema["required"])
    assert "201" in register["responses"]
    assert "/api/v1/auth/login" in doc["paths"]
    assert doc["paths"]["/api/v1/me"]["get"]["security"]


def test_html_pages_do_not_leak_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
