"""The face engine: find one face, judge its quality, encode it, compare it, inspect bursts.

Pure computation on pixels and bytes (no Flask, no database). One interface, detect ->
landmarks -> align -> embed -> compare, over the default model (YuNet + SFace, ``sface.py``,
loaded once per process on first use). Every threshold is an ``EngineSettings`` field whose
value and origin are in docs/faces.md (``scripts/bench/face_calibration.py`` prints them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from . import sface
from .burst import BurstVerdict, FrameCheck, decide_burst
from .errors import FaceError
from .images import DEFAULT_LIMITS, Box, ImageLimits, check_frame_size, decode_image, thumbnail_jpeg
from .prints import take_print
from .quality import (
    brightness,
    clipped,
    face_crop,
    landmark_box,
    lower_level,
    outside_fraction,
    sharpness,
    upper_level,
    yaw,
)
from .replay import replay_thumbnail, replayed_indexes
from .vectors import as_template, distance

__all__ = ["BurstVerdict", "EngineSettings", "FaceAnalysis", "FaceEngine", "FrameCheck"]

MODEL_ID = sface.MODEL_ID


@dataclass(frozen=True)
class EngineSettings:
    """Tunable figures of the engine; defaults measured on ../shared/faces (docs/faces.md).

    Distances are between L2-normalised SFace embeddings: sqrt(2 - 2 cos), 0 to 2.
    """

    # Same person at or under this distance (DET tables: FAR <= 0.1 % at FRR <= 3 % on
    # people/ and east-asian/).
    match_threshold: float = 1.04
    # A frame farther than this is someone else; between the two it simply does not count.
    impostor_threshold: float = 1.15
    # A new enrollment this close to another account is held as a possible duplicate. Far
    # under the closest impostor pair measured (1.024); the normal fit of the impostor tail
    # expects 0.003 false holds per enrollment among 100,000 learners (docs/faces.md).
    duplicate_threshold: float = 0.85
    # Longer side of the copy searched for faces: enrollment photos at 640 (a 640x480 frame
    # as it is), check frames at 480 (~16 ms instead of ~28; faces >= 80 px stay >= 60 px,
    # ample for YuNet, and the liveness figures were calibrated on this size).
    detect_size: int = 640
    burst_detect_size: int = 480
    min_face_px: int = 80
    # quality.sharpness: webcam and press photos 20-110; soft 250x250 press photos down to 6.
    min_sharpness: float = 5.0
    max_shadows: float = 0.40  # share of the inner face crushed to black
    min_upper_level: float = 50.0  # 90th percentile grey of the inner face (underexposed)
    max_lower_level: float = 190.0  # 10th percentile grey of the inner face (washed out)
    max_highlights: float = 0.25  # share of the inner face burnt out to white
    # |nose offset| / eye span of an enrollment photo (frontal 0-0.15; portraits turned
    # for the press up to 0.34; a head turned aside 0.4 and more).
    max_yaw: float = 0.35
    max_outside: float = 0.10
    # Frames of one burst whose 64x48 grey thumbnails nowhere differ by this much are copies.
    replay_max_diff: float = 5.0
    # Across checks: a print within this many hash bits whose whole frame is the same picture
    # (64x48, < 5 grey levels everywhere) or whose aligned face differs by at most this mean
    # grey level is a copy. Re-encoded JPEG (q 60-95) frames match by the frame; the same man
    # 33 ms later at a still moment of a video measured 2.97 on the face.
    print_max_bits: int = 12
    print_max_pixels: float = 2.0
    burst_min_matches: int = 2
    burst_max_frames: int = 5
    # Once this many frames matched (every frame of a 3-frame burst is encoded: a turned face
    # cannot be told from another by its pixels), a later frame whose one face overlaps a
    # matched face this much and keeps its eye span within 30 % continues it: not encoded.
    track_after_matches: int = 3
    track_min_iou: float = 0.3
    thumbnail_px: int = 160
    image_limits: ImageLimits = DEFAULT_LIMITS

    def __post_init__(self):
        if not 0 < self.match_threshold <= self.impostor_threshold:
            raise ValueError("need 0 < match_threshold <= impostor_threshold")
        if not (0 <= self.max_shadows <= 1 and 0 <= self.max_highlights <= 1):
            raise ValueError("clipped shares are between 0 and 1")
        sizes = (self.detect_size, self.burst_detect_size, self.min_face_px, self.thumbnail_px)
        if min(sizes) < 1:
            raise ValueError("sizes must be positive")
        if not 1 <= self.burst_min_matches <= self.burst_max_frames:
            raise ValueError("need 1 <= burst_min_matches <= burst_max_frames")


@dataclass(frozen=True, eq=False)
class FaceAnalysis:
    """What the engine saw in one picture.

    ``ok`` means exactly one face that passed every quality gate; then ``encoding`` holds its
    float32 128-d embedding. Otherwise ``reason`` is the refusal code (see errors.MESSAGES).
    ``quality`` holds ``face_px``, ``outside``, ``yaw``, ``brightness``, ``shadows``,
    ``highlights``, ``upper_level``, ``lower_level`` and ``sharpness`` when exactly one face
    was found.
    """

    ok: bool
    reason: str | None
    face_count: int
    box: Box | None = None
    quality: dict[str, float] = field(default_factory=dict)
    encoding: np.ndarray | None = None
    landmarks: np.ndarray | None = None


class FaceEngine:
    """Face analysis, comparison and burst inspection with one set of ``EngineSettings``."""

    model_id = MODEL_ID

    def __init__(self, settings: EngineSettings | None = None):
        self.settings = settings or EngineSettings()

    @property
    def models(self) -> sface.SFaceModels:
        """The shared models (loaded and SHA-checked on first use)."""
        return sface.load_models()

    def warm_up(self) -> None:
        """Load the models now (e.g. before forking workers) instead of on the first request."""
        sface.load_models()

    # --- pictures -----------------------------------------------------------------------
    def decode(self, data: bytes) -> np.ndarray:
        """``images.decode_image`` with this engine's limits (raises FaceError)."""
        return decode_image(data, self.settings.image_limits)

    def detect(self, rgb: np.ndarray, max_side: int | None = None) -> list[sface.DetectedFace]:
        """Faces (box and five landmarks in original pixels), largest first, searched on a
        copy at most ``max_side`` (default ``detect_size``) on its longer side."""
        rgb = _as_rgb(rgb)
        height, width = rgb.shape[:2]
        scale = min(1.0, (max_side or self.settings.detect_size) / max(height, width))
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        faces = self.models.detect(bgr)
        if scale == 1.0:
            return faces
        return [
            sface.DetectedFace(
                tuple(round(v / scale) for v in face.box), face.landmarks / scale, face.score
            )
            for face in faces
        ]

    def countable(self, faces: list[sface.DetectedFace]) -> list[sface.DetectedFace]:
        """The faces that count: upright ones (eyes above the mouth, the eye line within 60
        degrees of level: YuNet also finds faces upside down, which no camera delivers and
        the recogniser is not made for), the largest of them, and others at least
        ``min_face_px`` wide or at least 0.8 of the largest (a passer-by far behind is
        background, as it was for the HOG detector, which saw no face under 80 px)."""
        faces = [face for face in faces if _upright(face.landmarks)]
        if len(faces) < 2:
            return faces
        floor = min(self.settings.min_face_px, 0.8 * faces[0].width)
        return [faces[0]] + [f for f in faces[1:] if f.width >= floor]

    def detect_faces(self, rgb: np.ndarray) -> list[Box]:
        """Face boxes in original pixels, largest first."""
        return [face.box for face in self.detect(rgb)]

    def measure(self, rgb: np.ndarray, face: sface.DetectedFace) -> dict[str, float]:
        """Quality figures of one face: size, framing, pose, exposure and focus."""
        height, width = rgb.shape[:2]
        grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        grey_face = face_crop(grey, face.box)
        shadows, highlights = clipped(grey_face)
        return {
            "face_px": float(face.width),
            "outside": round(
                max(
                    outside_fraction(face.box, width, height),
                    outside_fraction(landmark_box(face.landmarks), width, height),
                ),
                3,
            ),
            "yaw": round(yaw(face.landmarks), 3),
            "brightness": round(brightness(grey_face), 1),
            "shadows": round(shadows, 3),
            "highlights": round(highlights, 3),
            "upper_level": round(upper_level(grey_face), 1),
            "lower_level": round(lower_level(grey_face), 1),
            "sharpness": round(sharpness(grey_face), 1),
        }

    def quality_reason(self, quality: dict[str, float], frontal: bool = True) -> str | None:
        """The first quality gate ``quality`` fails, or None when it passes them all.

        ``frontal=False`` (the turned frames of a challenge) skips the pose gate.
        """
        s = self.settings
        if quality["face_px"] < s.min_face_px:
            return "face_too_small"
        if quality["outside"] > s.max_outside or (frontal and quality["yaw"] > s.max_yaw):
            return "not_frontal"
        if quality["shadows"] > s.max_shadows or quality["upper_level"] < s.min_upper_level:
            return "too_dark"
        if quality["highlights"] > s.max_highlights or quality["lower_level"] > s.max_lower_level:
            return "too_bright"
        if quality["sharpness"] < s.min_sharpness:
            return "too_blurry"
        return None

    def aligned(self, rgb: np.ndarray, face: sface.DetectedFace) -> np.ndarray:
        """The face aligned to 112x112 (BGR), as the recogniser wants it."""
        bgr = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR)
        return sface.align(bgr, face.landmarks)

    def encode(self, rgb: np.ndarray, face: sface.DetectedFace) -> np.ndarray:
        """The float32 128-d L2-normalised embedding of one face."""
        return self.models.embed_aligned(self.aligned(rgb, face))

    def analyze(self, rgb: np.ndarray) -> FaceAnalysis:
        """Find exactly one face, apply the quality gates, and encode it when it passes."""
        rgb = _as_rgb(rgb)
        faces = self.countable(self.detect(rgb))
        if not faces:
            return FaceAnalysis(False, "no_face", 0)
        if len(faces) > 1:
            return FaceAnalysis(False, "multiple_faces", len(faces), faces[0].box)
        face = faces[0]
        if self._upside_down(rgb, face):
            return FaceAnalysis(False, "no_face", 0)
        quality = self.measure(rgb, face)
        reason = self.quality_reason(quality)
        if reason:
            return FaceAnalysis(False, reason, 1, face.box, quality, None, face.landmarks)
        encoding = self.encode(rgb, face)
        return FaceAnalysis(True, None, 1, face.box, quality, encoding, face.landmarks)

    def _upside_down(self, rgb: np.ndarray, face: sface.DetectedFace) -> bool:
        """Whether the picture holds the face upside down: YuNet also finds such faces (and
        places the landmarks as if upright), but finds them with more confidence in the
        picture turned over. Checked for enrollment photos only (one more detection)."""
        height, width = rgb.shape[:2]
        turned = self.detect(np.ascontiguousarray(rgb[::-1, ::-1]))
        left, top, right, bottom = face.box
        mirrored = (width - right, height - bottom, width - left, height - top)
        return any(
            box_iou(mirrored, other.box) >= 0.5 and other.score > face.score for other in turned
        )

    def analyze_image(self, data: bytes) -> FaceAnalysis:
        """``analyze`` on uploaded bytes; decoding refusals come back as the reason code."""
        try:
            rgb = self.decode(data)
        except FaceError as error:
            return FaceAnalysis(False, error.code, 0)
        return self.analyze(rgb)

    # --- comparison -----------------------------------------------------------------------
    @staticmethod
    def distance(a, b) -> float:
        """Distance between two encodings or templates (nearest pair)."""
        return distance(a, b)

    def matches(self, a, b) -> bool:
        """Whether two encodings/templates are the same person (``match_threshold``)."""
        return distance(a, b) <= self.settings.match_threshold

    def is_duplicate(self, a, b) -> bool:
        """Whether two enrolled templates look like one person (``duplicate_threshold``)."""
        return distance(a, b) <= self.settings.duplicate_threshold

    def thumbnail_jpeg(self, rgb: np.ndarray, box: Box) -> bytes:
        """A review JPEG of the face, at most ``thumbnail_px`` on its longer side."""
        return thumbnail_jpeg(rgb, box, max_px=self.settings.thumbnail_px)

    # --- study-session face checks -----------------------------------------------------------
    def inspect_burst(self, template, frames: Sequence[bytes]) -> tuple[FrameCheck, ...]:
        """Per-frame findings of a burst against a ``template`` (1-3 encodings).

        Every frame's size is checked from its header (``frame_too_large`` above 1920x1080)
        before decoding; every decoded frame is searched for faces, so a missing or second
        face is always seen. Encodings (the costly step) are computed in order until
        ``track_after_matches`` frames matched; after that a frame whose one face continues a
        matched face (box overlap, similar eye span) is ``tracked`` without an encoding.
        """
        s = self.settings
        template = as_template(template)
        pictures: list[np.ndarray | None] = []
        checks: dict[int, FrameCheck] = {}
        for index, data in enumerate(frames):
            try:
                check_frame_size(data)
                pictures.append(self.decode(data))
            except FaceError as error:
                pictures.append(None)
                checks[index] = FrameCheck(index, error.code)
        thumbnails = [replay_thumbnail(p) if p is not None else None for p in pictures]
        for index in replayed_indexes(list(frames), thumbnails, s.replay_max_diff):
            checks[index] = FrameCheck(index, "replayed_frames")
        matched: list[sface.DetectedFace] = []
        for index, rgb in enumerate(pictures):
            if index in checks:
                continue
            faces = self.countable(self.detect(rgb, s.burst_detect_size))
            if len(faces) != 1:
                box = faces[0].box if faces else None
                reason = "multiple_faces" if faces else "no_face"
                thumb = self.thumbnail_jpeg(rgb, box) if box else None
                checks[index] = FrameCheck(index, reason, None, len(faces), box, thumb)
                continue
            face = faces[0]
            aligned = self.aligned(rgb, face)
            landmarks = tuple(map(tuple, np.round(face.landmarks.astype(float), 2)))
            frame_print = take_print(aligned, rgb)
            if len(matched) >= s.track_after_matches and any(
                _continues(m, face, s) for m in matched
            ):
                checks[index] = FrameCheck(
                    index, None, None, 1, face.box, None, True, landmarks, frame_print
                )
                continue
            gap = distance(self.models.embed_aligned(aligned), template)
            if gap <= s.match_threshold:
                reason = None
                matched.append(face)
            else:
                reason = "impostor" if gap > s.impostor_threshold else "no_match"
            checks[index] = FrameCheck(
                index,
                reason,
                round(gap, 4),
                1,
                face.box,
                self.thumbnail_jpeg(rgb, face.box),
                False,
                landmarks,
                frame_print,
            )
        return tuple(checks[index] for index in range(len(frames)))

    def verify_burst(self, template, frames: Sequence[bytes]) -> BurstVerdict:
        """A match-only check of a burst (no challenge, no memory of earlier checks)."""
        frames = list(frames)
        if len(frames) > self.settings.burst_max_frames:
            return BurstVerdict(False, "too_many_frames", ())
        checks = self.inspect_burst(template, frames)
        decision = decide_burst([c.reason for c in checks], self.settings.burst_min_matches)
        return BurstVerdict(decision.passed, decision.reason, checks, decision.final)


