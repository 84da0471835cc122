"""POST/GET /api/v1/me/face/enrollment: real photos in, active or held or refused out."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import delete, func, select

from skilltrace.extensions import db
from skilltrace.faces.messages import ENGINE_MESSAGES, ENROLLMENT_REFUSALS
from skilltrace.faces.models import FaceEnrollment, FaceReviewCase, FaceTemplate
from skilltrace.faces.runtime import face_engine
from skilltrace.faces.services import enrollment_service
from skilltrace.identity.models import ConsentRecord

from .enroll_support import API, altered, media_files, photo, post_enrollment, signed_in


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_enrollment_with_a_real_photo_is_active(app, make_user, login, shared_faces):
    learner, client, token = signed_in(app, make_user, login)
    assert client.get(API).get_json()["status"] == "not_enrolled"

    response = post_enrollment(client, token, photo(shared_faces, "obama/obama.jpg"))

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "active"
    quality = body["enrollment"]["quality"]
    assert quality["face_px"] >= 80 and quality["sharpness"] > 20
    assert 40 <= quality["brightness"] <= 200 and quality["yaw"] < 0.4
    assert body["enrollment"]["source"] == "upload"
    status = client.get(API).get_json()
    assert status["status"] == "active" and status["can_study"] is True
    assert status["active"]["id"] == body["enrollment"]["id"]
    template = db.session.get(FaceTemplate, learner.id)
    assert template.enrollment_id == body["enrollment"]["id"]
    assert count(FaceReviewCase) == 0


def test_camera_capture_is_recorded_as_such(app, make_user, login, shared_faces):
    _learner, client, token = signed_in(app, make_user, login)
    response = post_enrollment(
        client, token, photo(shared_faces, "rose_leslie/img1.jpg"), source="camera"
    )
    assert response.status_code == 201
    assert response.get_json()["enrollment"]["source"] == "camera"


REFUSALS = [
    ("two_faces_kit_rose.jpg", None, "multiple_faces"),
    ("obama-240p.jpg", None, "face_too_small"),
    ("obama_partial_face.jpg", None, "not_frontal"),
    ("obama/obama.jpg", "upside_down", "no_face"),
    ("obama/obama.jpg", "blurred", "too_blurry"),
    ("obama/obama.jpg", "dark", "too_dark"),
    ("obama/obama.jpg", "overexposed", "too_bright"),
]


UNREADABLE = [
    (b"This is a text file, not a photo.\n" * 20, "unsupported_image"),
    (b"", "unsupported_image"),
    # a PNG header declaring 20000 x 20000 pixels: refused before any pixel is decoded
    (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        + (20000).to_bytes(4, "big") * 2
        + b"\x08\x02\x00\x00\x00\x00\x00\x00\x00",
        "image_too_large",
    ),
    (b"\xff\xd8\xff\xe0" + b"\x00" * (5 * 1024 * 1024 + 10), "image_too_large"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * (9 * 1024 * 1024), "image_too_large"),  # body refused
]


def test_refused_photos_write_nothing(app, make_user, login, shared_faces):
    _learner, client, token = signed_in(app, make_user, login)
    before = media_files("faces")
    cases = [
        (name, altered(shared_faces, name, how) if how else photo(shared_faces, name), code)
        for name, how, code in REFUSALS
    ] + [(f"{len(data)} bytes", data, code) for data, code in UNREADABLE]
    seen = set()
    for name, data, code in cases:
        response = post_enrollment(client, token, data)
        assert response.status_code == 422, (name, response.get_json())
        error = response.get_json()["error"]
        assert (error["code"], error["field"]) == (code, "image"), name
        with app.test_request_context():
            assert error["message"] == str(ENGINE_MESSAGES[code]), name
        seen.add(code)
    assert seen == set(ENROLLMENT_REFUSALS) - set(MULTI_PHOTO_REFUSALS)
    assert count(FaceEnrollment) == 0 and count(FaceTemplate) == 0
    assert media_files("faces") == before


MULTI_PHOTO_REFUSALS = ("enrollment_photos_differ", "too_many_photos")


def post_photos(client, token, photos: list[bytes]):
    return client.post(
        API,
        data={"image": [(io.BytesIO(p), f"photo{i}.jpg") for i, p in enumerate(photos)]},
        headers={"X-CSRFToken": token},
        content_type="multipart/form-data",
    )


def test_three_photos_make_one_template(app, make_user, login, shared_faces):
    learner, client, token = signed_in(app, make_user, login)
    before = set(media_files("faces"))
    photos = [
        photo(shared_faces, f"obama/{name}") for name in ("obama.jpg", "obama1.jpg", "obama3.jpg")
    ]
    response = post_photos(client, token, photos)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()["enrollment"]
    assert body["photos"] == 3 and body["model"].startswith("sface")
    template = enrollment_service().active_template(learner.id)
    assert template.shape == (3, 128)
    assert len(set(media_files("faces")) - before) == 3
    # a check frame is compared with the nearest of the three
    probe = face_engine().analyze_image(photo(shared_faces, "obama/obama2.jpg")).encoding
    assert face_engine().distance(probe, template) == min(
        face_engine().distance(probe, vector) for vector in template
    )


@pytest.mark.parametrize("code", MULTI_PHOTO_REFUSALS)
def test_multi_photo_refusals_write_nothing(app, make_user, login, shared_faces, code):
    _learner, client, token = signed_in(app, make_user, login)
    before = media_files("faces")
    obama = photo(shared_faces, "obama/obama.jpg")
    photos = (
        [obama, photo(shared_faces, "biden/biden.jpg")]
        if code == "enrollment_photos_differ"
        else [obama] * 4
    )
    response = post_photos(client, token, photos)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code
    assert count(FaceEnrollment) == 0 and media_files("faces") == before


def test_a_refusal_names_each_refused_photo_in_chinese(app, make_user, login, shared_faces):
    _learner, client, token = signed_in(app, make_user, login)
    before = media_files("faces")
    photos = [
        photo(shared_faces, "obama/obama.jpg"),
        photo(shared_faces, "two_faces_obama_biden.jpg"),
        altered(shared_faces, "obama/obama1.jpg", "dark"),
    ]
    response = post_photos(client, token, photos)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "multiple_faces" and error["field"] == "image"
    assert error["message"].startswith("第 2 张（共 3 张）：")
    assert [(p["number"], p["accepted"], p["code"]) for p in error["photos"]] == [
        (1, True, None),
        (2, False, "multiple_faces"),
        (3, False, "too_dark"),
    ]
    assert error["photos"][0]["message"] is None
    assert "不止一张人脸" in error["photos"][1]["message"]
    assert "暗" in error["photos"][2]["message"]
    assert count(FaceEnrollment) == 0 and media_files("faces") == before


def test_the_photo_of_someone_else_is_named(app, make_user, login, shared_faces):
    _learner, client, token = signed_in(app, make_user, login)
    photos = [photo(shared_faces, f"obama/{name}") for name in ("obama.jpg", "obama1.jpg")]
    response = post_photos(client, token, [*photos, photo(shared_faces, "biden/biden.jpg")])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "enrollment_photos_differ"
    assert [p["accepted"] for p in error["photos"]] == [True, True, False]
    assert error["message"].startswith("第 3 张（共 3 张）：")
    assert count(FaceEnrollment) == 0


def test_a_single_refused_photo_keeps_its_plain_message(app, make_user, login, shared_faces):
    _learner, client, token = signed_in(app, make_user, login)
    response = post_photos(client, token, [photo(shared_faces, "two_faces_kit_rose.jpg")])
    error = response.get_json()["error"]
    assert error["message"] == str(ENGINE_MESSAGES["multiple_faces"])  # no photo number
    assert error["photos"] == [
        {
            "number": 1,
            "accepted": False,
            "code": "multiple_faces",
            "message": error["message"],
        }
    ]


def test_every_refusal_code_has_a_message():
    assert set(ENROLLMENT_REFUSALS) <= set(ENGINE_MESSAGES)


def test_consent_is_required(app, make_user, login, shared_faces):
    learner, client, token = signed_in(app, make_user, login)
    db.session.execute(delete(ConsentRecord).where(ConsentRecord.user_id == learner.id))
    db.session.commit()
    response = post_enrollment(client, token, photo(shared_faces, "obama/obama.jpg"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "consent_required"
    assert count(FaceEnrollment) == 0


def test_only_learners_enroll(app, make_user, login):
    for role in ("provider_staff", "regulator", "admin"):
        _user, client, token = signed_in(app, make_user, login, role)
        assert post_enrollment(client, token, b"irrelevant").status_code == 403, role
        assert client.get(API).status_code == 403, role


def test_missing_image_and_missing_csrf(app, make_user, login, shared_faces):
    _learner, client, token = signed_in(app, make_user, login)
    response = client.post(API, data={}, headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "field_required",
        "message": response.get_json()["error"]["message"],
        "field": "image",
    }
    response = post_enrollment(client, None, photo(shared_faces, "obama/obama.jpg"))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert count(FaceEnrollment) == 0


def test_anonymous_callers_are_refused(client):
    assert client.get(API).status_code == 401
    assert client.post(API, data={}).status_code == 401


def test_the_endpoint_is_documented_as_multipart(client):
    document = client.get("/api/v1/openapi.json").get_json()
    post = document["paths"]["/api/v1/me/face/enrollment"]["post"]
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["image"]
    assert {"201", "202", "422"} <= set(post["responses"])
    assert "multiple_faces" in post["responses"]["422"]["description"]
    assert "get" in document["paths"]["/api/v1/me/face/enrollment"]
