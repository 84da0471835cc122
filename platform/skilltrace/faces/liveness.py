"""Liveness by challenge: did a real head turn the requested way between burst frames?

Pure geometry on YuNet's five landmarks (right eye, left eye, nose tip, right and left mouth
corner, in image pixels of unmirrored camera frames). Two measures:

- **yaw proxy**: the nose tip's horizontal offset from the eyes' midpoint divided by the eye
  span. Frontal faces measure about 0; a learner turning to their own left moves the nose
  towards the image's right (the proxy grows), turning right makes it shrink.
- **parallax**: the four points of the eyes and mouth lie close to one plane; a homography
  fitted on them between the neutral and the turned frame predicts where the nose would be if
  the face were flat. A photo (held still, slid, rotated or tilted) is a plane, so the nose
  lands where predicted; a real nose stands out of that plane and misses the prediction by a
  share of the eye span that grows with the turn.

Thresholds come from ``scripts/bench/liveness.py`` (real bursts from a video against photo
attacks); see docs/faces.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

CHALLENGES = ("turn_left", "turn_right")  # the learner's own left and right
DIRECTION = {"turn_left": 1.0, "turn_right": -1.0}  # sign of the yaw-proxy change
RIGHT_EYE, LEFT_EYE, NOSE, MOUTH_RIGHT, MOUTH_LEFT = range(5)
PLANE_POINTS = [RIGHT_EYE, LEFT_EYE, MOUTH_RIGHT, MOUTH_LEFT]


@dataclass(frozen=True)
class LivenessSettings:
    """Calibrated figures (docs/faces.md, scripts/bench/liveness.py)."""

    # yaw-proxy change towards the requested side: real turns 0.15-0.5, photos moved or
    # tilted up to ~0.15 from landmark noise
    min_turn: float = 0.15
    # nose off the eye/mouth plane (share of the eye span): real turns 0.2-0.56, photos
    # at most 0.154 (scripts/bench/liveness.py)
    min_parallax: float = 0.16
    max_neutral_yaw: float = 0.25  # the neutral frame must face the screen roughly


@dataclass(frozen=True)
class LivenessResult:
    """What the burst showed: ``outcome`` is ``passed``, ``no_turn``, ``wrong_way`` or
    ``flat`` (the turn a photo makes); figures for review in ``figures``."""

    outcome: str
    figures: dict = field(default_factory=dict)
    flat_frames: int = 0  # turned frames whose motion a plane explains

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


def yaw_proxy(points) -> float:
    """Signed nose offset from the eyes' midpoint over the eye span (0 = frontal)."""
    points = np.asarray(points, dtype=np.float64)
    eyes = points[[RIGHT_EYE, LEFT_EYE]]
    span = float(np.linalg.norm(eyes[1] - eyes[0]))
    if span < 1e-6:
        return 0.0
    axis = (eyes[1] - eyes[0]) / span  # along the eye line (image left to right)
    offset = points[NOSE] - eyes.mean(axis=0)
    return float(offset @ axis) / span


def parallax(neutral, turned) -> float:
    """How far the turned nose lies from where a flat face would put it (eye-span units)."""
    a = np.asarray(neutral, dtype=np.float64)
    b = np.asarray(turned, dtype=np.float64)
    span = float(np.linalg.norm(b[LEFT_EYE] - b[RIGHT_EYE]))
    if span < 1e-6:
        return 0.0
    plane, _mask = cv2.findHomography(a[PLANE_POINTS], b[PLANE_POINTS], 0)
    if plane is None:
        return 0.0
    nose = cv2.perspectiveTransform(a[NOSE].reshape(1, 1, 2), plane).reshape(2)
    return float(np.linalg.norm(nose - b[NOSE])) / span


def judge_turn(
    neutral: list, turned: list, challenge: str, settings: LivenessSettings | None = None
) -> LivenessResult:
    """Judge the landmarks of the neutral frames and of the frames taken during the turn.

    Passes when some turned frame's yaw proxy moved at least ``min_turn`` from the (most
    frontal) neutral frame towards the requested side *and* shows ``min_parallax``.
    ``flat_frames`` counts turned frames that moved enough but not out of the plane.
    """
    s = settings or LivenessSettings()
    if challenge not in DIRECTION:
        raise ValueError(f"unknown challenge {challenge!r}")
    if not neutral or not turned:
        return LivenessResult("no_turn", {"challenge": challenge})
    sign = DIRECTION[challenge]
    base = min(neutral, key=lambda p: abs(yaw_proxy(p)))
    base_yaw = yaw_proxy(base)
    deltas = [round(sign * (yaw_proxy(p) - base_yaw), 3) for p in turned]
    parallaxes = [round(parallax(base, p), 3) for p in turned]
    figures = {
        "challenge": challenge,
        "neutral_yaw": round(base_yaw, 3),
        "deltas": deltas,
        "parallax": parallaxes,
        "delta": max(deltas),
    }
    if abs(base_yaw) > s.max_neutral_yaw:
        return LivenessResult("no_turn", figures)
    turned_enough = [i for i, d in enumerate(deltas) if d >= s.min_turn]
    live = [i for i in turned_enough if parallaxes[i] >= s.min_parallax]
    flat = len(turned_enough) - len(live)
    if live:
        return LivenessResult("passed", figures, flat)
    if turned_enough:
        return LivenessResult("flat", figures, flat)
    if min(deltas) <= -s.min_turn:
        return LivenessResult("wrong_way", figures)
    return LivenessResult("no_turn", figures)
