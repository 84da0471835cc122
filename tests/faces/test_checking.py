"""verify_check / remember_frames (contract A) on real video frames, PostgreSQL and Redis."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.faces.checking import CHALLENGES, remember_frames, verify_check
from skilltrace.faces.models import FaceFramePrint
from skilltrace.faces.services import enrollment_service
from skilltrace.state import current_state

from . import liveness_frames as clip
from .enroll_support import photo


@pytest.fixture
def learner(app, make_user):
    user = make_user("learner")
    enrollment = enrollment_service().enroll(user, clip.enrollment_photo(), source="camera")
    assert enrollment.status == "active"
    return user


def re_encoded(frames: list[bytes], quality: int = 80) -> list[bytes]:
    pictures = [cv2.imdecode(np.frombuffer(f, np.uint8), cv2.IMREAD_COLOR) for f in frames]
    return [
        cv2.imencode(".jpg", p, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes() for p in pictures
    ]


@pytest.mark.parametrize("challenge", CHALLENGES)
def test_an_honest_turn_passes(learner, challenge):
    verdict = verify_check(learner.id, clip.turn_burst(challenge, burst=1), challenge)
    assert (verdict.passed, verdict.reason, verdict.final) == (True, None, False), verdict
    assert verdict.liveness["challenge"] == challenge and verdict.liveness["delta"] >= 0.08
    assert verdict.thumbnail[:2] == b"\xff\xd8" and len(verdict.prints) == 3
    assert verdict.distances[0] is not None and verdict.distances[0] <= 1.04


def test_match_only_without_a_challenge(learner):
    verdict = verify_check(learner.id, clip.turn_burst("turn_right", burst=2), None)
    assert verdict.passed and verdict.liveness == {}


def test_the_wrong_way_is_a_retry(learner):
    verdict = verify_check(learner.id, clip.turn_burst("turn_right", burst=0), "turn_left")
    assert (verdict.passed, verdict.reason, verdict.final) == (False, "challenge_not_met", False)


def still_photo_burst(seed: int = 0) -> list[bytes]:
    """The enrollment photo held to the camera: moved a few pixels, new sensor noise."""
    base = cv2.imdecode(np.frombuffer(clip.enrollment_photo(), np.uint8), cv2.IMREAD_COLOR)
    rng = np.random.default_rng(seed)
    frames = []
    for dx, dy in ((0, 0), (2, 1), (-1, 2)):
        moved = cv2.warpAffine(base, np.float32([[1, 0, dx], [0, 1, dy]]), (640, 480))
        noisy = np.clip(moved + rng.normal(0, 2.0, moved.shape), 0, 255).astype(np.uint8)
        frames.append(clip.jpeg(noisy))
    return frames


@pytest.mark.parametrize("challenge", CHALLENGES)
def test_a_still_photo_earns_nothing(learner, challenge):
    verdict = verify_check(learner.id, still_photo_burst(), challenge)
    assert not verdict.passed and verdict.reason == "challenge_not_met"


def test_a_re_encoded_replay_is_caught_even_after_a_redis_restart(learner):
    burst = clip.turn_burst("turn_right", burst=0)
    first = verify_check(learner.id, burst, "turn_right")
    assert first.passed
    remember_frames(learner.id, 41, first)
    db.session.commit()
    stored = db.session.scalars(select(FaceFramePrint)).all()
    assert len(stored) == 3 and all(b"\x00" * 8 not in row.pixels_encrypted for row in stored)
    current_state().delete_prefix("")  # the live-state store forgets everything

    replay = verify_check(learner.id, re_encoded(burst), "turn_right")
    assert (replay.passed, replay.reason, replay.final) == (False, "replayed_frames", True)
    # a new burst of the same person (other moments of the video) is not a replay
    fresh = verify_check(learner.id, clip.turn_burst("turn_right", burst=4, seed=3), "turn_right")
    assert fresh.passed, fresh


def test_remember_frames_writes_only_through_the_session(learner):
    verdict = verify_check(learner.id, clip.turn_burst("turn_left", burst=3), "turn_left")
    remember_frames(learner.id, 7, verdict)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FaceFramePrint)) == 0


def test_someone_else_is_a_final_impostor(app, make_user, shared_faces):
    other = make_user("learner")
    enrollment_service().enroll(other, photo(shared_faces, "obama/obama.jpg"))
    verdict = verify_check(other.id, clip.turn_burst("turn_right", burst=1), "turn_right")
    assert (verdict.passed, verdict.reason, verdict.final) == (False, "impostor", True)
    assert all(d is not None and d > 1.15 for d in verdict.distances[:2])


def test_not_enrolled(app, make_user):
    verdict = verify_check(make_user("learner").id, clip.turn_burst("turn_right"), None)
    assert (verdict.passed, verdict.reason) == (False, "no_template")


def big_png_header(width: int, height: int) -> bytes:
    """A PNG signature and IHDR only: decoding it would fail, its header says the size."""
    return b"\x89PNG\r\n\x1a\n" + struct.pack(
        ">I4sIIBBBBBI", 13, b"IHDR", width, height, 8, 2, 0, 0, 0, 0
    )


def test_frames_above_full_hd_are_refused_from_the_header(learner):
    big = cv2.resize(
        cv2.imdecode(np.frombuffer(clip.enrollment_photo(), np.uint8), cv2.IMREAD_COLOR),
        (2000, 1500),
    )
    frames = [clip.jpeg(big), big_png_header(4096, 3072), big_png_header(1080, 1921)]
    verdict = verify_check(learner.id, frames, "turn_left")
    assert (verdict.passed, verdict.reason, verdict.final) == (False, "frame_too_large", False)
    full_hd = verify_check(learner.id, [big_png_header(1920, 1080)], None)
    assert full_hd.reason == "unsupported_image"  # within the limit: decoded, then refused
