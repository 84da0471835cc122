"""Content prints of check frames (replay memory): copies match, new pictures do not."""

from __future__ import annotations

import cv2
import numpy as np

from skilltrace.faces.prints import (
    FramePrint,
    hamming,
    pixel_difference,
    same_picture,
    take_print,
)

from . import liveness_frames as clip


def prints_of(engine, frames: list[bytes]):
    """The content print of each frame, as a check takes it."""
    found = []
    for frame in frames:
        rgb = engine.decode(frame)
        face = engine.detect(rgb, engine.settings.burst_detect_size)[0]
        found.append(take_print(engine.aligned(rgb, face), rgb))
    return found


def re_encoded(frame: bytes, quality: int) -> bytes:
    picture = cv2.imdecode(np.frombuffer(frame, np.uint8), cv2.IMREAD_COLOR)
    return cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def test_hamming_and_storage_round_trip():
    assert hamming(0, 0) == 0 and hamming(0, -1) == 64 and hamming(5, 4) == 1
    face = np.random.default_rng(3).integers(0, 255, (112, 112, 3), dtype=np.uint8)
    taken = take_print(face)
    assert -(1 << 63) <= taken.phash < (1 << 63)  # fits a signed BIGINT
    stored = FramePrint.from_stored(taken.phash, taken.pixel_bytes())
    assert stored.phash == taken.phash and np.array_equal(stored.pixels, taken.pixels)
    assert pixel_difference(taken, stored) == 0.0 and stored.frame is None
    framed = take_print(face, np.ascontiguousarray(face[:, :, ::-1]))
    again = FramePrint.from_stored(framed.phash, framed.pixel_bytes())
    assert again.frame.shape == (48, 64) and np.array_equal(again.frame, framed.frame)


def test_re_encoded_copies_match_and_new_frames_do_not(engine):
    settings = engine.settings

    def same(a, b):
        return same_picture(a, b, settings.print_max_bits, settings.print_max_pixels)

    burst = clip.turn_burst("turn_right", burst=0)
    originals = prints_of(engine, burst)
    for quality in (95, 80, 60):
        copies = prints_of(engine, [re_encoded(b, quality) for b in burst])
        assert all(same(a, b) for a, b in zip(originals, copies, strict=True)), quality
    # the same man 33 ms later (even at the still top of his turn), or in another burst, is
    # a new picture
    frames = clip.clip_frames()
    later = [clip.jpeg(clip.camera_picture(frames[i], seed=5)) for i in (85, 100, 109, 160, 190)]
    fresh = prints_of(engine, later)
    assert not any(same(a, b) for a in originals for b in fresh)
