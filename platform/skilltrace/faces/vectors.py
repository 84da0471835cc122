"""Face encodings as numbers: distances, and a compact byte form for storage."""

from __future__ import annotations

import numpy as np

ENCODING_SIZE = 128
ENCODING_BYTES = ENCODING_SIZE * 4  # float32, little-endian


def as_encoding(vector) -> np.ndarray:
    """A validated float32 128-d encoding (raises ValueError for anything else)."""
    encoding = np.asarray(vector, dtype=np.float32).reshape(-1)
    if encoding.shape != (ENCODING_SIZE,) or not np.all(np.isfinite(encoding)):
        raise ValueError("a face encoding is 128 finite numbers")
    return encoding


def distance(a, b) -> float:
    """Euclidean distance between two encodings (0 = identical; same person below ~0.5)."""
    return float(np.linalg.norm(as_encoding(a) - as_encoding(b)))


def pack_encoding(vector) -> bytes:
    """The 512-byte storage form of an encoding (float32 little-endian)."""
    return as_encoding(vector).astype("<f4").tobytes()


def unpack_encoding(data: bytes) -> np.ndarray:
    """The encoding stored by ``pack_encoding`` (raises ValueError on a wrong length)."""
    if len(data) != ENCODING_BYTES:
        raise ValueError("a stored face encoding is 512 bytes")
    return as_encoding(np.frombuffer(data, dtype="<f4"))
