"""Helpers for the Flask-side face tests (enrollment, review, snapshots, CLI)."""

from __future__ import annotations

import io
from pathlib import Path

from flask import current_app
from PIL import Image, ImageFilter

API = "/api/v1/me/face/enrollment"


def photo(shared_faces: Path, name: str) -> bytes:
    """The bytes of ``people/<name>`` (e.g. ``obama/obama.jpg``) or ``cases/<name>``."""
    people = shared_faces / "people" / name
    return people.read_bytes() if people.exists() else (shared_faces / "cases" / name).read_bytes()


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def altered(shared_faces: Path, name: str, how: str) -> bytes:
    """A real photo made unusable the way cameras do: upside down, blurred, dark, overexposed."""
    image = Image.open(io.BytesIO(photo(shared_faces, name))).convert("RGB")
    if how == "upside_down":
        return jpeg(image.rotate(180))
    if how == "blurred":
        # 12 px on a 240 px face: soft 250x250 press photos measure like a 6-8 px blur here
        # and must be accepted (docs/faces.md), so the refused example is blurred further.
        return jpeg(image.filter(ImageFilter.GaussianBlur(12)))
    if how == "dark":
        return jpeg(image.point(lambda v: int(v * 0.2)))
    if how == "overexposed":
        return jpeg(image.point(lambda v: int(255 - (255 - v) * 0.25)))
    raise ValueError(how)


def post_enrollment(client, token: str | None, data: bytes, filename="photo.jpg", **fields):
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(
        API,
        data={"image": (io.BytesIO(data), filename), **fields},
        headers=headers,
        content_type="multipart/form-data",
    )


def signed_in(app, make_user, login, role: str = "learner"):
    """(user, client, csrf token) for a new account of ``role``."""
    user = make_user(role)
    client = app.test_client()
    return user, client, login(client, user)


def media_files(folder: str) -> list[Path]:
    """Files under MEDIA_ROOT/<folder>."""
    root = Path(current_app.config["MEDIA_ROOT"]) / folder
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
