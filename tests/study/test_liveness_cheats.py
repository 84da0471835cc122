"""The cheats the liveness challenge exists for, through the study API with the real engine:
a printed photo held to the camera and a re-encoded replay of an earlier burst earn nothing;
an honest learner who makes the requested turn is credited. Frames are real video frames
(tests/faces/liveness_frames.py: frames 83-210 of the shared clip)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from faces.liveness_frames import enrollment_photo, turn_burst
from skilltrace.extensions import db
from skilltrace.study.models import CreditedTime
from study_fixtures import Classroom, StudyDriver, approved_classroom


def make_clip_classroom(app, make_user, lesson_video, shared_faces, monkeypatch) -> Classroom:
    """A learner enrolled with the man of the clip, in an approved class; checks ask to turn
    right (the clip's real motion). Also used by the browser test."""
    monkeypatch.setitem(app.config, "MINUTES_PER_HOUR_UNIT", 1)
    monkeypatch.setitem(app.config, "FACE_CHALLENGE", "turn_right")
    people = shared_faces / "people"
    return approved_classroom(make_user, lesson_video, enrollment_photo(), people, "活体班")


@pytest.fixture
def clip_study(app, make_user, lesson_video, shared_faces, monkeypatch, face_worker, clock, login):
    room = make_clip_classroom(app, make_user, lesson_video, shared_faces, monkeypatch)
    client = app.test_client()
    return StudyDriver(client, login(client, room.learner), clock, room)


def credited(learner_id: int) -> float:
    db.session.rollback()
    return db.session.scalar(
        select(func.coalesce(func.sum(CreditedTime.seconds), 0.0)).where(
            CreditedTime.learner_id == learner_id
        )
    )


def printed_photo_burst(seed: int) -> list[bytes]:
    """The enrollment photo held up to the camera: shifted a few pixels, with sensor noise."""
    photo = cv2.imdecode(np.frombuffer(enrollment_photo(), np.uint8), cv2.IMREAD_COLOR)
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(5):
        shift = np.float32([[1, 0, 2 * k - 4], [0, 1, k - 2]])
        moved = cv2.warpAffine(photo, shift, (photo.shape[1], photo.shape[0]))
        noisy = np.clip(moved + rng.normal(0, 4, moved.shape), 0, 255).astype(np.uint8)
        frames.append(cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())
    return frames


def reencoded(frames: list[bytes]) -> list[bytes]:
    """Same pixels, new bytes: decoded and encoded again at another JPEG quality."""
    out = []
    for frame in frames:
        picture = cv2.imdecode(np.frombuffer(frame, np.uint8), cv2.IMREAD_COLOR)
        out.append(cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())
    return out


def test_an_honest_learner_who_turns_is_credited(clip_study):
    started = clip_study.start()
    assert started.status_code == 201, started.get_json()
    check = started.get_json()["check"]
    assert check["challenge"] == "turn_right"
    answered = clip_study.answer(check, frames=turn_burst("turn_right", burst=0, seed=1))
    assert answered.get_json()["passed"], answered.get_json()
    clip_study.beat(0)
    for _ in range(4):
        assert clip_study.beat(15).status_code == 200
    ending = clip_study.end().get_json()
    closing = clip_study.answer(ending["check"], frames=turn_burst("turn_right", burst=4, seed=2))
    assert closing.get_json()["passed"], closing.get_json()
    assert credited(clip_study.room.learner.id) > 50


def test_a_printed_photo_earns_nothing(clip_study, app):
    started = clip_study.start()
    check = started.get_json()["check"]
    reasons = []
    for attempt in range(app.config["FACE_CHECK_MAX_TRIES"]):
        answered = clip_study.answer(check, frames=printed_photo_burst(attempt)).get_json()
        assert not answered["passed"], answered
        reasons.append(answered["reason"])
        if answered.get("final") or answered.get("state") == "suspended":
            break
    assert set(reasons) <= {"liveness_failed", "challenge_not_met", "replayed_frames"}, reasons
    clip_study.beat(15)
    clip_study.beat(15)
    assert credited(clip_study.room.learner.id) == 0


def test_a_reencoded_replay_of_an_earlier_burst_earns_nothing(clip_study):
    burst = turn_burst("turn_right", burst=0, seed=1)
    started = clip_study.start()
    assert clip_study.answer(started.get_json()["check"], frames=burst).get_json()["passed"]
    clip_study.beat(0)
    for _ in range(4):
        clip_study.beat(15)
    ending = clip_study.end().get_json()
    replay = clip_study.answer(ending["check"], frames=reencoded(burst)).get_json()
    assert not replay["passed"] and replay["reason"] == "replayed_frames", replay
    assert credited(clip_study.room.learner.id) == 0
