"""Fixtures for the face engine tests: the shared photos and one engine per test session.

The photos live outside the repository, in ``<repo root>/../shared/faces`` (or wherever
``SKILLTRACE_SHARED_FACES`` points). Nothing here needs Flask or a database.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from skilltrace.faces.engine import FaceEngine

REPO_ROOT = Path(__file__).resolve().parents[2]
FACES = Path(os.environ.get("SKILLTRACE_SHARED_FACES", REPO_ROOT.parent / "shared" / "faces"))
PEOPLE = FACES / "people"
CASES = FACES / "cases"


def pytest_generate_tests(metafunc):
    """Parametrise ``genuine_pair``, ``impostor_pair`` and ``people_photo`` from people/."""
    photos = [photo_id(p) for p in people_photos()]
    pairs = [(a, b) for i, a in enumerate(photos) for b in photos[i + 1 :]]
    same = [(a, b) for a, b in pairs if a.split("/")[0] == b.split("/")[0]]
    different = [(a, b) for a, b in pairs if a.split("/")[0] != b.split("/")[0]]
    for name, values in (
        ("genuine_pair", same),
        ("impostor_pair", different),
        ("people_photo", photos),
    ):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, values, ids=[_pair_id(v) for v in values])


def _pair_id(value) -> str:
    return value if isinstance(value, str) else " ~ ".join(value)


def people_photos() -> list[Path]:
    """Every photo under people/<identity>/, sorted."""
    return sorted(p for p in PEOPLE.glob("*/*") if p.is_file()) if PEOPLE.is_dir() else []


def photo_id(path: Path) -> str:
    """``identity/file`` of a photo, for test ids."""
    return f"{path.parent.name}/{path.name}"


@pytest.fixture(scope="session")
def make_frame():
    """The ``webcam_frame`` helper, for tests (they cannot import this conftest)."""
    return webcam_frame


def webcam_frame(
    source: Path, dx: float = 0.0, dy: float = 0.0, seed: int = 0, crop=None, size=(640, 480)
) -> bytes:
    """A webcam-like JPEG of ``source`` (optionally a ``crop`` (x0, y0, x1, y1) of it) fitted
    into a 640x480 grey frame, moved by (dx, dy) px and given sensor-like noise."""
    picture = cv2.imread(str(source))
    if crop:
        picture = picture[crop[1] : crop[3], crop[0] : crop[2]]
    height, width = picture.shape[:2]
    scale = min(size[0] / width, size[1] / height)
    fitted = cv2.resize(picture, (round(width * scale), round(height * scale)))
    frame = np.full((size[1], size[0], 3), 128, dtype=np.uint8)
    top = (size[1] - fitted.shape[0]) // 2
    left = (size[0] - fitted.shape[1]) // 2
    frame[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
    shift = np.float32([[1, 0, dx], [0, 1, dy]])
    moved = cv2.warpAffine(frame, shift, size, borderMode=cv2.BORDER_REFLECT)
    noise = np.random.default_rng(seed).normal(0, 2.0, moved.shape)
    noisy = np.clip(np.rint(moved + noise), 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    if not PEOPLE.is_dir() or not CASES.is_dir():
        pytest.fail(f"shared face photos not found at {FACES} (set SKILLTRACE_SHARED_FACES)")
    return FACES


@pytest.fixture(scope="session")
def engine(faces_dir) -> FaceEngine:
    """One engine for the whole session (the models load once per process anyway)."""
    face_engine = FaceEngine()
    face_engine.warm_up()
    return face_engine


@pytest.fixture(scope="session")
def encodings(engine) -> dict[str, np.ndarray]:
    """``identity/file`` -> encoding of the largest face, for every people/ photo.

    Encoded regardless of the quality gates, as the calibration does.
    """
    found = {}
    for path in people_photos():
        rgb = engine.decode(path.read_bytes())
        found[photo_id(path)] = engine.encode(rgb, engine.detect(rgb)[0])
    return found


@pytest.fixture(scope="session")
def obama_template(encodings) -> np.ndarray:
    """The enrolled template used by the burst tests (people/obama/obama.jpg)."""
    return encodings["obama/obama.jpg"]
