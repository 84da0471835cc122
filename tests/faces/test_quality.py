"""The pure quality measures behind analyze()'s gates."""

from __future__ import annotations

import numpy as np
import pytest

from skilltrace.faces.quality import (
    MIRRORED_PAIRS,
    NOSE_TIP,
    brightness,
    face_crop,
    outside_fraction,
    sharpness,
    yaw_asymmetry,
)


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((10, 10, 110, 110), 0.0),  # inside
        ((-50, 10, 50, 110), 0.5),  # half past the left edge
        ((590, 0, 690, 100), 0.5),  # half past the right edge (640 wide)
        ((-50, -50, 50, 50), 0.75),  # a corner
        ((700, 10, 800, 110), 1.0),  # entirely outside
    ],
)
def test_outside_fraction(box, expected):
    assert outside_fraction(box, 640, 480) == pytest.approx(expected)


def test_face_crop_is_clipped_to_the_picture():
    grey = np.arange(100, dtype=np.uint8).reshape(10, 10)
    assert face_crop(grey, (-5, -5, 3, 2)).shape == (2, 3)
    assert face_crop(grey, (20, 20, 30, 30)).size == 0


def test_sharpness_and_brightness():
    flat = np.full((200, 200), 120, dtype=np.uint8)
    checker = (np.indices((200, 200)).sum(axis=0) % 2 * 255).astype(np.uint8)
    assert sharpness(flat) == 0.0 and brightness(flat) == 120.0
    assert sharpness(checker[:64, :64]) > 1000  # upscaled small crops keep their detail
    assert sharpness(np.zeros((0, 0), np.uint8)) == 0.0 and brightness(np.zeros(0)) == 0.0


def symmetric_landmarks(turn: float = 0.0) -> np.ndarray:
    """68 points with every mirrored pair symmetric about the nose, nose shifted by ``turn``."""
    points = np.zeros((68, 2))
    for offset, (right, left) in enumerate(MIRRORED_PAIRS):
        points[right] = (-50 - offset, offset * 10)
        points[left] = (50 + offset, offset * 10)
    points[NOSE_TIP] = (turn, 30)
    return points


def test_yaw_is_zero_for_a_frontal_face_and_grows_with_the_turn():
    assert yaw_asymmetry(symmetric_landmarks()) == pytest.approx(0.0)
    slight, strong = yaw_asymmetry(symmetric_landmarks(10)), yaw_asymmetry(symmetric_landmarks(30))
    assert 0 < slight < strong < 1
    assert yaw_asymmetry(symmetric_landmarks(-30)) == pytest.approx(strong)
