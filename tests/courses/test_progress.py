"""A learner's progress in a class: marks per lesson, hours to go, where to continue."""

from datetime import UTC, datetime

import pytest

from skilltrace.courses.progress import summarise
from skilltrace.extensions import db

LESSONS = [(1, "第一课", 100.0), (2, "第二课", 200.0), (3, "第三课", 50.0)]


@pytest.mark.parametrize(
    ("covered", "credited", "tenths", "done", "next_id", "remaining", "percent", "started"),
    [
        ({}, 0.0, 10, 0, 1, 1.0, 0, False),
        ({1: (40.0, False)}, 40.0, 10, 0, 1, 0.99, 1, True),
        ({1: (99.0, True), 2: (10.0, False)}, 1800.0, 10, 1, 2, 0.34, 66, True),
        ({1: (99.0, True), 2: (200.0, True), 3: (50.0, True)}, 2700.0, 10, 3, None, 0.0, 100, True),
        ({1: (99.0, True), 3: (50.0, True)}, 2800.0, 10, 2, 2, 0.0, 100, True),
    ],
)
def test_summarise(covered, credited, tenths, done, next_id, remaining, percent, started):
    progress = summarise(LESSONS, covered, credited, tenths, 45)
    assert progress.completed_count == done
    assert (progress.next_lesson.lesson_id if progress.next_lesson else None) == next_id
    assert progress.remaining_hours == remaining
    assert progress.percent == percent
    assert progress.started is started


@pytest.mark.parametrize(
    ("covered", "completed", "percent"),
    [(0.0, False, 0), (99.5, False, 99), (100.0, False, 99), (95.0, True, 100), (33.3, False, 33)],
)
def test_lesson_watched_percent_never_claims_more_than_credited(covered, completed, percent):
    progress = summarise([(1, "x", 100.0)], {1: (covered, completed)}, covered, 1, 45)
    assert progress.lessons[0].watched_percent == percent


def test_after_gives_the_following_lesson():
    progress = summarise(LESSONS, {}, 0.0, 10, 45)
    assert progress.after(1).lesson_id == 2
    assert progress.after(3) is None
    assert progress.after(99) is None


def test_class_page_and_home_show_progress_and_continue(world, client, login):
    from skilltrace.study.models import CreditedTime, LessonProgress

    course = world.course(hours="0.1")
    class_ = world.open_class(course)
    learner = world.users["learner"]
    world.join(learner, class_)
    first, second = course.lessons
    db.session.add_all(
        [
            CreditedTime(
                learner_id=learner.id,
                lesson_id=first.id,
                course_id=course.id,
                day="2026-11-30",
                seconds=first.duration_s,
            ),
            LessonProgress(
                learner_id=learner.id,
                lesson_id=first.id,
                course_id=course.id,
                duration_s=first.duration_s,
                covered_seconds=first.duration_s,
                completed_at=datetime.now(UTC),
            ),
        ]
    )
    db.session.commit()
    login(client, learner)
    html = client.get(f"/learner/classes/{class_.id}").get_data(as_text=True)
    assert "✓" in html
    assert 'id="class-progress"' in html
    # 1 学时 = 1 minute here; 0.1 学时 = 6 s; one ~4 s lesson credited leaves a little to go.
    assert "1 / 2" in html or "1 of 2" in html or "已完成 1 / 2" in html
    assert second.title in html
    # No face enrolled yet: the start button is disabled, with a link to enrollment.
    assert 'aria-describedby="enroll-first"' in html and "/faces/enroll" in html
    home = client.get("/learner/").get_data(as_text=True)
    assert f"/learner/classes/{class_.id}" in home
    assert "学时" in home
