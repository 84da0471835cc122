"""The lesson video URL: Range requests (206/416), access checked on every request."""

from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user

from skilltrace.courses.classes import may_stream
from skilltrace.courses.media import video_response
from skilltrace.courses.models import Lesson
from skilltrace.courses.views import bp, get_or_404


@bp.get("/media/lessons/<int:lesson_id>")
def lesson_video(lesson_id: int):
    """Stream a lesson video to class members (open class), its provider's staff and
    regulators in scope; anonymous callers get 401, everyone else 403."""
    if not current_user.is_authenticated:
        abort(401)
    lesson = get_or_404(Lesson, lesson_id)
    if not may_stream(current_user, lesson):
        abort(403)
    config = current_app.config
    return video_response(
        config["MEDIA_ROOT"],
        lesson.media_path,
        lesson.content_type,
        config["MEDIA_ACCEL_REDIRECT"] or "",
    )
