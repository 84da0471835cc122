"""OpenCV's harmless VP8 notice stays off the console; anything else written to stderr stays."""

import os

import cv2
import numpy as np

from skilltrace.courses.videolog import quiet_video_notices


def _write_vp8(path) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), 5, (64, 48))
    assert writer.isOpened()
    for _ in range(5):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()


def test_without_the_filter_opencv_prints_the_vp8_notice(tmp_path, capfd):
    _write_vp8(tmp_path / "plain.webm")
    assert "'VP80' is not supported" in capfd.readouterr().err


def test_the_filter_drops_the_notice_and_keeps_other_lines(tmp_path, capfd):
    with quiet_video_notices():
        _write_vp8(tmp_path / "quiet.webm")
        os.write(2, b"a real problem\n")
    err = capfd.readouterr().err
    assert "VP80" not in err
    assert "a real problem" in err
    capture = cv2.VideoCapture(str(tmp_path / "quiet.webm"))
    assert capture.read()[0]
