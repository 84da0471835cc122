"""Lesson videos on disk: checked intake (format sniffing, OpenCV probe) and delivery.

Files are stored as ``MEDIA_ROOT/lessons/<random hex>.<mp4|webm>`` and only ever looked up
through a :class:`~skilltrace.courses.models.Lesson` row, never by a client-supplied path.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Response, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from skilltrace.errors import DomainError

LESSON_DIR = "lessons"
CONTENT_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
# Codecs Chromium, Firefox and Safari play in <video> (OpenCV's FOURCC spelling, lower case).
BROWSER_CODECS = frozenset({"h264", "avc1", "avc3", "vp80", "vp90", "vp08", "vp09", "av01"})


@dataclass(frozen=True)
class VideoFacts:
    """What the probe found out about a stored video."""

    media_path: str
    content_type: str
    size_bytes: int
    sha256: str
    duration_s: float
    width: int
    height: int
    codec: str

    @property
    def browser_playable(self) -> bool:
        return self.codec.lower() in BROWSER_CODECS


def sniff_container(head: bytes) -> str | None:
    """'mp4' (ISO BMFF ``ftyp`` box), 'webm' (EBML header) or None, from the first bytes."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def probe_video(path: Path) -> tuple[float, int, int, str]:
    """(duration in seconds, width, height, codec) by decoding with OpenCV.

    Raises ``DomainError('video_undecodable')`` when no frame decodes and
    ``DomainError('video_empty')`` when the video has no duration.
    """
    import cv2

    from skilltrace.courses.videolog import quiet_opencv_log

    quiet_opencv_log()
    capture = cv2.VideoCapture(str(path))
    try:
        ok, frame = capture.read() if capture.isOpened() else (False, None)
        if not ok or frame is None:
            raise DomainError(
                "video_undecodable",
                _l("This file is not a playable video. Upload an MP4 or WebM video."),
                field="video",
            )
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        frames = capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0
        duration = frames / fps if fps > 0 and frames > 0 else 0.0
        if duration <= 0:
            capture.set(cv2.CAP_PROP_POS_AVI_RATIO, 1)
            duration = (capture.get(cv2.CAP_PROP_POS_MSEC) or 0.0) / 1000
        fourcc = int(capture.get(cv2.CAP_PROP_FOURCC) or 0)
        codec = "".join(chr((fourcc >> 8 * i) & 0xFF) for i in range(4)).strip("\x00 ")
        height, width = frame.shape[:2]
    finally:
        capture.release()
    if duration <= 0:
        raise DomainError(
            "video_empty", _l("This video has no length. Upload the full video."), field="video"
        )
    return round(duration, 3), int(width), int(height), codec.lower() or "unknown"


def store_video(stream: BinaryIO, media_root: str) -> VideoFacts:
    """Copy an upload to a temporary file, check it, then give it its final generated name.

    On any refusal the temporary file is removed: nothing stays on disk.
    """
    folder = Path(media_root) / LESSON_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    tmp = folder / f".upload-{name}"
    digest = hashlib.sha256()
    size = 0
    try:
        with tmp.open("wb") as out:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        if size == 0:
            raise DomainError("video_missing", _l("Choose a video file to upload."), field="video")
        with tmp.open("rb") as f:
            container = sniff_container(f.read(16))
        if container is None:
            raise DomainError(
                "video_format",
                _l("Only MP4 and WebM videos can be uploaded."),
                status=415,
                field="video",
            )
        duration, width, height, codec = probe_video(tmp)
        final = f"{LESSON_DIR}/{name}.{container}"
        os.replace(tmp, Path(media_root) / final)
    finally:
        tmp.unlink(missing_ok=True)
    return VideoFacts(
        final, CONTENT_TYPES[container], size, digest.hexdigest(), duration, width, height, codec
    )


def discard_video(media_root: str, media_path: str) -> None:
    """Remove a stored video (after a failed insert or when its lesson is deleted)."""
    path = _resolve(media_root, media_path)
    if path is not None:
        path.unlink(missing_ok=True)


def _resolve(media_root: str, media_path: str) -> Path | None:
    root = Path(media_root).resolve()
    path = (root / media_path).resolve()
    return path if path.is_relative_to(root / LESSON_DIR) else None


def video_response(media_root: str, media_path: str, content_type: str, accel: str) -> Response:
    """Serve a stored video with Range support (206/416), or hand it to the front server.

    ``accel`` is MEDIA_ACCEL_REDIRECT: ``x-accel-redirect:<prefix>`` answers with an empty
    body and ``X-Accel-Redirect: <prefix><media_path>`` (nginx ``internal`` location);
    ``x-sendfile`` answers with ``X-Sendfile: <absolute path>``; empty streams from Flask.
    """
    path = _resolve(media_root, media_path)
    if path is None or not path.is_file():
        raise DomainError("video_missing_on_disk", _l("This video file is missing."), status=404)
    headers = {"Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"}
    if accel.startswith("x-accel-redirect:"):
        prefix = accel.removeprefix("x-accel-redirect:").rstrip("/") + "/"
        headers["X-Accel-Redirect"] = prefix + media_path
        return Response(b"", content_type=content_type, headers=headers)
    if accel == "x-sendfile":
        headers["X-Sendfile"] = str(path)
        return Response(b"", content_type=content_type, headers=headers)
    try:
        response = send_file(path, mimetype=content_type, conditional=True, max_age=0)
    except RequestedRangeNotSatisfiable as err:
        response = Response(b"", status=416, headers={"Content-Range": f"bytes */{err.length}"})
    response.headers.update(headers)
    return response
