"""The face engine: find one face, judge its quality, encode it, compare it, check bursts.

Pure computation on pixels and bytes (no Flask, no database). The dlib models are loaded once
per process on first use (``load_models``); ``FaceEngine`` objects are cheap and thread-safe.
Every threshold is an ``EngineSettings`` field whose value and origin are in docs/faces.md.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from .burst import BurstVerdict, FrameCheck, burst_reason
from .errors import FaceError
from .images import DEFAULT_LIMITS, Box, ImageLimits, decode_image, thumbnail_jpeg
from .quality import brightness, face_crop, outside_fraction, sharpness, yaw_asymmetry
from .replay import replay_thumbnail, replayed_indexes
from .vectors import as_encoding, distance

__all__ = [
    "BurstVerdict",
    "EngineSettings",
    "FaceAnalysis",
    "FaceEngine",
    "FrameCheck",
    "distance",
    "load_models",
    "thumbnail_jpeg",
]


@dataclass(frozen=True)
class EngineSettings:
    """Tunable figures of the engine; defaults measured on ../shared/faces (docs/faces.md)."""

    # Same person when the encoding distance is at most this. All 12 genuine pairs measured
    # 0.33-0.44, all 66 impostor pairs 0.70-1.02; dlib's own 0.6 is too lax for a subsidy.
    match_threshold: float = 0.50
    # In a face check, a frame farther than this from the template is someone else (between
    # the two thresholds a frame simply does not count: poor light, blur, a turned head).
    impostor_threshold: float = 0.60
    # A new enrolment this close to another learner's template is a duplicate: anyone who
    # would pass that learner's face check.
    duplicate_threshold: float = 0.50
    # Burst frames are searched for faces on a copy whose longer side is at most this many
    # pixels, without upsampling: a 640x480 frame becomes 480x360 (~14 ms) and faces from
    # 107 px wide are found (HOG's window is 80 px).
    detect_size: int = 480
    # analyze() searches a copy of at most this size: a 640x480 frame at full size (~25 ms),
    # where every face that could pass min_face_px is visible ...
    analyze_detect_size: int = 640
    # ... and, when no face is found or, on a reduced copy, the largest face is narrower than
    # this, it searches again with 2x upsampling so a second face 2/3 that size is still seen.
    rescan_below_px: int = 120
    # Refuse faces narrower than this in the original picture (the 240p sample's 72 px face).
    min_face_px: int = 80
    # Variance of the Laplacian on the face resized to 128x128; sharp photos measure 240-1600,
    # and below 20 genuine distances drift towards the match threshold.
    min_sharpness: float = 20.0
    # Mean grey level of the face box (photos measure 111-151). Darkened faces kept their
    # distances down to ~20 but real dark frames are noisy; brightened faces above 180 have
    # clipped skin and drift up to 0.58 from their genuine pairs (0.51 at most up to 180).
    min_brightness: float = 40.0
    max_brightness: float = 180.0
    # Left/right asymmetry of the nose tip between mirrored landmarks (quality.yaw_asymmetry):
    # slightly turned portraits measure up to 0.35, a head turned ~25 degrees 0.41.
    max_yaw: float = 0.38
    # Largest share of the face box allowed outside the picture (a face cut by the edge).
    max_outside: float = 0.10
    # Frames whose 64x48 grey thumbnails nowhere differ by this many grey levels are copies.
    replay_max_diff: float = 5.0
    # A burst passes with at least this many frames matching the template ...
    burst_min_matches: int = 2
    # ... and is refused unread beyond this many frames (bounds the work a client can ask).
    burst_max_frames: int = 5
    # Once enough frames matched, a later frame's single face overlapping a matched face by
    # this intersection-over-union is the same face (frames are ~0.5 s apart): not re-encoded.
    track_min_iou: float = 0.5
    # ... and whose aligned grey face correlates with it at least this much (same face 0.5 s
    # later: 0.92-1.0 measured; different people: at most 0.75).
    track_min_similarity: float = 0.85
    # Longer side of review thumbnails.
    thumbnail_px: int = 160
    image_limits: ImageLimits = DEFAULT_LIMITS

    def __post_init__(self):
        if not 0 < self.match_threshold <= self.impostor_threshold:
            raise ValueError("need 0 < match_threshold <= impostor_threshold")
        if not 0 <= self.min_brightness < self.max_brightness <= 255:
            raise ValueError("need 0 <= min_brightness < max_brightness <= 255")
        sizes = (self.detect_size, self.analyze_detect_size, self.min_face_px, self.thumbnail_px)
        if min(sizes) < 1:
            raise ValueError("sizes must be positive")
        if not 1 <= self.burst_min_matches <= self.burst_max_frames:
            raise ValueError("need 1 <= burst_min_matches <= burst_max_frames")


@dataclass(frozen=True)
class Models:
    """The dlib models: HOG face detector, 5- and 68-point landmarks, ResNet encoder."""

    detector: Any
    landmarks5: Any
    landmarks68: Any
    encoder: Any


_models: Models | None = None
_models_lock = threading.Lock()
# dlib's network keeps per-call state in its layers: one forward pass at a time per process.
_encoder_lock = threading.Lock()


def load_models() -> Models:
    """The process-wide dlib models, loaded on the first call (about 0.5 s)."""
    global _models
    if _models is None:
        with _models_lock:
            if _models is None:
                import dlib
                import face_recognition_models as files

                _models = Models(
                    detector=dlib.get_frontal_face_detector(),
                    landmarks5=dlib.shape_predictor(
                        files.pose_predictor_five_point_model_location()
                    ),
                    landmarks68=dlib.shape_predictor(files.pose_predictor_model_location()),
                    encoder=dlib.face_recognition_model_v1(files.face_recognition_model_location()),
                )
    return _models


@dataclass(frozen=True, eq=False)
class FaceAnalysis:
    """What the engine saw in one picture.

    ``ok`` means exactly one face that passed every quality gate; then ``encoding`` holds its
    float32 128-d encoding. Otherwise ``reason`` is the refusal code (see errors.MESSAGES).
    ``box`` is the (largest) face in original pixels; ``quality`` holds ``face_px``,
    ``outside``, ``yaw``, ``brightness`` and ``sharpness`` when exactly one face was found.
    """

    ok: bool
    reason: str | None
    face_count: int
    box: Box | None = None
    quality: dict[str, float] = field(default_factory=dict)
    encoding: np.ndarray | None = None


class FaceEngine:
    """Face analysis, comparison and burst checks with one set of ``EngineSettings``."""

    def __init__(self, settings: EngineSettings | None = None):
        self.settings = settings or EngineSettings()

    @property
    def models(self) -> Models:
        """The shared dlib models (loaded on first use)."""
        return load_models()

    def warm_up(self) -> None:
        """Load the models now (e.g. before forking workers) instead of on the first request."""
        load_models()

    # --- pictures -----------------------------------------------------------------------

    def decode(self, data: bytes) -> np.ndarray:
        """``images.decode_image`` with this engine's limits (raises FaceError)."""
        return decode_image(data, self.settings.image_limits)

    def detect_faces(self, rgb: np.ndarray, thorough: bool = True) -> list[Box]:
        """Face boxes in original pixels, largest first.

        Fast (``thorough=False``, bursts): one HOG pass at ``detect_size``, no upsampling.
        Thorough (``analyze``): one pass at ``analyze_detect_size``, then a 2x-upsampled pass
        when no face was found or, on a reduced copy, the largest face is narrower than
        ``rescan_below_px`` (so smaller second faces and too-small faces are still seen).
        """
        s = self.settings
        height, width = rgb.shape[:2]
        scale = min(
            1.0, (s.analyze_detect_size if thorough else s.detect_size) / max(height, width)
        )
        small = rgb
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        detector = self.models.detector
        rects = list(detector(grey, 0))
        if thorough and (
            not rects or (scale < 1.0 and max(r.width() for r in rects) < s.rescan_below_px)
        ):
            rescanned = list(detector(grey, 1))
            if len(rescanned) >= len(rects):
                rects = rescanned
        boxes = [
            (
                round(r.left() / scale),
                round(r.top() / scale),
                round(r.right() / scale),
                round(r.bottom() / scale),
            )
            for r in rects
        ]
        return sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)

    def measure(self, rgb: np.ndarray, box: Box) -> dict[str, float]:
        """Quality figures of the face in ``box``: size, framing, pose, light and focus."""
        import dlib

        height, width = rgb.shape[:2]
        shape = self.models.landmarks68(rgb, dlib.rectangle(*box))
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
        grey_face = cv2.cvtColor(np.ascontiguousarray(face_crop(rgb, box)), cv2.COLOR_RGB2GRAY)
        return {
            "face_px": float(box[2] - box[0]),
            "outside": round(outside_fraction(box, width, height), 3),
            "yaw": round(yaw_asymmetry(points), 3),
            "brightness": round(brightness(grey_face), 1),
            "sharpness": round(sharpness(grey_face), 1),
        }

    def quality_reason(self, quality: dict[str, float]) -> str | None:
        """The first quality gate ``quality`` fails, or None when it passes them all."""
        s = self.settings
        if quality["face_px"] < s.min_face_px:
            return "face_too_small"
        if quality["outside"] > s.max_outside or quality["yaw"] > s.max_yaw:
            return "not_frontal"
        if quality["brightness"] < s.min_brightness:
            return "too_dark"
        if quality["brightness"] > s.max_brightness:
            return "too_bright"
        if quality["sharpness"] < s.min_sharpness:
            return "too_blurry"
        return None

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The float32 128-d encoding of the face in ``box`` (5-point alignment, full pixels)."""
        import dlib

        models = self.models
        shape = models.landmarks5(rgb, dlib.rectangle(*box))
        with _encoder_lock:
            descriptor = models.encoder.compute_face_descriptor(rgb, shape, 1)
        return np.asarray(descriptor, dtype=np.float32)

    def face_signature(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The face aligned (5 landmarks) to 64x64 grey, zero-mean unit-variance (~2 ms).

        The mean product of two signatures is their normalised correlation: the same face in
        two webcam frames 0.5 s apart measures 0.92-1.0; two people, even in the same seat and
        light, at most 0.75 on ../shared/faces.
        """
        import dlib

        shape = self.models.landmarks5(rgb, dlib.rectangle(*box))
        chip = dlib.get_face_chip(rgb, shape, 64, 0.1)
        grey = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY).astype(np.float32)
        return (grey - grey.mean()) / (grey.std() + 1e-6)

    def analyze(self, rgb: np.ndarray) -> FaceAnalysis:
        """Find exactly one face, apply the quality gates, and encode it when it passes.

        Refusals skip the encoding (the costly step). Used for enrolment photos and for
        single-picture checks.
        """
        rgb = _as_rgb(rgb)
        boxes = self.detect_faces(rgb, thorough=True)
        if not boxes:
            return FaceAnalysis(False, "no_face", 0)
        if len(boxes) > 1:
            return FaceAnalysis(False, "multiple_faces", len(boxes), boxes[0])
        box = boxes[0]
        quality = self.measure(rgb, box)
        reason = self.quality_reason(quality)
        if reason:
            return FaceAnalysis(False, reason, 1, box, quality)
        return FaceAnalysis(True, None, 1, box, quality, self.encode(rgb, box))

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
        """Euclidean distance between two encodings."""
        return distance(a, b)

    def matches(self, a, b) -> bool:
        """Whether two encodings are the same person (distance <= ``match_threshold``)."""
        return distance(a, b) <= self.settings.match_threshold

    def is_duplicate(self, a, b) -> bool:
        """Whether two enrolled templates look like one person (``duplicate_threshold``)."""
        return distance(a, b) <= self.settings.duplicate_threshold

    def thumbnail_jpeg(self, rgb: np.ndarray, box: Box) -> bytes:
        """A review JPEG of the face, at most ``thumbnail_px`` on its longer side."""
        return thumbnail_jpeg(rgb, box, max_px=self.settings.thumbnail_px)

    # --- study-session face checks -----------------------------------------------------------

    def verify_burst(self, template, frames: Sequence[bytes]) -> BurstVerdict:
        """Check a burst of camera frames against an enrolled ``template`` encoding.

        Passes when at least ``burst_min_matches`` frames match, no frame shows a different
        face or a second face, and no frame copies another. Every frame is decoded and searched
        for faces (one detection at ``detect_size`` without upsampling), so a missing or second
        face is always seen. Encodings (~90 ms each, the dominant cost) are computed in order;
        once ``burst_min_matches`` frames matched, a later frame whose single face lies where a
        matched face was (``track_min_iou``) *and* looks the same once aligned
        (``track_min_similarity``: the same face 0.5 s later, not someone else in the same
        seat) is *tracked*: it counts as that face without an encoding. Anything else is
        encoded. Never raises for bad frame bytes.
        """
        s = self.settings
        template = as_encoding(template)
        frames = list(frames)
        if len(frames) > s.burst_max_frames:
            return BurstVerdict(False, "too_many_frames", ())
        pictures: list[np.ndarray | None] = []
        checks: dict[int, FrameCheck] = {}
        for index, data in enumerate(frames):
            try:
                pictures.append(self.decode(data))
            except FaceError as error:
                pictures.append(None)
                checks[index] = FrameCheck(index, error.code)
        thumbnails = [replay_thumbnail(p) if p is not None else None for p in pictures]
        for index in replayed_indexes(frames, thumbnails, s.replay_max_diff):
            checks[index] = FrameCheck(index, "replayed_frames")
        matched: list[tuple[Box, np.ndarray]] = []
        for index, rgb in enumerate(pictures):
            if index in checks:
                continue
            boxes = self.detect_faces(rgb, thorough=False)
            if len(boxes) == 1 and len(matched) >= s.burst_min_matches:
                signature = self.face_signature(rgb, boxes[0])
                if any(
                    box_iou(boxes[0], box) >= s.track_min_iou
                    and float(np.mean(signature * seen)) >= s.track_min_similarity
                    for box, seen in matched
                ):
                    checks[index] = FrameCheck(index, None, None, 1, boxes[0], tracked=True)
                    continue
            checks[index] = self._check_frame(index, rgb, template, boxes)
            if checks[index].matched:
                matched.append((boxes[0], self.face_signature(rgb, boxes[0])))
        ordered = tuple(checks[index] for index in range(len(frames)))
        reason = burst_reason(ordered, s.burst_min_matches)
        return BurstVerdict(reason is None, reason, ordered)

    def _check_frame(
        self, index: int, rgb: np.ndarray, template: np.ndarray, boxes: list[Box]
    ) -> FrameCheck:
        """One burst frame with its detected faces: one encoding if exactly one face is seen."""
        if len(boxes) != 1:
            reason = "no_face" if not boxes else "multiple_faces"
            box = boxes[0] if boxes else None
            thumbnail = self.thumbnail_jpeg(rgb, box) if box else None
            return FrameCheck(index, reason, face_count=len(boxes), box=box, thumbnail=thumbnail)
        box = boxes[0]
        gap = distance(self.encode(rgb, box), template)
        if gap <= self.settings.match_threshold:
            reason = None
        elif gap > self.settings.impostor_threshold:
            reason = "impostor"
        else:
            reason = "no_match"
        return FrameCheck(
            index, reason, round(gap, 4), 1, box, thumbnail=self.thumbnail_jpeg(rgb, box)
        )


def _as_rgb(array: np.ndarray) -> np.ndarray:
    """A C-contiguous (h, w, 3) uint8 array, as dlib wants (greyscale is widened)."""
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
