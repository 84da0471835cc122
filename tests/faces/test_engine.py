"""FaceEngine.analyze and matching on the shared photos; the documented verdicts."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from skilltrace.faces.engine import EngineSettings, FaceEngine
from skilltrace.faces.vectors import distance, pack_encoding, unpack_encoding

# The verdict analyze() gives every file in cases/ (docs/faces.md explains each one).
CASE_VERDICTS = {
    "32bit.png": None,  # RGBA PNG of obama2.jpg: alpha dropped, accepted
    "obama-1080p.jpg": None,
    "obama-720p.jpg": None,
    "obama-480p.jpg": None,
    "obama-240p.jpg": "face_too_small",  # a 54 px YuNet box, below min_face_px (80)
    "obama_partial_face.jpg": "not_frontal",  # face cut by the left edge (15% outside)
    "obama_partial_face2.jpg": "not_frontal",  # face cut by the right edge (22% outside)
    "two_faces_kit_rose.jpg": "multiple_faces",
    "two_faces_obama_biden.jpg": "multiple_faces",  # three faces: a child in the background
    "short_hamilton_clip.mp4": "unsupported_image",  # a video is not a picture
}
# people/ photos analyze() refuses as enrolment photos: none. (The dlib engine refused
# kit_harington/john2.jpeg as not_frontal; its 5-point yaw is 0.17, under max_yaw 0.35, and
# SFace matches it with the other two photos of him.)
PEOPLE_REFUSALS: dict[str, str] = {}


def test_every_genuine_pair_matches(engine, encodings, genuine_pair):
    a, b = genuine_pair
    assert engine.matches(encodings[a], encodings[b])


def test_no_impostor_pair_matches(engine, encodings, impostor_pair):
    a, b = impostor_pair
    assert not engine.matches(encodings[a], encodings[b])
    assert engine.distance(encodings[a], encodings[b]) > engine.settings.impostor_threshold


def test_no_impostor_pair_is_a_duplicate(engine, encodings, impostor_pair):
    a, b = impostor_pair
    assert not engine.is_duplicate(encodings[a], encodings[b])


def test_people_photos_as_enrolment_photos(engine, faces_dir, people_photo):
    analysis = engine.analyze_image((faces_dir / "people" / people_photo).read_bytes())
    assert analysis.reason == PEOPLE_REFUSALS.get(people_photo)
    assert analysis.face_count == 1
    assert set(analysis.quality) == {
        "face_px",
        "outside",
        "yaw",
        "brightness",
        "shadows",
        "highlights",
        "upper_level",
        "lower_level",
        "sharpness",
    }
    if analysis.ok:
        assert analysis.encoding.dtype == np.float32 and analysis.encoding.shape == (128,)
    else:
        assert analysis.encoding is None


def test_every_case_file_has_a_documented_verdict(faces_dir):
    assert sorted(p.name for p in (faces_dir / "cases").iterdir()) == sorted(CASE_VERDICTS)


@pytest.mark.parametrize("name", sorted(CASE_VERDICTS))
def test_case_verdicts(engine, faces_dir, encodings, name):
    analysis = engine.analyze_image((faces_dir / "cases" / name).read_bytes())
    assert analysis.reason == CASE_VERDICTS[name]
    assert analysis.ok == (CASE_VERDICTS[name] is None)
    if analysis.ok:  # every accepted case is Obama, and matches his enrolment photo
        assert engine.matches(analysis.encoding, encodings["obama/obama.jpg"])


def test_multiple_faces_are_counted(engine, faces_dir):
    kit_rose = engine.analyze_image((faces_dir / "cases/two_faces_kit_rose.jpg").read_bytes())
    obama_biden = engine.analyze_image((faces_dir / "cases/two_faces_obama_biden.jpg").read_bytes())
    assert (kit_rose.face_count, obama_biden.face_count) == (2, 3)


def test_partial_faces_are_cut_by_the_edge(engine, faces_dir):
    for name in ("obama_partial_face.jpg", "obama_partial_face2.jpg"):
        analysis = engine.analyze_image((faces_dir / "cases" / name).read_bytes())
        assert analysis.quality["outside"] > engine.settings.max_outside


@pytest.fixture(scope="module")
def obama_rgb(engine, faces_dir) -> np.ndarray:
    return engine.decode((faces_dir / "people/obama/obama.jpg").read_bytes())


DEGRADATIONS = {
    # sigma 12 on a 240 px face (5 %); 6 px measures like an ordinary soft press photo
    "blurred": (lambda rgb: cv2.GaussianBlur(rgb, (0, 0), 12), "too_blurry"),
    "slightly soft": (lambda rgb: cv2.GaussianBlur(rgb, (0, 0), 3), None),
    "dark": (lambda rgb: (rgb * 0.2).astype(np.uint8), "too_dark"),
    "overexposed": (lambda rgb: np.clip(rgb * 2.2, 0, 255).astype(np.uint8), "too_bright"),
    "far away": (lambda rgb: cv2.resize(rgb, None, fx=0.25, fy=0.25), "face_too_small"),
    "no face": (lambda rgb: np.ascontiguousarray(rgb[700:, :300]), "no_face"),
    "greyscale": (lambda rgb: cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), None),
    "mirrored": (lambda rgb: np.ascontiguousarray(rgb[:, ::-1]), None),
}


@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_quality_gates(engine, obama_rgb, name):
    degrade, reason = DEGRADATIONS[name]
    analysis = engine.analyze(degrade(obama_rgb))
    assert analysis.reason == reason
    assert (analysis.encoding is not None) == (reason is None)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAD_UPLOADS = {
    "empty": b"",
    "plain text": b"hello, I am not a face",
    "truncated jpeg": None,  # filled in the test
    # signature + IHDR claiming 20000x20000, RGB, and nothing else
    "png claiming 20000x20000": PNG_SIGNATURE
    + struct.pack(">I4sIIBBBBBI", 13, b"IHDR", 20000, 20000, 8, 2, 0, 0, 0, 0),
}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("empty", "unsupported_image"),
        ("plain text", "unsupported_image"),
        ("truncated jpeg", "unsupported_image"),
        ("png claiming 20000x20000", "image_too_large"),
    ],
)
def test_bad_uploads_give_codes_not_exceptions(engine, faces_dir, name, code):
    data = BAD_UPLOADS[name]
    if data is None:
        data = (faces_dir / "cases/obama-720p.jpg").read_bytes()[:30_000]
    analysis = engine.analyze_image(data)
    assert (analysis.ok, analysis.reason, analysis.face_count) == (False, code, 0)


def test_analyze_wants_uint8_rgb(engine):
    with pytest.raises(ValueError):
        engine.analyze(np.zeros((10, 10, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        engine.analyze(np.zeros((10, 10, 4), dtype=np.uint8))
    assert engine.analyze(np.zeros((10, 10, 3), dtype=np.uint8)).reason == "no_face"


def test_distance_and_matching_on_vectors():
    engine = FaceEngine(EngineSettings(match_threshold=0.5, impostor_threshold=0.6))
    origin = np.zeros(128, dtype=np.float32)
    near, far = origin.copy(), origin.copy()
    near[0], far[0] = 0.5, 0.51
    assert distance(origin, origin) == 0.0
    assert distance(origin, far) == pytest.approx(0.51)
    assert engine.matches(origin, near) and not engine.matches(origin, far)
    with pytest.raises(ValueError):
        distance(origin, np.zeros(127))
    with pytest.raises(ValueError):
        distance(origin, np.full(128, np.nan))


def test_encodings_pack_to_512_bytes(encodings):
    encoding = encodings["obama/obama.jpg"]
    packed = pack_encoding(encoding)
    assert len(packed) == 512
    assert np.array_equal(unpack_encoding(packed), encoding)
    with pytest.raises(ValueError):
        unpack_encoding(packed[:-4])


@pytest.mark.parametrize(
    "changes",
    [
        {"match_threshold": 0.7, "impostor_threshold": 0.6},
        {"match_threshold": 0},
        {"max_highlights": 1.5},
        {"max_shadows": -0.1},
        {"detect_size": 0},
        {"burst_min_matches": 6, "burst_max_frames": 5},
    ],
)
def test_inconsistent_settings_are_refused(changes):
    with pytest.raises(ValueError):
        EngineSettings(**changes)


def test_thumbnail_of_an_analysed_face(engine, obama_rgb):
    analysis = engine.analyze(obama_rgb)
    data = engine.thumbnail_jpeg(obama_rgb, analysis.box)
    thumb = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert max(thumb.shape[:2]) <= engine.settings.thumbnail_px
    assert engine.analyze(cv2.cvtColor(thumb, cv2.COLOR_BGR2RGB)).face_count == 1


def test_a_small_webcam_upscaled_by_the_browser_is_sharp_enough(engine, faces_dir):
    """A 400x300 camera's frame, upscaled to 640x480 as a browser delivers it, passes."""
    for name in ("cases/obama-480p.jpg", "people/biden/biden.jpg", "people/obama/obama1.jpg"):
        rgb = engine.decode((faces_dir / name).read_bytes())
        small = cv2.resize(rgb, (400, 300), interpolation=cv2.INTER_AREA)
        analysis = engine.analyze(cv2.resize(small, (640, 480), interpolation=cv2.INTER_LINEAR))
        assert analysis.ok, (name, analysis.reason, analysis.quality)


def test_turned_frames_of_a_challenge_skip_only_the_pose_gate(engine):
    from .liveness_frames import turn_burst

    for frame in turn_burst("turn_left", burst=1)[1:]:
        rgb = engine.decode(frame)
        face = engine.detect(rgb)[0]
        quality = engine.measure(rgb, face)
        assert engine.quality_reason(quality, frontal=False) is None, quality
    bright = dict(quality, highlights=0.9)
    assert engine.quality_reason(bright, frontal=False) == "too_bright"


def test_the_models_run_opencv_on_one_thread_per_process():
    """Checks run in parallel as processes; OpenCV's own pool would spread each one over
    every core, the web's included (the recogniser is held to one thread likewise)."""
    import cv2

    from skilltrace.faces import sface

    cv2.setNumThreads(4)  # as a process might have it, whatever its core count
    sface.SFaceModels()
    assert cv2.getNumThreads() == 1
