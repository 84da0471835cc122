"""verify_burst: study-session face checks on bursts of webcam-like frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from skilltrace.faces.burst import FINAL_REASONS, FrameCheck, burst_reason, decide_burst
from skilltrace.faces.replay import replay_thumbnail, replayed_indexes

JITTER = [(0.0, 0.0, 1), (1.5, 0.5, 2), (-1.0, 1.0, 3)]  # (dx, dy, noise seed) per frame
# Crops of the two-face photos that fit a 640x480 frame with both faces webcam-sized.
TWO_FACE_CROPS = {
    "two_faces_obama_biden.jpg": (600, 250, 1480, 910),
    "two_faces_kit_rose.jpg": (0, 50, 420, 365),
}


def burst(make_frame, faces_dir, source: str, crop=None) -> list[bytes]:
    return [make_frame(faces_dir / source, dx, dy, seed, crop) for dx, dy, seed in JITTER]


def blank_frame(shade: int = 90) -> bytes:
    frame = np.random.default_rng(shade).normal(shade, 3, (480, 640, 3))
    return cv2.imencode(".jpg", np.clip(frame, 0, 255).astype(np.uint8))[1].tobytes()


@pytest.mark.parametrize(
    "source",
    ["cases/obama-480p.jpg", "cases/obama-720p.jpg", "people/obama/obama1.jpg"],
)
def test_genuine_frames_with_slight_motion_pass(
    engine, obama_template, make_frame, faces_dir, source
):
    frames = burst(make_frame, faces_dir, source)
    frames.append(make_frame(faces_dir / source, 2.5, -1.0, 4))
    verdict = engine.verify_burst(obama_template, frames)
    assert (verdict.passed, verdict.reason, verdict.matches) == (True, None, 4)
    encoded, tracked = verdict.frames[:3], verdict.frames[3]
    assert all(
        f.distance is not None and f.distance <= engine.settings.match_threshold for f in encoded
    )
    assert all(frame.thumbnail and frame.box and frame.landmarks for frame in encoded)
    # the fourth frame shows the same face where it was: counted without another encoding
    assert tracked.tracked and tracked.box and tracked.distance is None


def test_identical_bytes_are_replayed(engine, obama_template, make_frame, faces_dir):
    frame = make_frame(faces_dir / "cases/obama-480p.jpg")
    verdict = engine.verify_burst(obama_template, [frame, frame, frame])
    assert (verdict.passed, verdict.reason) == (False, "replayed_frames")
    assert [f.reason for f in verdict.frames] == [None, "replayed_frames", "replayed_frames"]


def test_re_encoded_copies_are_replayed(engine, obama_template, make_frame, faces_dir):
    first = make_frame(faces_dir / "cases/obama-480p.jpg")
    pixels = cv2.imdecode(np.frombuffer(first, np.uint8), cv2.IMREAD_COLOR)
    copies = [
        cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, q])[1].tobytes() for q in (70, 95)
    ]
    copies.append(cv2.imencode(".png", pixels)[1].tobytes())
    verdict = engine.verify_burst(obama_template, [first, *copies[:2]])
    assert verdict.reason == "replayed_frames"
    verdict = engine.verify_burst(obama_template, [first, copies[2], copies[0]])
    assert verdict.reason == "replayed_frames"


def test_noise_without_any_motion_counts_as_a_replay(engine, obama_template, make_frame, faces_dir):
    """Fresh sensor noise on a still picture is what a replayed photo looks like."""
    frames = [make_frame(faces_dir / "cases/obama-480p.jpg", 0, 0, seed) for seed in (1, 2, 3)]
    assert engine.verify_burst(obama_template, frames).reason == "replayed_frames"


def test_impostor_frames_fail(engine, obama_template, make_frame, faces_dir):
    verdict = engine.verify_burst(
        obama_template, burst(make_frame, faces_dir, "people/biden/biden2.jpg")
    )
    assert (verdict.passed, verdict.reason, verdict.matches) == (False, "impostor", 0)
    assert all(d > engine.settings.impostor_threshold for d in verdict.distances)


def test_one_impostor_frame_fails_the_burst_but_is_not_final(
    engine, obama_template, make_frame, faces_dir
):
    genuine = burst(make_frame, faces_dir, "cases/obama-480p.jpg")
    other = make_frame(faces_dir / "people/rose_leslie/img2.jpg", 0.5, 0.5, 9)
    verdict = engine.verify_burst(obama_template, [genuine[0], genuine[1], other])
    assert (verdict.passed, verdict.reason, verdict.final) == (False, "no_match", False)
    assert [f.reason for f in verdict.frames] == [None, None, "impostor"]
    another = make_frame(faces_dir / "people/rose_leslie/img2.jpg", -1.5, 1.0, 10)
    verdict = engine.verify_burst(obama_template, [genuine[0], other, another])
    assert (verdict.passed, verdict.reason, verdict.final) == (False, "impostor", True)


@pytest.mark.parametrize("name", sorted(TWO_FACE_CROPS))
def test_two_face_frames_fail(engine, obama_template, make_frame, faces_dir, name):
    two = burst(make_frame, faces_dir, f"cases/{name}", TWO_FACE_CROPS[name])
    verdict = engine.verify_burst(obama_template, two)
    assert (verdict.passed, verdict.reason) == (False, "multiple_faces")
    assert [f.face_count for f in verdict.frames] == [2, 2, 2]


def test_a_second_face_in_one_frame_fails_the_burst(engine, obama_template, make_frame, faces_dir):
    genuine = burst(make_frame, faces_dir, "cases/obama-480p.jpg")
    crop = TWO_FACE_CROPS["two_faces_obama_biden.jpg"]
    two = make_frame(faces_dir / "cases/two_faces_obama_biden.jpg", 0, 0, 5, crop)
    verdict = engine.verify_burst(obama_template, [genuine[0], two, genuine[2]])
    assert (verdict.passed, verdict.reason, verdict.matches) == (False, "multiple_faces", 2)
    assert not verdict.final  # one frame with a second face: look again


def test_frames_without_a_face(engine, obama_template, make_frame, faces_dir):
    genuine = burst(make_frame, faces_dir, "cases/obama-480p.jpg")
    verdict = engine.verify_burst(obama_template, [blank_frame(80), blank_frame(100)])
    assert (verdict.passed, verdict.reason) == (False, "no_face")
    verdict = engine.verify_burst(obama_template, [genuine[0], blank_frame(), genuine[2]])
    assert (verdict.passed, verdict.matches) == (True, 2)  # a look away does not fail a check
    verdict = engine.verify_burst(obama_template, [genuine[0], blank_frame(), blank_frame(120)])
    assert (verdict.passed, verdict.reason) == (False, "no_face")


def test_bad_frame_bytes_give_codes(engine, obama_template, make_frame, faces_dir):
    genuine = burst(make_frame, faces_dir, "cases/obama-480p.jpg")
    verdict = engine.verify_burst(obama_template, [genuine[0], b"", genuine[1]])
    assert verdict.passed
    assert verdict.frames[1].reason == "unsupported_image"
    verdict = engine.verify_burst(obama_template, [genuine[0], b"junk", genuine[1][:5000]])
    assert (verdict.passed, verdict.reason) == (False, "unsupported_image")
    verdict = engine.verify_burst(obama_template, [b"", b""])
    assert verdict.reason == "unsupported_image"


@pytest.mark.parametrize(
    ("count", "reason"),
    [(0, "not_enough_matches"), (1, "not_enough_matches"), (6, "too_many_frames")],
)
def test_frame_counts(engine, obama_template, make_frame, faces_dir, count, reason):
    frames = [make_frame(faces_dir / "cases/obama-480p.jpg", i, 0, i) for i in range(count)]
    verdict = engine.verify_burst(obama_template, frames)
    assert (verdict.passed, verdict.reason) == (False, reason)


def test_real_video_frames_are_not_replays(faces_dir):
    """Frames a third of a second apart in a real clip never look like copies."""
    video = cv2.VideoCapture(str(faces_dir / "cases/short_hamilton_clip.mp4"))
    frames = []
    while True:
        ok, frame = video.read()
        if not ok:
            break
        frames.append(replay_thumbnail(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
    sampled = frames[::10]
    assert len(sampled) > 20
    for start in range(len(sampled) - 2):
        trio = sampled[start : start + 3]
        assert replayed_indexes([b"a", b"b", b"c"], trio, 5.0) == set()


def check(index, reason):
    return FrameCheck(index, reason)


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ([None, None, None], None),
        ([None, None, "no_face"], None),
        ([None, None, "no_match"], None),
        ([None, None, "unsupported_image"], None),
        ([None, None, "impostor"], "no_match"),
        ([None, None, "multiple_faces"], "multiple_faces"),
        ([None, "replayed_frames", "replayed_frames"], "replayed_frames"),
        (["impostor", "multiple_faces", None], "multiple_faces"),
        (["impostor", "replayed_frames", None], "replayed_frames"),
        ([None, "no_match", "no_match"], "not_enough_matches"),
        ([None, "no_face", "no_match"], "no_face"),
        ([None, "image_too_large", "no_face"], "image_too_large"),
        ([], "not_enough_matches"),
    ],
)
def test_burst_reason_precedence(reasons, expected):
    frames = tuple(check(i, r) for i, r in enumerate(reasons))
    assert burst_reason(frames, min_matches=2) == expected


M, I, X, R, F = None, "impostor", "multiple_faces", "replayed_frames", "no_face"  # noqa: E741


@pytest.mark.parametrize(
    ("reasons", "liveness", "flat", "expected"),
    [
        # honest bursts pass; a look away or a blur in one frame does not matter
        ([M, M, M], None, 0, (True, None, False)),
        ([M, M, M], "passed", 0, (True, None, False)),
        ([M, F, M], "passed", 0, (True, None, False)),
        # a final reason needs a majority of the frames
        ([I, I, M], None, 0, (False, "impostor", True)),
        ([I, I, I], "passed", 0, (False, "impostor", True)),
        ([M, I, M], None, 0, (False, "no_match", False)),  # one outlier: retry
        ([I, M, M, M, M], "passed", 0, (False, "no_match", False)),
        ([I, I, M, M, M], None, 0, (False, "no_match", False)),  # 2 of 5: not a majority
        ([I, I, I, M, M], None, 0, (False, "impostor", True)),
        ([X, X, M], None, 0, (False, "multiple_faces", True)),
        ([M, X, F], None, 0, (False, "multiple_faces", False)),
        ([M, R, R], None, 0, (False, "replayed_frames", True)),
        ([M, R, M], "passed", 0, (False, "replayed_frames", False)),
        ([R, R, R, I, I], None, 0, (False, "replayed_frames", True)),  # replay outranks
        # the challenge: a missed or wrong turn is a retry, a flat turn in 2 frames is final
        ([M, M, M], "no_turn", 0, (False, "challenge_not_met", False)),
        ([M, M, M], "wrong_way", 0, (False, "challenge_not_met", False)),
        ([M, M, M], "flat", 1, (False, "challenge_not_met", False)),
        ([M, M, M], "flat", 2, (False, "liveness_failed", True)),
        ([M, M, M, M, M], "flat", 2, (False, "challenge_not_met", False)),
        ([M, M, M, M, M], "flat", 3, (False, "liveness_failed", True)),
        ([I, I, M], "flat", 2, (False, "impostor", True)),
        # not enough to decide: the most useful hint, never final
        ([M, F, F], "passed", 0, (False, "no_face", False)),
        ([M, "frame_too_large", "frame_too_large"], None, 0, (False, "frame_too_large", False)),
        ([M, "no_match", "no_match"], "passed", 0, (False, "not_enough_matches", False)),
    ],
)
def test_fair_burst_decision(reasons, liveness, flat, expected):
    decision = decide_burst(reasons, 2, liveness, flat)
    assert (decision.passed, decision.reason, decision.final) == expected
    assert decision.final == (decision.reason in FINAL_REASONS and decision.final)


def test_replayed_indexes_skip_undecodable_frames():
    still = np.zeros((48, 64), dtype=np.float32)
    moved = still.copy()
    moved[10:20, 10:20] = 30
    assert replayed_indexes([b"x", b"y", b"z"], [still, None, still + 1], 5.0) == {2}
    assert replayed_indexes([b"x", b"y"], [still, moved], 5.0) == set()
    assert replayed_indexes([b"same", b"same"], [None, None], 5.0) == {1}


def test_a_different_face_after_two_matches_is_still_encoded(
    engine, obama_template, make_frame, faces_dir
):
    """Tracking only spares the encoding of the same face in the same place."""
    genuine = burst(make_frame, faces_dir, "people/obama/obama1.jpg")[:2]
    stranger = make_frame(faces_dir / "people/biden/biden2.jpg", 0, 0, 9)
    verdict = engine.verify_burst(obama_template, [*genuine, stranger])
    third = verdict.frames[2]
    assert not third.tracked  # same seat, but not the same face: it is encoded
    assert (verdict.passed, verdict.reason, verdict.final) == (False, "no_match", False)
    assert third.distance is not None and third.distance > engine.settings.impostor_threshold


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
        ((0, 0, 10, 10), (5, 0, 15, 10), 1 / 3),
        ((0, 0, 10, 10), (10, 10, 20, 20), 0.0),
    ],
)
def test_box_iou(a, b, expected):
    from skilltrace.faces.engine import box_iou

    assert box_iou(a, b) == pytest.approx(expected)
