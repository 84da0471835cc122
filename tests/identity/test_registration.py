import pytest
from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.identity.models import ConsentRecord, User

VALID = {
    "name": "张三",
    "id_number": "11010519491231002x",
    "mobile": "13912345678",
    "password": "long-enough-pw",
    "consent": True,
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def register(client, **changes):
    return client.post("/api/v1/auth/register", json={**VALID, **changes})


def test_register_creates_learner_with_encrypted_id_and_consent(client, app):
    valid_id = "610102199001011231"
    response = register(client, id_number=valid_id)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["user"]["id_number"] == "610102********1231"
    assert body["user"]["mobile"] == "139****5678"
    user = db.session.scalar(select(User))
    assert valid_id.encode() not in user.id_number_encrypted
    assert user.password_hash.startswith("scrypt:")
    consent = db.session.scalar(select(ConsentRecord))
    assert consent.user_id == user.id
    assert consent.policy_version == app.config["CONSENT_POLICY_VERSION"]
    assert consent.given_at is not None
    # the new account is logged in
    assert client.get("/api/v1/me").get_json()["user"]["id"] == user.id


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"id_number": "610102199001011232"}, 422, "id_number_checksum", "id_number"),
        ({"id_number": "610102199002300014"}, 422, "id_number_birth_date", "id_number"),
        ({"id_number": "991021199001011231"}, 422, "id_number_province", "id_number"),
        ({"id_number": "610102900101123"}, 422, "id_number_format", "id_number"),
        ({"mobile": "1234"}, 422, "mobile_format", "mobile"),
        ({"password": "short"}, 422, "password_too_short", "password"),
        ({"consent": False}, 422, "consent_required", "consent"),
        ({"consent": "yes"}, 422, "field_type", "consent"),
        ({"name": ""}, 422, "field_required", "name"),
        ({"name": 42}, 422, "field_type", "name"),
        ({"id_number": "6" * 40}, 422, "field_too_long", "id_number"),
    ],
)
def test_register_refusals_write_nothing(client, changes, status, code, field):
    response = register(client, **changes)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert (error["code"], error.get("field")) == (code, field)
    assert error["message"]
    assert count(User) == 0 and count(ConsentRecord) == 0


def test_duplicate_id_number_is_refused(client, app):
    assert register(client, id_number="610102199001011231").status_code == 201
    other = app.test_client()
    response = register(other, id_number="610102199001011231", mobile="13800000000")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate_id_number"
    assert count(User) == 1 and count(ConsentRecord) == 1


def test_duplicate_id_number_is_found_regardless_of_case(client, app):
    assert register(client, id_number="11010519491231002X").status_code == 201
    response = register(app.test_client(), id_number="11010519491231002x", mobile="13800000000")
    assert response.get_json()["error"]["code"] == "duplicate_id_number"


def test_duplicate_mobile_is_refused(client, app):
    assert register(client, id_number="610102199001011231").status_code == 201
    response = register(app.test_client(), id_number="110105194912310038")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate_mobile"
    assert count(User) == 1


def test_error_messages_are_chinese_by_default_and_english_on_request(client):
    zh = register(client, consent=False).get_json()["error"]["message"]
    en = client.post("/api/v1/auth/register?lang=en", json={**VALID, "consent": False}).get_json()[
        "error"
    ]["message"]
    assert "同意" in zh
    assert "consent" in en


def test_register_form_page(client, csrf_token):
    page = client.get("/register")
    assert page.status_code == 200
    assert "实名" in page.get_data(as_text=True)
    token = csrf_token(client)
    form = {
        "csrf_token": token,
        "name": "李四",
        "id_number": "610102199001011231",
        "mobile": "13912345679",
        "password": "long-enough-pw",
        "password_confirm": "long-enough-pw",
    }
    refused = client.post("/register", data=form)  # no consent box ticked
    assert refused.status_code == 422
    assert count(User) == 0
    accepted = client.post("/register", data={**form, "consent": "y"})
    assert accepted.status_code == 302
    assert count(User) == 1
    home = client.get("/learner/").get_data(as_text=True)
    assert "610102********1231" in home
    assert "610102199001011231" not in home
