"""Lesson uploads: real videos are probed; anything else is refused and leaves nothing behind."""

import io
import re

import pytest
from sqlalchemy import func, select

from skilltrace.courses.models import Lesson
from skilltrace.courses.services import CourseData, course_service
from skilltrace.extensions import db


def lesson_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Lesson))


@pytest.fixture
def course(world):
    return course_service().create_course(
        world.users["staff_a"], CourseData("电工安全", "电工", "5", "", "0.1")
    )


@pytest.fixture
def staff_client(app, world, login):
    client = app.test_client()
    client.token = login(client, world.users["staff_a"])
    return client


def upload(client, course_id, data: bytes, name: str):
    return client.post(
        f"/api/v1/courses/{course_id}/lessons",
        data={"title": "第一课", "video": (io.BytesIO(data), name)},
        headers={"X-CSRFToken": client.token},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (b"this is a text file, not a video\n" * 20, "lesson.mp4", 415, "video_format"),
        (b"", "lesson.mp4", 422, "video_missing"),
        # an MP4 header with nothing decodable behind it
        (
            b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 400,
            "x.mp4",
            422,
            "video_undecodable",
        ),
        # a WebM (EBML) header followed by garbage
        (b"\x1a\x45\xdf\xa3" + b"garbage" * 100, "x.webm", 422, "video_undecodable"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_kept(
    stored_media, app, course, staff_client, data, name, status, code
):
    response = upload(staff_client, course.id, data, name)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code and error["field"] == "video" and error["message"]
    assert lesson_count() == 0
    assert stored_media() == []


def test_a_text_file_renamed_mp4_is_refused_with_a_readable_message(
    stored_media, app, course, staff_client
):
    response = staff_client.post(
        f"/api/v1/courses/{course.id}/lessons?lang=zh",
        data={"video": (io.BytesIO(b"hello world\n"), "lesson.mp4")},
        headers={"X-CSRFToken": staff_client.token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "video_format"
    assert lesson_count() == 0 and stored_media() == []


def test_undecodable_video_through_the_page_leaves_nothing(stored_media, app, course, staff_client):
    response = staff_client.post(
        f"/provider/courses/{course.id}/lessons?lang=en",
        data={
            "csrf_token": staff_client.token,
            "title": "坏视频",
            "video": (io.BytesIO(b"\x1a\x45\xdf\xa3" + b"x" * 1000), "bad.webm"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This file is not a playable video" in page
    assert lesson_count() == 0 and stored_media() == []


@pytest.mark.parametrize(
    ("kind", "name", "content_type"),
    [
        ("webm", "a.webm", "video/webm"),
        ("mp4", "a.mp4", "video/mp4"),
        # the container is sniffed: a WebM named .mp4 is stored and served as WebM
        ("webm", "misnamed.mp4", "video/webm"),
    ],
)
def test_videos_are_stored_under_generated_names(
    stored_media, app, course, staff_client, videos, kind, name, content_type
):
    response = upload(staff_client, course.id, videos[kind], name)
    assert response.status_code == 201, response.get_json()
    lesson = db.session.scalar(select(Lesson))
    assert lesson.content_type == content_type
    folder, stored = lesson.media_path.split("/")
    assert folder == "lessons" and re.fullmatch(r"[0-9a-f]{32}\.(mp4|webm)", stored)
    assert lesson.size_bytes == len(videos[kind]) and len(lesson.sha256) == 64
    assert [p.name for p in stored_media()] == [lesson.media_path.split("/")[1]]


def test_mpeg4_part2_is_accepted_with_a_warning(course, staff_client, videos):
    response = upload(staff_client, course.id, videos["mp4"], "a.mp4")
    assert response.get_json()["warning"] == "codec_not_browser_playable"
    response = upload(staff_client, course.id, videos["webm"], "a.webm")
    assert "warning" not in response.get_json()


def test_the_upload_limit_applies_to_this_endpoint_only(
    stored_media, app, course, staff_client, videos, monkeypatch
):
    assert app.config["COURSE_VIDEO_MAX_BYTES"] > app.config["MAX_CONTENT_LENGTH"]
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    assert upload(staff_client, course.id, videos["webm"], "a.webm").status_code == 201
    monkeypatch.setitem(app.config, "COURSE_VIDEO_MAX_BYTES", 1000)
    response = upload(staff_client, course.id, videos["webm"], "a.webm")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "video_too_large"
    assert lesson_count() == 1 and len(stored_media()) == 1


def test_only_the_courses_provider_staff_may_upload(
    stored_media, app, world, course, login, videos
):
    for who in ("staff_b", "regulator", "learner"):
        client = app.test_client()
        token = login(client, world.users[who])
        response = client.post(
            f"/api/v1/courses/{course.id}/lessons",
            data={"video": (io.BytesIO(videos["webm"]), "a.webm")},
            headers={"X-CSRFToken": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 403, who
    assert lesson_count() == 0 and stored_media() == []


def test_removing_a_lesson_deletes_its_file_until_the_course_has_classes(
    stored_media, app, world, course, staff_client, videos
):
    staff = world.users["staff_a"]
    service = course_service()
    lesson = service.add_lesson(staff, course, "第一课", io.BytesIO(videos["webm"]), "a.webm")
    service.remove_lesson(staff, lesson)
    assert lesson_count() == 0 and stored_media() == []

    used = world.course()
    world.open_class(used)
    first = used.lessons[0]
    service.remove_lesson(staff, first)
    db.session.expire_all()
    assert first.retired_at is not None
    assert [lesson.title for lesson in used.lessons] == ["第2课"]
    assert used.status == "draft"  # removing a lesson is an edit of an approved course


def test_the_page_upload_checks_csrf_and_the_limit(
    stored_media, app, course, staff_client, videos, monkeypatch
):
    url = f"/provider/courses/{course.id}/lessons?lang=en"
    video = {"video": (io.BytesIO(videos["webm"]), "a.webm")}
    response = staff_client.post(
        url, data={"csrf_token": "forged", **video}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    monkeypatch.setitem(app.config, "COURSE_VIDEO_MAX_BYTES", 1000)
    response = staff_client.post(
        url,
        data={"csrf_token": staff_client.token, "video": (io.BytesIO(videos["webm"]), "a.webm")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "larger than the upload limit" in page
    assert lesson_count() == 0 and stored_media() == []
