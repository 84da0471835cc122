"""An enrollment's 1-3 photos through the engine: each analysed, then the per-photo rules
(``photo_rules``) decide; a refusal names every refused photo. Also the kept reference JPEG."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from skilltrace.faces.errors import FaceError
from skilltrace.faces.messages import photos_error
from skilltrace.faces.photo_rules import same_person_verdicts

if TYPE_CHECKING:
    import numpy as np

    from skilltrace.faces.engine import FaceAnalysis, FaceEngine

PHOTO_MAX_SIDE = 1024  # reference photos are kept re-encoded (no EXIF) at most this large


def analyze_photo(engine: FaceEngine, image: bytes) -> tuple[np.ndarray, FaceAnalysis] | str:
    """The decoded photo and its analysis, or the refusal code."""
    try:
        rgb = engine.decode(image)
    except FaceError as error:
        return error.code
    analysis = engine.analyze(rgb)
    return (rgb, analysis) if analysis.ok else analysis.reason


def analyze_photos(
    engine: FaceEngine, images: list[bytes]
) -> list[tuple[np.ndarray, FaceAnalysis]]:
    """Every photo analysed; refused (``photos_error``: a verdict per photo) unless all pass
    the quality gates and show one person."""
    results = [analyze_photo(engine, data) for data in images]
    verdicts = [result if isinstance(result, str) else None for result in results]
    if any(verdicts):
        raise photos_error(verdicts)
    vectors = [analysis.encoding for _rgb, analysis in results]
    matches = [
        [i == j or engine.matches(a, b) for j, b in enumerate(vectors)]
        for i, a in enumerate(vectors)
    ]
    verdicts = same_person_verdicts(matches)
    if any(verdicts):
        raise photos_error(verdicts)
    return results


def reference_jpeg(rgb: np.ndarray) -> bytes:
    """The photo kept for review: re-encoded (drops EXIF, e.g. GPS), longer side <= 1024."""
    from PIL import Image

    image = Image.fromarray(rgb)
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
