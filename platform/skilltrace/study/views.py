"""The learner's lesson player and ledger pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from skilltrace.identity.models import Role
from skilltrace.study.reports import learner_ledger
from skilltrace.web import role_required

bp = Blueprint("study", __name__, url_prefix="/study")

# Shown in the player for each refusal or failure code the API returns.
MESSAGES = {
    "no_face": _l("No face was seen. Face the camera in good light."),
    "multiple_faces": _l("More than one face was seen. Only the enrolled learner may be in view."),
    "impostor": _l("The face does not match the enrolled learner. This time is not credited."),
    "no_match": _l("The face could not be matched. Face the camera directly and try again."),
    "not_enough_matches": _l("Too few frames matched. Hold still facing the camera and retry."),
    "replayed_frames": _l("The camera frames look copied. Use a live camera."),
    "unsupported_image": _l("The camera picture could not be read. Check the camera."),
    "image_too_large": _l("The camera picture is too large."),
    "check_expired": _l("The face check timed out. Studying is paused until a new check passes."),
    "check_closed": _l("That face check is already closed."),
    "session_active": _l("You are studying on another page or device. Take over here?"),
    "session_expired": _l("This session expired. Start again."),
    "session_ended": _l("This session has ended."),
    "face_not_enrolled": _l("Enroll your face photo before studying."),
    "camera_denied": _l("The camera is needed for supervised study. Allow it and reload."),
    "suspended": _l("Studying is paused: pass a face check to continue."),
    "seek_blocked": _l("You cannot skip ahead of what you have watched."),
    "rate_blocked": _l("Supervised study plays at normal speed."),
    "network": _l("Connection problem. Time is not credited while offline."),
}


@bp.get("/lessons/<int:lesson_id>")
@role_required(Role.LEARNER)
def lesson_player(lesson_id: int):
    from skilltrace.courses.classes import study_access

    access = study_access(current_user, lesson_id)
    config = current_app.config
    player = {
        "lessonId": lesson_id,
        "heartbeatMs": config["HEARTBEAT_S"] * 1000,
        "videoUrl": url_for("courses.lesson_video", lesson_id=lesson_id),
        "api": url_for("study_api.start_session"),
        "messages": {code: str(text) for code, text in MESSAGES.items()},
    }
    return render_template(
        "study/player.html",
        access=access,
        player=player,
        minutes_per_unit=config["MINUTES_PER_HOUR_UNIT"],
    )


@bp.get("/ledger")
@role_required(Role.LEARNER)
def my_ledger():
    return render_template("study/ledger.html", ledger=learner_ledger(current_user.id))
