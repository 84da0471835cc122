"""Lesson video delivery: Range requests, content types, who may watch, front-server handoff."""

from datetime import timedelta

import pytest

from skilltrace.courses.classes import local_today
from skilltrace.courses.media import video_response
from skilltrace.courses.providers import set_provider_status
from skilltrace.errors import DomainError


@pytest.fixture
def setup(world, videos):
    """An approved course with an open class; ``learner`` is in it."""
    course = world.course(lessons=("webm", "mp4"))
    class_ = world.open_class(course)
    world.join(world.users["learner"], class_)
    return course, class_


def as_user(app, login, user):
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client


def url(lesson) -> str:
    return f"/media/lessons/{lesson.id}"


def test_whole_file_with_content_type_and_ranges_advertised(app, world, login, setup, videos):
    course, _class = setup
    client = as_user(app, login, world.users["learner"])
    webm, mp4 = course.lessons
    response = client.get(url(webm))
    assert response.status_code == 200
    assert response.mimetype == "video/webm"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.data == videos["webm"]
    assert "private" in response.headers["Cache-Control"]
    assert client.get(url(mp4)).mimetype == "video/mp4"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),  # first bytes
        ("bytes=1000-1999", 1000, 1999),  # middle: seeking back and forth
        ("bytes=-500", None, None),  # suffix: the last 500 bytes
        ("bytes=2000-", 2000, None),  # open-ended
    ],
)
def test_range_requests_get_206(app, world, login, setup, videos, header, start, end):
    course, _class = setup
    data = videos["webm"]
    size = len(data)
    if start is None:
        start, end = size - 500, size - 1
    end = size - 1 if end is None else end
    client = as_user(app, login, world.users["learner"])
    response = client.get(url(course.lessons[0]), headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert response.data == data[start : end + 1]
    assert int(response.headers["Content-Length"]) == end - start + 1
    assert response.mimetype == "video/webm"


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=999999999-1000000000"])
def test_unsatisfiable_range_is_416(app, world, login, setup, videos, header):
    course, _class = setup
    client = as_user(app, login, world.users["learner"])
    response = client.get(url(course.lessons[0]), headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(videos['webm'])}"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("learner", 206),  # member of the open class
        ("other_learner", 403),
        ("staff_a", 206),  # the provider's own staff
        ("staff_b", 403),  # staff of another provider
        ("regulator", 206),  # province scope
        ("regulator_xian", 206),  # the provider's city
        ("regulator_baoji", 403),  # another city
        ("admin", 403),
        (None, 401),  # anonymous
    ],
)
def test_access_matrix(app, world, login, setup, who, expected):
    course, _class = setup
    client = as_user(app, login, world.users[who] if who else None)
    response = client.get(url(course.lessons[0]), headers={"Range": "bytes=0-9"})
    assert response.status_code == expected, who
    if expected != 206:
        assert not response.data.startswith(b"\x1a\x45\xdf\xa3")


def test_members_lose_the_video_when_the_class_is_not_open(app, world, login, setup):
    course, class_ = setup
    client = as_user(app, login, world.users["learner"])
    assert client.get(url(course.lessons[0])).status_code == 200
    set_provider_status(world.users["regulator"], course.provider, "suspended", "检查")
    assert client.get(url(course.lessons[0])).status_code == 403
    # staff and regulators still see it (review, inspection)
    assert (
        as_user(app, login, world.users["staff_a"]).get(url(course.lessons[0])).status_code == 200
    )


def test_a_member_of_a_future_class_cannot_stream_yet(app, world, login, videos):
    course = world.course()
    class_ = world.open_class(course, start=local_today() + timedelta(days=3))
    world.join(world.users["learner"], class_)
    client = as_user(app, login, world.users["learner"])
    assert client.get(url(course.lessons[0])).status_code == 403


def test_unknown_lesson_is_404_and_paths_are_never_taken_from_the_client(app, world, login, setup):
    client = as_user(app, login, world.users["staff_a"])
    assert client.get("/media/lessons/999999").status_code == 404
    assert client.get("/media/lessons/..%2f..%2fetc%2fpasswd").status_code == 404
    assert client.get("/media/lessons/../../instance/secret_key").status_code == 404


def test_stored_paths_outside_the_lesson_folder_are_refused(app):
    with app.test_request_context(), pytest.raises(DomainError):
        video_response(app.config["MEDIA_ROOT"], "../instance/secret_key", "video/mp4", "")


@pytest.mark.parametrize(
    ("setting", "header", "value"),
    [
        ("x-accel-redirect:/protected-media/", "X-Accel-Redirect", "/protected-media/{path}"),
        ("x-accel-redirect:/protected-media", "X-Accel-Redirect", "/protected-media/{path}"),
        ("x-sendfile", "X-Sendfile", "{root}/{path}"),
    ],
)
def test_front_server_handoff(app, world, login, setup, monkeypatch, setting, header, value):
    course, _class = setup
    monkeypatch.setitem(app.config, "MEDIA_ACCEL_REDIRECT", setting)
    lesson = course.lessons[0]
    client = as_user(app, login, world.users["learner"])
    response = client.get(url(lesson))
    assert response.status_code == 200 and response.data == b""
    assert response.mimetype == "video/webm"
    from pathlib import Path

    root = str(Path(app.config["MEDIA_ROOT"]).resolve())
    assert response.headers[header] == value.format(path=lesson.media_path, root=root)
    # access is still checked before the handoff
    stranger = as_user(app, login, world.users["other_learner"])
    assert header not in stranger.get(url(lesson)).headers
