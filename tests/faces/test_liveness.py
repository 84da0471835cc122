"""Liveness by challenge: the pure turn judgement, and the real-video burst helper."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from skilltrace.faces.liveness import CHALLENGES, judge_turn, yaw_proxy

from . import liveness_frames as clip

# A head's five landmarks in 3-D (mm; x to the image's right, y down, z towards the camera):
# right eye, left eye (of the person), nose tip standing out, mouth corners.
HEAD = np.array([[-32, 0, 0], [32, 0, 0], [0, 30, 28], [-24, 62, 4], [24, 62, 4]], float)
FLAT = HEAD * np.array([1, 1, 0])  # the same face printed on paper


def seen(points3d, yaw_deg=0.0, pitch_deg=0.0, shift=(0.0, 0.0), focal=900.0, depth=600.0):
    """Pinhole projection of the points turned by yaw (the person's left: positive) and
    pitch about the head's centre."""
    a, b = math.radians(yaw_deg), math.radians(pitch_deg)
    ry = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    turned = points3d @ (rx @ ry).T
    z = depth - turned[:, 2]
    return np.stack(
        [320 + shift[0] + focal * turned[:, 0] / z, 240 + shift[1] + focal * turned[:, 1] / z],
        axis=1,
    )


@pytest.mark.parametrize(
    ("neutral", "turned", "challenge", "outcome"),
    [
        # a real head turning 20-30 degrees to the person's left / right
        (seen(HEAD), [seen(HEAD, 20), seen(HEAD, 30)], "turn_left", "passed"),
        (seen(HEAD), [seen(HEAD, -20), seen(HEAD, -30)], "turn_right", "passed"),
        (seen(HEAD, 3), [seen(HEAD, 2), seen(HEAD, 25, 5, (15, -4))], "turn_left", "passed"),
        # the head turned the other way, or not at all
        (seen(HEAD), [seen(HEAD, -25)], "turn_left", "wrong_way"),
        (seen(HEAD), [seen(HEAD, 2), seen(HEAD, -3)], "turn_right", "no_turn"),
        # a photo held still, slid, or tilted by 30 degrees: no parallax
        (seen(FLAT), [seen(FLAT, 0, 0, (3, 1))], "turn_left", "no_turn"),
        (seen(FLAT), [seen(FLAT, 30), seen(FLAT, 35, 10)], "turn_left", "no_turn"),
        (seen(FLAT), [seen(FLAT, -30), seen(FLAT, 0, 30)], "turn_right", "no_turn"),
    ],
)
def test_judge_turn(neutral, turned, challenge, outcome):
    result = judge_turn([neutral], turned, challenge)
    assert result.outcome == outcome, result.figures
    assert result.figures["challenge"] == challenge


def test_a_photo_tilted_on_two_axes_seems_to_turn_but_is_flat():
    """Tilting a printed face about both axes moves the yaw proxy as a turn would (the
    attack that fooled solvePnP yaw); the nose stays in the plane, so it is ``flat``."""
    tilted = [seen(FLAT, 45, 20), seen(FLAT, 55, 20, depth=250)]
    result = judge_turn([seen(FLAT)], tilted, "turn_left")
    assert result.outcome == "flat" and result.flat_frames == 2
    assert min(result.figures["deltas"]) >= 0.15 and max(result.figures["parallax"]) < 0.01


def test_a_neutral_frame_must_face_the_screen():
    result = judge_turn([seen(HEAD, -40)], [seen(HEAD, 10)], "turn_left")
    assert result.outcome == "no_turn"


def test_unknown_challenge():
    with pytest.raises(ValueError):
        judge_turn([seen(HEAD)], [seen(HEAD, 20)], "nod")


@pytest.mark.parametrize("challenge", CHALLENGES)
def test_real_video_bursts_turn_the_requested_way(engine, challenge):
    """The helper's bursts: 640x480 JPEGs, neutral first, then the head turning as asked."""
    sign = 1 if challenge == "turn_left" else -1
    for burst in range(len(clip.TURNS)):
        frames = clip.turn_burst(challenge, burst)
        assert len(frames) == 3 and all(f[:2] == b"\xff\xd8" for f in frames)
        points = []
        for frame in frames:
            rgb = engine.decode(frame)
            assert rgb.shape == (480, 640, 3)
            faces = engine.countable(engine.detect(rgb))
            assert len(faces) == 1 and faces[0].width >= engine.settings.min_face_px
            points.append(faces[0].landmarks)
        assert sign * (yaw_proxy(points[2]) - yaw_proxy(points[0])) >= 0.15
        assert judge_turn(points[:1], points[1:], challenge).passed


def test_enrollment_photo_and_y4m(engine, tmp_path):
    assert engine.analyze_image(clip.enrollment_photo()).ok
    path = clip.write_y4m(tmp_path / "turn.y4m", "turn_left", fps=5, hold_s=1.0)
    data = path.read_bytes()
    header, _, rest = data.partition(b"\n")
    assert header == b"YUV4MPEG2 W640 H480 F5:1 Ip A1:1 C420jpeg"
    frame_bytes = len(b"FRAME\n") + 640 * 480 * 3 // 2
    assert len(rest) % frame_bytes == 0 and len(rest) // frame_bytes == 5 + 2 + 5
    first = np.frombuffer(rest[6:frame_bytes], np.uint8).reshape(720, 640)
    assert cv2.cvtColor(first, cv2.COLOR_YUV2BGR_I420).shape == (480, 640, 3)
