"""The pages, as a new user goes through them: provider → regulator → learner."""

import io
import re
from datetime import timedelta

from sqlalchemy import select

from skilltrace.courses.classes import local_today
from skilltrace.courses.models import Course, QuizAttempt, TrainingClass
from skilltrace.extensions import db


def page_client(app, login, user):
    client = app.test_client()
    client.token = login(client, user)
    client.set_cookie("lang", "en")
    return client


def post(client, path, **data):
    return client.post(path, data={"csrf_token": client.token, **data})


def test_provider_regulator_learner_walkthrough(world, app, login, videos):
    provider = page_client(app, login, world.users["staff_a"])
    response = post(
        provider,
        "/provider/courses/new",
        title="叉车司机安全操作",
        occupation="叉车司机",
        skill_level="4",
        hours="0.1",
        description="场内机动车辆安全",
    )
    assert response.status_code == 302
    course = db.session.scalar(select(Course))
    edit_url = f"/provider/courses/{course.id}"
    assert response.headers["Location"].endswith(edit_url)
    for n in (1, 2):
        response = provider.post(
            f"{edit_url}/lessons",
            data={
                "csrf_token": provider.token,
                "title": f"第{n}课",
                "video": (io.BytesIO(videos["webm"]), f"{n}.webm"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
    page = provider.get(edit_url).get_data(as_text=True)
    assert "第1课" in page and "第2课" in page and "courses-upload.js" in page
    assert 'id="upload-progress"' in page
    assert post(provider, f"{edit_url}/submit").status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "submitted"

    regulator = page_client(app, login, world.users["regulator_xian"])
    assert "叉车司机安全操作" in regulator.get("/regulator/courses").get_data(as_text=True)
    review = regulator.get(f"/regulator/courses/{course.id}").get_data(as_text=True)
    lesson_urls = re.findall(r'<video[^>]+src="(/media/lessons/\d+)"', review)
    assert len(lesson_urls) == 2
    assert regulator.get(lesson_urls[0], headers={"Range": "bytes=0-15"}).status_code == 206
    response = post(regulator, f"/regulator/courses/{course.id}", comment="", reject="Reject")
    assert response.status_code == 422  # a rejection needs a comment
    response = post(regulator, f"/regulator/courses/{course.id}", comment="", approve="Approve")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "approved"

    today = local_today()
    response = post(
        provider,
        "/provider/classes",
        course=str(course.id),
        name="2026年第一期",
        start_date=today.isoformat(),
        end_date=(today + timedelta(days=30)).isoformat(),
        capacity="20",
    )
    assert response.status_code == 302
    class_ = db.session.scalar(select(TrainingClass))
    assert class_.code in provider.get(response.headers["Location"]).get_data(as_text=True)

    assert "2026年第一期" in regulator.get("/regulator/classes").get_data(as_text=True)
    response = post(
        regulator, f"/regulator/classes/{class_.id}/decision", comment="", approve="Approve"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingClass, class_.id).status == "approved"

    learner = page_client(app, login, world.users["learner"])
    response = post(learner, "/learner/classes", code=class_.code)
    assert response.status_code == 302
    lessons_page = learner.get(response.headers["Location"]).get_data(as_text=True)
    lesson_ids = [lesson.id for lesson in db.session.get(Course, course.id).lessons]
    for lesson_id in lesson_ids:  # linked to the supervised player when study provides one
        assert re.search(
            rf'href="/(learner/classes/{class_.id}|study)/lessons/{lesson_id}"', lessons_page
        )
    lesson_links = [f"/learner/classes/{class_.id}/lessons/{i}" for i in lesson_ids]
    lesson_page = learner.get(lesson_links[0]).get_data(as_text=True)
    video_url = re.search(r'<video[^>]+src="(/media/lessons/\d+)"', lesson_page).group(1)
    streamed = learner.get(video_url, headers={"Range": "bytes=0-"})
    assert streamed.status_code == 206 and streamed.data == videos["webm"]

    stranger = page_client(app, login, world.users["other_learner"])
    assert stranger.get(video_url).status_code == 403
    assert stranger.get(lesson_links[0]).status_code == 403


def test_joining_with_a_wrong_code_shows_the_error(world, app, login):
    learner = page_client(app, login, world.users["learner"])
    response = post(learner, "/learner/classes", code="ZZZZZZZZ")
    assert response.status_code == 403
    assert "This class code is not valid" in response.get_data(as_text=True)


def test_quiz_pages(world, app, login):
    course = world.course(status="draft")
    provider = page_client(app, login, world.users["staff_a"])
    lesson = course.lessons[0]
    response = post(
        provider,
        f"/provider/lessons/{lesson.id}/quiz",
        prompt="安全电压不高于多少伏？",
        options="36\n220\n380",
        answer="1",
    )
    assert response.status_code == 302
    response = post(
        provider, f"/provider/lessons/{lesson.id}/quiz", prompt="？", options="only one", answer="1"
    )
    assert "Give 2 to 6 different options" in response.get_data(as_text=True)
    from skilltrace.courses.services import course_service

    course_service().submit(world.users["staff_a"], course)
    course_service().decide(world.users["regulator"], course, True)
    class_ = world.open_class(course)
    world.join(world.users["learner"], class_)
    learner = page_client(app, login, world.users["learner"])
    quiz_url = f"/learner/classes/{class_.id}/lessons/{lesson.id}/quiz"
    page = learner.get(quiz_url).get_data(as_text=True)
    question_id = re.search(r'name="(q\d+)"', page).group(1)
    response = post(learner, quiz_url, **{question_id: "1"})
    assert "0 of 1 correct" in response.get_data(as_text=True)
    response = post(learner, quiz_url, **{question_id: "0"})
    assert "1 of 1 correct" in response.get_data(as_text=True)
    assert [a.passed for a in db.session.scalars(select(QuizAttempt))] == [False, True]


def test_regulator_changes_a_provider_status(world, app, login):
    course = world.course()
    regulator = page_client(app, login, world.users["regulator"])
    page = regulator.get("/regulator/providers").get_data(as_text=True)
    assert course.provider.name in page
    url = f"/regulator/providers/{course.provider_id}/status"
    assert post(regulator, url, status="suspended", reason="").status_code == 302
    db.session.expire_all()
    assert course.provider.status == "active"
    post(regulator, url, status="suspended", reason="未按规定开展培训")
    db.session.expire_all()
    assert course.provider.status == "suspended"
    page = regulator.get("/regulator/providers").get_data(as_text=True)
    assert "未按规定开展培训" in page
    outsider = page_client(app, login, world.users["regulator_baoji"])
    assert post(outsider, url, status="active", reason="x").status_code == 403


def test_role_homes_show_the_course_panels(world, app, login):
    world.open_class(world.course(status="approved"), approve=False)
    for who, text in (
        ("staff_a", "Courses and classes"),
        ("regulator", "1 classes awaiting approval"),
        ("learner", "You are not in any class yet."),
    ):
        client = page_client(app, login, world.users[who])
        home = client.get(client.get("/").headers["Location"]).get_data(as_text=True)
        assert text in home, who
