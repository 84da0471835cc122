"""Test media made on the fly from ../shared/faces (never committed): camera frames with the
small motion and sensor noise of a real webcam, y4m files for Chromium's fake camera, and
short VP8 lesson videos."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def fit_640x480(bgr: np.ndarray) -> np.ndarray:
    """Scale and pad a photo into a 640×480 camera frame."""
    h, w = bgr.shape[:2]
    scale = min(640 / w, 480 / h)
    resized = cv2.resize(bgr, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640, 3), 40, np.uint8)
    y, x = (480 - resized.shape[0]) // 2, (640 - resized.shape[1]) // 2
    frame[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
    return frame


# Regions (x0, y0, x1, y1) framing the people in group photos as a webcam would.
CROPS = {"two_faces_obama_biden.jpg": (600, 250, 1500, 800)}


def camera_frames(photo: Path, count: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` 640×480 frames of ``photo``, each shifted a few pixels and with noise."""
    rng = np.random.default_rng(seed)
    picture = cv2.imread(str(photo))
    if photo.name in CROPS:
        x0, y0, x1, y1 = CROPS[photo.name]
        picture = picture[y0:y1, x0:x1]
    base = fit_640x480(picture)
    shifts: list[tuple[int, int]] = []
    while len(shifts) < count:  # never the same shift twice: that would be a still replay
        shift = tuple(int(v) for v in rng.integers(-6, 7, size=2))
        if shift not in shifts or len(shifts) >= 169:
            shifts.append(shift)
    frames = []
    for dx, dy in shifts:
        moved = cv2.warpAffine(
            base,
            np.float32([[1, 0, dx], [0, 1, dy]]),
            (640, 480),
            borderMode=cv2.BORDER_REPLICATE,
        )
        noise = rng.normal(0, 3, moved.shape)
        frames.append(np.clip(moved.astype(np.float32) + noise, 0, 255).astype(np.uint8))
    return frames


def jpeg_frames(photo: Path, count: int = 3, seed: int = 0) -> list[bytes]:
    """A burst of JPEG camera frames, as the player posts them."""
    return [
        cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
        for f in camera_frames(photo, count, seed)
    ]


def write_y4m(photo: Path, target: Path, frames: int = 45, fps: int = 15) -> Path:
    """A looping fake-webcam file (YUV4MPEG2, I420) showing ``photo`` with jitter."""
    with target.open("wb") as out:
        out.write(f"YUV4MPEG2 W640 H480 F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in camera_frames(photo, frames, seed=1):
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return target


def write_lesson_video(target: Path, seconds: int = 120, fps: int = 5) -> Path:
    """A small VP8 WebM lesson (a moving bar and a clock), playable by Chromium."""
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"VP80"), fps, (320, 240))
    for i in range(seconds * fps):
        frame = np.full((240, 320, 3), 235, np.uint8)
        x = int((i / (seconds * fps)) * 300)
        cv2.rectangle(frame, (x, 100), (x + 20, 140), (80, 110, 10), -1)
        cv2.putText(
            frame, f"{i / fps:5.1f}s", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2
        )
        writer.write(frame)
    writer.release()
    return target
