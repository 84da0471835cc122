"""Reading an uploaded picture from a multipart request, bounded before it is parsed."""

from __future__ import annotations

from flask import Response, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from skilltrace.errors import DomainError
from skilltrace.faces.messages import face_error
from skilltrace.faces.runtime import face_engine

MULTIPART_SLACK = 64 * 1024  # room for the multipart envelope and other small fields


def uploaded_image(field: str = "image") -> bytes:
    """The bytes of the file in ``field``; ``image_too_large`` beyond the engine's limit
    (the body is refused unread), ``field_required`` when absent."""
    limit = face_engine().settings.image_limits.max_bytes
    request.max_content_length = limit + MULTIPART_SLACK
    try:
        upload = request.files.get(field)
    except RequestEntityTooLarge:
        raise face_error("image_too_large") from None
    data = upload.read(limit + 1) if upload is not None else b""
    if not data and (upload is None or not upload.filename):
        raise DomainError("field_required", _l("Choose a photo first."), field=field)
    if len(data) > limit:
        raise face_error("image_too_large")
    return data


def uploaded_images(field: str = "image", most: int = 3) -> list[bytes]:
    """The bytes of every file in ``field`` (1 to ``most``, ``too_many_photos`` beyond),
    each bounded like ``uploaded_image``."""
    limit = face_engine().settings.image_limits.max_bytes
    request.max_content_length = most * limit + MULTIPART_SLACK
    try:
        uploads = [u for u in request.files.getlist(field) if u is not None]
    except RequestEntityTooLarge:
        raise face_error("image_too_large") from None
    uploads = [u for u in uploads if u.filename] or uploads[:1]
    if len(uploads) > most:
        raise face_error("too_many_photos")
    images = []
    for upload in uploads:
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise face_error("image_too_large")
        if data or upload.filename:  # an empty file is refused by the engine as unreadable
            images.append(data)
    if not images:
        raise DomainError("field_required", _l("Choose a photo first."), field=field)
    return images


def picture_response(data: bytes) -> Response:
    """A decrypted face picture: never cached, never sniffed as another type."""
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store, private, max-age=0"
    response.headers["Pragma"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
