"""Spotting replayed camera frames: byte copies and near-identical pixels.

Each frame is reduced to a 64x48 greyscale thumbnail (area average, float). Two frames whose
thumbnails nowhere differ by ``max_diff`` grey levels or more are "the same picture": the
average washes out sensor noise and JPEG re-encoding (at most 2.7 levels measured), while
any real movement of the head, even half a pixel, leaves a local difference of 9 levels or
more (``EngineSettings.replay_max_diff`` is 5). See docs/faces.md for the measurements.
"""

from __future__ import annotations

import hashlib
from itertools import combinations

import cv2
import numpy as np

THUMBNAIL_SIZE = (64, 48)  # (width, height)


def replay_thumbnail(rgb: np.ndarray) -> np.ndarray:
    """A 64x48 float32 greyscale summary of a frame for near-duplicate comparison."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return cv2.resize(grey, THUMBNAIL_SIZE, interpolation=cv2.INTER_AREA)


def thumbnail_difference(a: np.ndarray, b: np.ndarray) -> float:
    """The largest per-pixel difference, in grey levels, between two replay thumbnails."""
    return float(np.abs(a - b).max())


def replayed_indexes(
    frames: list[bytes], thumbnails: list[np.ndarray | None], max_diff: float
) -> set[int]:
    """Indexes of frames that copy an earlier frame, byte for byte or in their pixels.

    ``None`` entries (frames that could not be decoded) are skipped for the pixel test.
    """
    digests = [
        hashlib.sha256(frame).digest() if isinstance(frame, bytes | bytearray) and frame else None
        for frame in frames
    ]
    copies: set[int] = set()
    for first, second in combinations(range(len(frames)), 2):
        if digests[first] is not None and digests[first] == digests[second]:
            copies.add(second)
            continue
        a, b = thumbnails[first], thumbnails[second]
        if a is not None and b is not None and thumbnail_difference(a, b) < max_diff:
            copies.add(second)
    return copies
