"""Demo seed step (order 20): an approved course with two short lessons and an open class.

The lesson videos are VP8 WebM (Chromium plays them; OpenCV's 'mp4v' MPEG-4 Part 2 it does
not): ``../shared/faces/cases/short_hamilton_clip.mp4`` once, then a title slide with a running
clock (a plain slide when the shared material is absent). Idempotent: reruns keep what exists.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from skilltrace.courses.classes import class_service, local_today
from skilltrace.courses.models import Course, TrainingClass
from skilltrace.courses.rules import class_open, required_seconds
from skilltrace.courses.services import CourseData, course_service
from skilltrace.courses.videolog import quiet_video_notices
from skilltrace.extensions import db
from skilltrace.identity.models import User

COURSE_TITLE = "低压电工安全操作入门"
CLASS_NAME = "低压电工安全操作入门 · 演示班"
HOURS_TENTHS = 1  # 0.1 学时


def _clip_frames(size: tuple[int, int]) -> list:
    """Frames of the shared clip (empty without the shared material)."""
    import cv2

    from skilltrace.demo import shared_faces_dir

    frames, capture = (
        [],
        cv2.VideoCapture(str(shared_faces_dir() / "cases" / "short_hamilton_clip.mp4")),
    )
    while capture.isOpened() and len(frames) < 600:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.resize(frame, size))
    capture.release()
    return frames


def write_demo_video(path: Path, label: str, seconds: float, fps: int = 5) -> None:
    """Write a WebM (VP8): the shared clip once, then a title slide, with a running clock.

    Mostly still frames keep VP8 encoding to a few seconds per lesson.
    """
    import cv2
    import numpy as np

    size = (480, 270)
    clip = _clip_frames(size)
    slide = np.full((size[1], size[0], 3), (70, 45, 20), np.uint8)
    cv2.putText(slide, label, (24, 140), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    with quiet_video_notices():
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), fps, size)
    if not writer.isOpened():
        raise RuntimeError("OpenCV cannot write VP8 WebM here")
    for i in range(int(seconds * fps)):
        t = i / fps
        k = int(t * 29.97)
        frame = clip[k].copy() if k < len(clip) else slide.copy()
        cv2.rectangle(frame, (0, 0), (size[0], 34), (20, 20, 20), -1)
        clock = f"{label}  {int(t) // 60:02d}:{int(t) % 60:02d}"
        cv2.putText(frame, clock, (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
        writer.write(frame)
    writer.release()


def _user(mobile: str) -> User | None:
    return db.session.scalar(select(User).where(User.mobile == mobile))


def _course(staff: User, regulator: User, echo) -> Course:
    course = db.session.scalar(
        select(Course).where(Course.provider_id == staff.provider_id, Course.title == COURSE_TITLE)
    )
    service = course_service()
    if course is None:
        course = service.create_course(
            staff,
            CourseData(
                COURSE_TITLE,
                "电工",
                "5",
                "低压电工作业的安全规程、个人防护与触电急救（演示课程）。",
                str(HOURS_TENTHS / 10),
            ),
        )
    if not course.lessons:
        minutes = service.config["MINUTES_PER_HOUR_UNIT"]
        each = required_seconds(HOURS_TENTHS, minutes) / 2 + 15
        with tempfile.TemporaryDirectory() as tmp:
            for n, title, label in (
                (1, "第一课 安全规程", "Lesson 1 - Safety rules"),
                (2, "第二课 触电急救", "Lesson 2 - First aid"),
            ):
                path = Path(tmp) / f"lesson{n}.webm"
                write_demo_video(path, label, each)
                with path.open("rb") as f:
                    service.add_lesson(staff, course, title, f, path.name)
        echo(f"  course      {COURSE_TITLE}: 2 lessons of {each:.0f} s")
    if course.status in ("draft", "rejected"):
        service.submit(staff, course)
    if course.status == "submitted":
        service.decide(regulator, course, True, "演示数据：同意备案")
    return course


def seed_courses(echo) -> None:
    """Approved demo course, an open approved class with today in its dates, demo learners."""
    from skilltrace.demo import DEMO_REGULATOR, DEMO_STAFF, demo_learner_ids

    staff, regulator = _user(DEMO_STAFF[1]), _user(DEMO_REGULATOR[1])
    if staff is None or regulator is None:
        echo("  (courses: demo accounts missing, skipped)")
        return
    course = _course(staff, regulator, echo)
    today = local_today()
    service = class_service()
    classes = db.session.scalars(
        select(TrainingClass).where(TrainingClass.course_id == course.id)
    ).all()
    class_ = next(
        (c for c in classes if class_open(c.status, c.start_date, c.end_date, today)), None
    )
    if class_ is None:
        class_ = service.open_class(
            staff, course, CLASS_NAME, today, today + timedelta(days=90), 50
        )
        service.decide(regulator, class_, True, "演示数据：同意开班")
    for mobile, _id_number, _folder in demo_learner_ids():
        learner = _user(mobile)
        if learner is not None:
            service.join(learner, class_.code, today=today)
    echo(
        f"  class       {class_.name}: code {class_.code}, "
        f"{class_.start_date} – {class_.end_date}, demo learners enrolled"
    )
