"""The learner's enrollment page (camera + upload), the home panels, and the demo seed step."""

from __future__ import annotations

import io
import json
import re
from html import unescape

from sqlalchemy import func, select

from skilltrace import demo
from skilltrace.extensions import db
from skilltrace.faces.demo import seed_faces
from skilltrace.faces.errors import MESSAGES
from skilltrace.faces.models import FaceEnrollment, FaceTemplate

from .enroll_support import altered, photo, post_enrollment, signed_in


def upload(client, *photos: bytes):
    token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    files = [(io.BytesIO(data), f"me{i}.jpg") for i, data in enumerate(photos)]
    return client.post(
        "/faces/enroll?lang=en",
        data={"csrf_token": token, "image": files},
        content_type="multipart/form-data",
    )


def test_enroll_page_offers_camera_and_upload(app, make_user, login):
    _learner, client, _ = signed_in(app, make_user, login)
    page = client.get("/faces/enroll")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="face-camera"' in html and "/api/v1/me/face/enrollment" in html
    assert "js/faces-enroll.js" in html and 'type="file"' in html
    assert 'data-face-status="not_enrolled"' in html
    script = client.get("/static/js/faces-enroll.js").get_data(as_text=True)
    assert "getUserMedia" in script and "X-CSRFToken" in script and "http" not in script


def test_upload_form_enrolls_or_shows_the_refusal(app, make_user, login, shared_faces):
    learner, client, _ = signed_in(app, make_user, login)
    refused = upload(client, photo(shared_faces, "two_faces_kit_rose.jpg"))
    assert refused.status_code == 422
    assert MESSAGES["multiple_faces"] in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FaceEnrollment)) == 0

    done = upload(client, photo(shared_faces, "obama/obama.jpg"))
    assert done.status_code == 302 and done.headers["Location"].endswith("/faces/enroll")
    assert db.session.get(FaceTemplate, learner.id) is not None
    assert 'data-face-status="active"' in client.get("/faces/enroll").get_data(as_text=True)


def test_upload_of_three_photos_names_each_refused_one(app, make_user, login, shared_faces):
    learner, client, _ = signed_in(app, make_user, login)
    obama = photo(shared_faces, "obama/obama.jpg")
    refused = upload(
        client,
        photo(shared_faces, "two_faces_kit_rose.jpg"),
        obama,
        altered(shared_faces, "obama/obama1.jpg", "dark"),
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert f"Photo 1 of 3: {MESSAGES['multiple_faces']}" in html
    assert f"Photo 3 of 3: {MESSAGES['too_dark']}" in html and "Photo 2 of 3" not in html
    assert db.session.scalar(select(func.count()).select_from(FaceEnrollment)) == 0

    done = upload(client, obama, *(photo(shared_faces, f"obama/obama{n}.jpg") for n in (1, 3)))
    assert done.status_code == 302
    enrollment = db.session.get(FaceTemplate, learner.id).enrollment
    assert enrollment.source == "upload" and len(enrollment.photo_paths) == 3


def test_camera_settings_and_texts_reach_the_page_in_chinese(app, make_user, login):
    _learner, client, _ = signed_in(app, make_user, login)
    html = client.get("/faces/enroll").get_data(as_text=True)
    match = re.search(r"data-config='([^']*)'", html)
    config = json.loads(unescape(match.group(1)))
    assert config["shots"] == 3 and config["gapMs"] == 1000 and config["countdownS"] >= 1
    assert config["url"] == "/api/v1/me/face/enrollment"
    assert config["messages"]["capturing"] == "第 {number}/{total} 张……"
    assert "{seconds}" in config["messages"]["countdown"]
    assert html.count('data-role="retake-one"') == 3 and "拍摄 3 张照片" in html


def test_home_panels_show_status_and_open_cases(app, make_user, login, shared_faces):
    _learner, client, token = signed_in(app, make_user, login)
    home = client.get("/learner/").get_data(as_text=True)
    assert 'id="face-panel"' in home and 'data-face-status="not_enrolled"' in home
    assert "/faces/enroll" in home
    post_enrollment(client, token, photo(shared_faces, "obama/obama.jpg"))
    assert 'data-face-status="active"' in client.get("/learner/").get_data(as_text=True)

    _other, other_client, other_token = signed_in(app, make_user, login)
    post_enrollment(other_client, other_token, photo(shared_faces, "obama/obama2.jpg"))
    _regulator, reviewer, _ = signed_in(app, make_user, login, "regulator")
    home = reviewer.get("/regulator/").get_data(as_text=True)
    assert 'id="face-review-panel"' in home and "/faces/review" in home


def test_demo_seed_enrolls_the_demo_learners_once(app, monkeypatch, shared_faces):
    monkeypatch.setenv("SKILLTRACE_SHARED_FACES", str(shared_faces))
    lines: list[str] = []
    demo._seed_accounts(lambda _line: None)
    seed_faces(lines.append)
    assert len(lines) == len(demo.DEMO_LEARNERS)
    assert db.session.scalar(select(func.count()).select_from(FaceTemplate)) == 3
    seed_faces(lines.append)  # idempotent
    assert len(lines) == 3
    assert db.session.scalar(select(func.count()).select_from(FaceEnrollment)) == 3


def test_demo_seed_skips_a_missing_photo_folder(app, monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLTRACE_SHARED_FACES", str(tmp_path / "nowhere"))
    demo._seed_accounts(lambda _line: None)
    seed_faces(lambda _line: None)
    assert db.session.scalar(select(func.count()).select_from(FaceEnrollment)) == 0
    assert any(name == "faces" and order == 10 for order, name, _fn in demo.SEED_STEPS)
