"""Real camera-like check bursts from ../shared/faces/cases/short_hamilton_clip.mp4.

Frames 83-210 of the clip show a man facing the camera and turning his head to his right
(twice). A burst is one neutral frame, then turned frames ~0.3-0.8 s later, each cropped to
4:3 and upscaled to 640x480 like a small webcam's picture in a browser, JPEG-encoded. A turn to
the learner's *left* is the same real motion mirrored. Used by the API tests, the liveness
bench and the browser test (``write_y4m`` feeds Chromium's fake camera).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
FACES = Path(os.environ.get("SKILLTRACE_SHARED_FACES", REPO_ROOT.parent / "shared" / "faces"))
CLIP = FACES / "cases" / "short_hamilton_clip.mp4"
FIRST, LAST = 83, 210
# (neutral frame, turned frames) of the clip's turns to the man's own right (30 fps).
TURNS = (
    (84, (99, 108)),
    (87, (102, 111)),
    (90, (105, 114)),
    (93, (108, 117)),
    (174, (189, 201)),
    (177, (192, 204)),
)
SIZE = (640, 480)


@lru_cache(maxsize=1)
def clip_frames() -> dict[int, np.ndarray]:
    """Frames FIRST..LAST of the clip (BGR, 640x360)."""
    video = cv2.VideoCapture(str(CLIP))
    frames, index = {}, 0
    while index <= LAST:
        ok, frame = video.read()
        if not ok:
            break
        if index >= FIRST:
            frames[index] = frame
        index += 1
    video.release()
    if len(frames) != LAST - FIRST + 1:
        raise FileNotFoundError(f"cannot read frames {FIRST}-{LAST} of {CLIP}")
    return frames


def camera_picture(bgr: np.ndarray, mirror: bool = False, seed: int = 0) -> np.ndarray:
    """A 4:3 crop around the face upscaled to 640x480, mirrored if asked, with sensor noise."""
    height, width = bgr.shape[:2]
    crop_w = height * 4 // 3
    left = (width - crop_w) // 2
    picture = cv2.resize(bgr[:, left : left + crop_w], SIZE, interpolation=cv2.INTER_LINEAR)
    if mirror:
        picture = np.ascontiguousarray(picture[:, ::-1])
    noise = np.random.default_rng(seed).normal(0, 1.5, picture.shape)
    return np.clip(np.rint(picture + noise), 0, 255).astype(np.uint8)


def jpeg(bgr: np.ndarray, quality: int = 90) -> bytes:
    return cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def turn_pictures(direction: str, burst: int = 0, seed: int = 0) -> list[np.ndarray]:
    """Neutral first, then two turned frames (BGR 640x480) for ``turn_left``/``turn_right``."""
    if direction not in ("turn_left", "turn_right"):
        raise ValueError(direction)
    neutral, turned = TURNS[burst % len(TURNS)]
    frames = clip_frames()
    mirror = direction == "turn_left"
    return [
        camera_picture(frames[i], mirror, seed * 10 + k) for k, i in enumerate((neutral, *turned))
    ]


def turn_burst(direction: str, burst: int = 0, seed: int = 0) -> list[bytes]:
    """A check burst (JPEG bytes): one neutral frame, then two frames of the requested turn."""
    return [jpeg(p) for p in turn_pictures(direction, burst, seed)]


def enrollment_photo() -> bytes:
    """A frontal picture of the man in the clip (frame 90) to enroll him with."""
    return jpeg(camera_picture(clip_frames()[90], seed=99), 95)


def write_y4m(path: Path, direction: str, fps: int = 15, hold_s: float = 2.0) -> Path:
    """A Y4M file for Chromium's fake camera: the neutral face held, then the turn, looped
    motion back (so a capture at any time after the instruction sees the head turned)."""
    pictures = turn_pictures(direction)
    hold = max(1, round(fps * hold_s))
    sequence = [pictures[0]] * hold + [pictures[1]] * (hold // 2) + [pictures[2]] * hold
    with open(path, "wb") as handle:
        handle.write(f"YUV4MPEG2 W{SIZE[0]} H{SIZE[1]} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for picture in sequence:
            handle.write(b"FRAME\n")
            handle.write(cv2.cvtColor(picture, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path
