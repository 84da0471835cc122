"""Content prints of check frames: is this face picture one the learner already sent?

A print is taken from the face *aligned* by its landmarks (so scaling or shifting the frame
changes little): a 64-bit perceptual hash (DCT of the 32x32 grey face) to find candidates fast,
and the 24x24 grey face itself to confirm by pixel distance; plus the whole frame as a 64x48
grey thumbnail, which a re-encoded copy keeps to within ~3 grey levels everywhere while any
real movement changes it by 9 or more somewhere (as within a burst, ``replay.py``). A copy is
a print whose face is close *or* whose frame is the same picture. Figures in docs/faces.md.
Pure functions; storage is in ``checking.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PIXEL_SIDE = 24
HASH_SIDE = 32
FRAME_SIZE = (64, 48)  # (width, height) of the whole-frame thumbnail
FRAME_MAX_DIFF = 5.0  # grey levels, as EngineSettings.replay_max_diff


@dataclass(frozen=True, eq=False)
class FramePrint:
    """The print of one frame's face: ``phash`` (signed 64-bit int) and ``pixels`` (24x24)."""

    phash: int
    pixels: np.ndarray  # uint8 (24, 24): the aligned face
    frame: np.ndarray | None = None  # uint8 (48, 64): the whole frame

    def pixel_bytes(self) -> bytes:
        """The stored form of the pictures (encrypted by the caller)."""
        data = self.pixels.astype(np.uint8).tobytes()
        return data + (b"" if self.frame is None else self.frame.astype(np.uint8).tobytes())

    @classmethod
    def from_stored(cls, phash: int, pixel_bytes: bytes) -> FramePrint:
        face_bytes = PIXEL_SIDE * PIXEL_SIDE
        pixels = np.frombuffer(pixel_bytes[:face_bytes], dtype=np.uint8)
        frame = None
        if len(pixel_bytes) == face_bytes + FRAME_SIZE[0] * FRAME_SIZE[1]:
            frame = np.frombuffer(pixel_bytes[face_bytes:], dtype=np.uint8)
            frame = frame.reshape(FRAME_SIZE[1], FRAME_SIZE[0])
        return cls(int(phash), pixels.reshape(PIXEL_SIDE, PIXEL_SIDE), frame)


def take_print(aligned_bgr: np.ndarray, rgb: np.ndarray | None = None) -> FramePrint:
    """The print of a 112x112 aligned face (and of its whole RGB frame, when given)."""
    grey = cv2.cvtColor(aligned_bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    small = cv2.resize(grey, (HASH_SIDE, HASH_SIDE), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8].reshape(-1)
    bits = low > np.median(low[1:])
    value = int("".join("1" if b else "0" for b in bits), 2)
    if value >= 1 << 63:  # store as a signed BIGINT
        value -= 1 << 64
    pixels = cv2.resize(grey, (PIXEL_SIDE, PIXEL_SIDE), interpolation=cv2.INTER_AREA)
    frame = None
    if rgb is not None:
        whole = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
        frame = cv2.resize(whole, FRAME_SIZE, interpolation=cv2.INTER_AREA)
        frame = np.clip(np.rint(frame), 0, 255).astype(np.uint8)
    return FramePrint(value, np.clip(np.rint(pixels), 0, 255).astype(np.uint8), frame)


def hamming(a: int, b: int) -> int:
    """Differing bits of two 64-bit hashes."""
    return bin((a ^ b) & ((1 << 64) - 1)).count("1")


def pixel_difference(a: FramePrint, b: FramePrint) -> float:
    """Mean absolute grey difference of two prints after matching their mean brightness."""
    x = a.pixels.astype(np.float32)
    y = b.pixels.astype(np.float32)
    return float(np.mean(np.abs((x - x.mean()) - (y - y.mean()))))


def same_frame(a: FramePrint, b: FramePrint) -> bool:
    """Whether two whole-frame thumbnails nowhere differ by FRAME_MAX_DIFF grey levels."""
    if a.frame is None or b.frame is None or a.frame.shape != b.frame.shape:
        return False
    difference = np.abs(a.frame.astype(np.float32) - b.frame.astype(np.float32))
    return float(difference.max()) < FRAME_MAX_DIFF


def same_picture(a: FramePrint, b: FramePrint, max_bits: int, max_pixels: float) -> bool:
    """Whether two prints are of one picture (a copy), not two pictures of one face."""
    if hamming(a.phash, b.phash) > max_bits:
        return False
    return same_frame(a, b) or pixel_difference(a, b) <= max_pixels
