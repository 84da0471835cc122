"""Pure measurements of a detected face: sharpness, brightness, pose, framing.

Every figure is computed on the face only (its detection box), so a bright window or a blurred
background does not change the verdict. Thresholds live in ``engine.EngineSettings``.
"""

from __future__ import annotations

import cv2
import numpy as np

from .images import Box

# Faces are compared at a fixed size so sharpness does not depend on the camera's resolution.
SHARPNESS_SIDE = 128
# 68-point landmark indices (iBUG 300-W layout): the nose tip, and pairs of points mirrored
# across the face (jaw line at three heights, outer brow ends, outer eye corners).
NOSE_TIP = 30
MIRRORED_PAIRS = ((0, 16), (1, 15), (2, 14), (17, 26), (36, 45))


def face_crop(grey: np.ndarray, box: Box) -> np.ndarray:
    """The part of a greyscale image inside ``box`` (clipped to the image)."""
    height, width = grey.shape[:2]
    left, top, right, bottom = box
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(width, right), min(height, bottom)
    return grey[y0 : max(y0, y1), x0 : max(x0, x1)]


def sharpness(grey_face: np.ndarray) -> float:
    """Variance of the Laplacian of the face resized to 128x128 (higher is sharper)."""
    if grey_face.size == 0:
        return 0.0
    shrinking = grey_face.shape[0] > SHARPNESS_SIDE
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    face = cv2.resize(grey_face, (SHARPNESS_SIDE, SHARPNESS_SIDE), interpolation=interpolation)
    return float(cv2.Laplacian(face, cv2.CV_64F).var())


def brightness(grey_face: np.ndarray) -> float:
    """Mean grey level of the face, 0 (black) to 255 (white)."""
    return float(grey_face.mean()) if grey_face.size else 0.0


def yaw_asymmetry(points: np.ndarray) -> float:
    """How far the head is turned left or right, from 68 landmarks as an ``(68, 2)`` array.

    For each mirrored pair, ``(dl - dr) / (dl + dr)`` with ``dl``/``dr`` the distances from
    the nose tip to the left/right point; the absolute mean over the pairs is 0 for a frontal
    face and grows with the turn (a visibly turned head, ~25 degrees, measures about 0.4).
    """
    nose = points[NOSE_TIP]
    ratios = []
    for right, left in MIRRORED_PAIRS:
        to_right = float(np.linalg.norm(nose - points[right]))
        to_left = float(np.linalg.norm(nose - points[left]))
        total = to_right + to_left
        ratios.append((to_right - to_left) / total if total > 0 else 1.0)
    return abs(sum(ratios) / len(ratios))


def outside_fraction(box: Box, width: int, height: int) -> float:
    """Share of the face box's area that lies outside the picture (a face cut by the edge)."""
    left, top, right, bottom = box
    area = max(1, right - left) * max(1, bottom - top)
    inside_w = max(0, min(width, right) - max(0, left))
    inside_h = max(0, min(height, bottom) - max(0, top))
    return 1.0 - (inside_w * inside_h) / area
