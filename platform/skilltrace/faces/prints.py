"""Content prints of check frames: is this face picture one the learner already sent?

A print is taken from the face *aligned* by its landmarks (so re-encoding, scaling or a shift
of the whole frame changes nothing): a 64-bit perceptual hash (DCT of the 32x32 grey face) to
find candidates fast, and the 24x24 grey face itself to confirm by pixel distance. A re-encoded
copy of an earlier frame differs by JPEG noise only (mean difference about 1 grey level); a new
frame of the same person, even sitting still, differs by sensor noise, light and pose
(docs/faces.md has the figures). Pure functions; storage is in ``checking.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PIXEL_SIDE = 24
HASH_SIDE = 32


@dataclass(frozen=True, eq=False)
class FramePrint:
    """The print of one frame's face: ``phash`` (signed 64-bit int) and ``pixels`` (24x24)."""

    phash: int
    pixels: np.ndarray  # uint8 (24, 24)

    def pixel_bytes(self) -> bytes:
        return self.pixels.astype(np.uint8).tobytes()

    @classmethod
    def from_stored(cls, phash: int, pixel_bytes: bytes) -> FramePrint:
        pixels = np.frombuffer(pixel_bytes, dtype=np.uint8).reshape(PIXEL_SIDE, PIXEL_SIDE)
        return cls(int(phash), pixels)


def take_print(aligned_bgr: np.ndarray) -> FramePrint:
    """The print of a 112x112 aligned face."""
    grey = cv2.cvtColor(aligned_bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    small = cv2.resize(grey, (HASH_SIDE, HASH_SIDE), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8].reshape(-1)
    bits = low > np.median(low[1:])
    value = int("".join("1" if b else "0" for b in bits), 2)
    if value >= 1 << 63:  # store as a signed BIGINT
        value -= 1 << 64
    pixels = cv2.resize(grey, (PIXEL_SIDE, PIXEL_SIDE), interpolation=cv2.INTER_AREA)
    return FramePrint(value, np.clip(np.rint(pixels), 0, 255).astype(np.uint8))


def hamming(a: int, b: int) -> int:
    """Differing bits of two 64-bit hashes."""
    return bin((a ^ b) & ((1 << 64) - 1)).count("1")


def pixel_difference(a: FramePrint, b: FramePrint) -> float:
    """Mean absolute grey difference of two prints after matching their mean brightness."""
    x = a.pixels.astype(np.float32)
    y = b.pixels.astype(np.float32)
    return float(np.mean(np.abs((x - x.mean()) - (y - y.mean()))))


def same_picture(a: FramePrint, b: FramePrint, max_bits: int, max_pixels: float) -> bool:
    """Whether two prints are of one picture (a copy), not two pictures of one face."""
    return hamming(a.phash, b.phash) <= max_bits and pixel_difference(a, b) <= max_pixels
