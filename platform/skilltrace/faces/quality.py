"""Pure measurements of a detected face: sharpness, exposure, pose, framing.

Every figure is computed on the face only (its detection box), so a bright window or a blurred
background does not change the verdict. Thresholds live in ``engine.EngineSettings``.

- Exposure is judged by *clipped* pixels (near black or near white), not by mean brightness:
  fair skin in good light is bright but keeps its detail; a burnt-out or black face has none.
- Sharpness is measured on the face shrunk to 64x64, the size at which every face the engine
  accepts (>= 80 px) has real detail even from a 400x300 webcam upscaled by the browser, and
  divided by the face's contrast so dim and bright faces compare alike.
"""

from __future__ import annotations

import cv2
import numpy as np

from .images import Box
from .liveness import yaw_proxy

SHARPNESS_SIDE = 64
SHADOW_LEVEL = 16  # grey levels at or below: no detail left
HIGHLIGHT_LEVEL = 245  # grey levels at or above: burnt out


def face_crop(grey: np.ndarray, box: Box) -> np.ndarray:
    """The part of a greyscale image inside ``box`` (clipped to the image)."""
    height, width = grey.shape[:2]
    left, top, right, bottom = box
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(width, right), min(height, bottom)
    return grey[y0 : max(y0, y1), x0 : max(x0, x1)]


def inner_face(grey_face: np.ndarray) -> np.ndarray:
    """The central part of a face box (skin, eyes, nose, mouth; little hair or background)."""
    height, width = grey_face.shape[:2]
    return grey_face[height // 5 : height - height // 10, width // 6 : width - width // 6]


def sharpness(grey_face: np.ndarray) -> float:
    """Detail of the face at 64x64: variance of the Laplacian over the face's own variance
    (x100). Sharp faces measure 20-80, blurred ones fall under 5."""
    if grey_face.size == 0:
        return 0.0
    shrinking = grey_face.shape[0] > SHARPNESS_SIDE
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    face = cv2.resize(
        grey_face.astype(np.float32), (SHARPNESS_SIDE, SHARPNESS_SIDE), interpolation=interpolation
    )
    contrast = float(face.var())
    if contrast < 1.0:
        return 0.0
    return 100.0 * float(cv2.Laplacian(face, cv2.CV_32F).var()) / contrast


def brightness(grey_face: np.ndarray) -> float:
    """Mean grey level of the face, 0 (black) to 255 (white); recorded, not gated."""
    return float(grey_face.mean()) if grey_face.size else 0.0


def clipped(grey_face: np.ndarray) -> tuple[float, float]:
    """Shares of the inner face that are crushed to black and burnt out to white."""
    inner = inner_face(grey_face)
    if inner.size == 0:
        return 1.0, 0.0
    return float(np.mean(inner <= SHADOW_LEVEL)), float(np.mean(inner >= HIGHLIGHT_LEVEL))


def upper_level(grey_face: np.ndarray) -> float:
    """The 90th percentile grey level of the inner face: under ~50 nothing on the face
    reaches mid-grey (an underexposed frame, whatever the skin tone)."""
    inner = inner_face(grey_face)
    return float(np.percentile(inner, 90)) if inner.size else 0.0


def lower_level(grey_face: np.ndarray) -> float:
    """The 10th percentile grey level of the inner face: above ~190 even the eyes, brows and
    nostrils are washed out (an overexposed frame, whatever the skin tone)."""
    inner = inner_face(grey_face)
    return float(np.percentile(inner, 10)) if inner.size else 255.0


def yaw(landmarks) -> float:
    """How far the head is turned: |nose offset from the eyes' midpoint| / eye span."""
    return abs(yaw_proxy(landmarks))


def landmark_box(landmarks) -> Box:
    """The whole face's box estimated from its five landmarks (the detector clips its box to
    the picture, so a face cut by the edge shows through its landmarks instead)."""
    points = np.asarray(landmarks, dtype=np.float64)
    eyes = points[:2]
    span = float(np.linalg.norm(eyes[1] - eyes[0]))
    centre_x = float(eyes[:, 0].mean())
    eye_y, mouth_y = float(eyes[:, 1].mean()), float(points[3:, 1].mean())
    return (
        round(centre_x - 1.1 * span),
        round(eye_y - 1.0 * span),
        round(centre_x + 1.1 * span),
        round(mouth_y + 0.9 * span),
    )


def outside_fraction(box: Box, width: int, height: int) -> float:
    """Share of the face box's area that lies outside the picture (a face cut by the edge)."""
    left, top, right, bottom = box
    area = max(1, right - left) * max(1, bottom - top)
    inside_w = max(0, min(width, right) - max(0, left))
    inside_h = max(0, min(height, bottom) - max(0, top))
    return 1.0 - (inside_w * inside_h) / area
