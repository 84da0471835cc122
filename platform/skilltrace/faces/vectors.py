"""Face encodings as numbers: distances, and a compact byte form for storage.

An encoding is 128 float32 numbers (SFace embeddings are L2-normalised). A *template* is one
or more encodings of one person (multi-photo enrollment, at most ``MAX_TEMPLATE_VECTORS``); a
probe's distance to a template is its distance to the nearest of them.
"""

from __future__ import annotations

import numpy as np

ENCODING_SIZE = 128
ENCODING_BYTES = ENCODING_SIZE * 4  # float32, little-endian
MAX_TEMPLATE_VECTORS = 3


def as_encoding(vector) -> np.ndarray:
    """A validated float32 128-d encoding (raises ValueError for anything else)."""
    encoding = np.asarray(vector, dtype=np.float32).reshape(-1)
    if encoding.shape != (ENCODING_SIZE,) or not np.all(np.isfinite(encoding)):
        raise ValueError("a face encoding is 128 finite numbers")
    return encoding


def as_template(vectors) -> np.ndarray:
    """A validated ``(k, 128)`` float32 template, 1 <= k <= MAX_TEMPLATE_VECTORS."""
    template = np.asarray(vectors, dtype=np.float32)
    if template.ndim == 1:
        template = template.reshape(1, -1)
    if (
        template.ndim != 2
        or template.shape[1] != ENCODING_SIZE
        or not 1 <= template.shape[0] <= MAX_TEMPLATE_VECTORS
        or not np.all(np.isfinite(template))
    ):
        raise ValueError("a face template is 1 to 3 encodings of 128 finite numbers")
    return template


def distance(a, b) -> float:
    """Euclidean distance between two encodings, or the nearest pair of two templates."""
    left, right = as_template(a), as_template(b)
    gaps = np.linalg.norm(left[:, None, :] - right[None, :, :], axis=2)
    return float(gaps.min())


def pack_encoding(vector) -> bytes:
    """The storage form of an encoding or template (float32 little-endian, 512 bytes each)."""
    return as_template(vector).astype("<f4").tobytes()


def unpack_encoding(data: bytes) -> np.ndarray:
    """The encoding (1 vector) or template (k x 128) stored by ``pack_encoding``."""
    if not data or len(data) % ENCODING_BYTES or len(data) // ENCODING_BYTES > 3:
        raise ValueError("a stored face encoding is 512 bytes per vector, 1 to 3 vectors")
    template = as_template(np.frombuffer(data, dtype="<f4").reshape(-1, ENCODING_SIZE))
    return template[0] if len(template) == 1 else template


def primary(vector) -> np.ndarray:
    """The first encoding of a template (the one indexed for duplicate searches)."""
    return as_template(vector)[0]
