"""The pure quality measures behind analyze()'s gates."""

from __future__ import annotations

import numpy as np
import pytest

from skilltrace.faces.liveness import parallax, yaw_proxy
from skilltrace.faces.quality import (
    brightness,
    clipped,
    face_crop,
    outside_fraction,
    sharpness,
    upper_level,
    yaw,
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
    assert sharpness(checker[:64, :64]) > 100  # fine detail at the measuring size
    smooth = np.tile(np.linspace(0, 255, 200, dtype=np.float32), (200, 1)).astype(np.uint8)
    assert sharpness(smooth) < 1  # contrast without detail is not sharp
    assert sharpness(np.zeros((0, 0), np.uint8)) == 0.0 and brightness(np.zeros(0)) == 0.0


def test_sharpness_does_not_depend_on_contrast():
    rng = np.random.default_rng(1)
    texture = rng.normal(128, 30, (128, 128)).clip(0, 255)
    dim = (texture * 0.4).astype(np.uint8)
    assert sharpness(dim) == pytest.approx(sharpness(texture.astype(np.uint8)), rel=0.1)


def test_clipping_counts_crushed_and_burnt_out_pixels_of_the_inner_face():
    face = np.full((100, 100), 128, dtype=np.uint8)
    assert clipped(face) == (0.0, 0.0) and upper_level(face) == 128
    face[20:90, 16:84] = 250  # the whole inner face burnt out
    assert clipped(face)[1] == 1.0
    face[20:90, 16:84] = 5
    assert clipped(face)[0] == 1.0 and upper_level(face) == 5
    bright_skin = np.full((100, 100), 215, dtype=np.uint8)  # fair skin in good light
    assert clipped(bright_skin) == (0.0, 0.0)


# Five landmarks: right eye, left eye, nose, mouth right, mouth left (image pixels).
FRONTAL = np.array([[40.0, 50], [80, 50], [60, 70], [45, 90], [75, 90]])


def test_yaw_is_zero_for_a_frontal_face_and_signed_by_the_turn():
    assert yaw_proxy(FRONTAL) == pytest.approx(0.0)
    left = FRONTAL.copy()
    left[2, 0] += 10  # the nose towards the image's right: the learner turned to their left
    assert yaw_proxy(left) == pytest.approx(0.25) and yaw(left) == pytest.approx(0.25)
    right = FRONTAL.copy()
    right[2, 0] -= 10
    assert yaw_proxy(right) == pytest.approx(-0.25)


def test_yaw_ignores_in_plane_rotation_and_scale():
    angle = np.radians(25)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    turned = FRONTAL.copy()
    turned[2, 0] += 8
    moved = (turned @ rotation.T) * 2.5 + 100
    assert yaw_proxy(moved) == pytest.approx(yaw_proxy(turned))


def test_parallax_is_zero_for_a_plane_and_grows_when_the_nose_leaves_it():
    plane = np.array([[1.0, 0.1, 5], [0.05, 0.9, 3], [0.0004, 0.0002, 1]])
    points = np.hstack([FRONTAL, np.ones((5, 1))]) @ plane.T
    warped = points[:, :2] / points[:, 2:]
    assert parallax(FRONTAL, warped) == pytest.approx(0.0, abs=1e-6)
    real = warped.copy()
    real[2, 0] += 8
    assert parallax(FRONTAL, real) > 0.15
