from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.identity.models import ApiToken


def test_login_by_mobile_and_by_id_number(client, make_user, app):
    user = make_user()
    from skilltrace.identity.services import account_service

    id_number = account_service().reveal_id_number(user)
    for login_name in (user.mobile, id_number.lower()):
        response = client.post(
            "/api/v1/auth/login", json={"login": login_name, "password": "correct-horse-42"}
        )
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["csrf_token"]


def test_wrong_password(client, make_user):
    user = make_user()
    response = client.post("/api/v1/auth/login", json={"login": user.mobile, "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_login_form_without_csrf_token_is_rejected(client, make_user):
    user = make_user()
    response = client.post("/login", data={"login": user.mobile, "password": "correct-horse-42"})
    assert response.status_code == 400
    assert client.get("/learner/").status_code == 302  # still anonymous


def test_login_form_with_csrf_token(client, make_user, csrf_token):
    user = make_user()
    response = client.post(
        "/login",
        data={
            "login": user.mobile,
            "password": "correct-horse-42",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    assert client.get("/learner/").status_code == 200


def test_session_api_call_needs_csrf_header(client, make_user, login):
    regulator = make_user("regulator")
    token = login(client, regulator)
    refused = client.post("/api/v1/me/tokens", json={"name": "city system"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    created = client.post(
        "/api/v1/me/tokens", json={"name": "city system"}, headers={"X-CSRFToken": token}
    )
    assert created.status_code == 201


def test_bearer_token_is_stored_hashed_and_works_without_session(client, make_user, login, app):
    regulator = make_user("regulator")
    token = login(client, regulator)
    secret = client.post(
        "/api/v1/me/tokens", json={"name": "city system"}, headers={"X-CSRFToken": token}
    ).get_json()["token"]
    stored = db.session.scalar(select(ApiToken))
    assert secret not in (stored.token_hash, stored.prefix) and stored.prefix == secret[:10]
    other = app.test_client()
    me = other.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["user"]["id"] == regulator.id
    # unsafe calls with a bearer token need no CSRF header
    again = other.post(
        "/api/v1/me/tokens", json={"name": "second"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert again.status_code == 201
    bad = other.get("/api/v1/me", headers={"Authorization": "Bearer st_nope"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "invalid_token"


def test_learners_cannot_create_tokens(client, make_user, login):
    token = login(client, make_user())
    response = client.post("/api/v1/me/tokens", json={"name": "x"}, headers={"X-CSRFToken": token})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_logout(client, make_user, csrf_token, login):
    login(client, make_user())
    assert client.get("/learner/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert client.get("/learner/").status_code == 302