def _continues(seen: sface.DetectedFace, face: sface.DetectedFace, s: EngineSettings) -> bool:
    """Whether ``face`` is where ``seen`` was, at about the same size (the same head)."""
    if box_iou(seen.box, face.box) < s.track_min_iou:
        return False
    spans = [float(np.linalg.norm(f.landmarks[1] - f.landmarks[0])) for f in (seen, face)]
    return min(spans) > 0 and max(spans) / min(spans) <= 1.3


def _upright(landmarks: np.ndarray) -> bool:
    """Whether a face is the right way up: the eye line within 60 degrees of level (eyes in
    the person's order, right eye on the image's left) and the mouth below the eyes."""
    right_eye, left_eye = landmarks[0], landmarks[1]
    across = left_eye - right_eye
    if across[0] <= 0 or abs(across[1]) > 1.73 * across[0]:  # tan 60 deg
        return False
    return float(landmarks[3:, 1].mean()) > float(landmarks[:2, 1].mean())


def _as_rgb(array: np.ndarray) -> np.ndarray:
    """A C-contiguous (h, w, 3) uint8 array (greyscale is widened)."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError("expected uint8 pixels")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError("expected an (h, w, 3) RGB array")
    return np.ascontiguousarray(array)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two (left, top, right, bottom) boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area
