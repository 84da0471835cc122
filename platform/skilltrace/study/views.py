"""The learner's lesson player and ledger pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from skilltrace.faces.messages import ENGINE_MESSAGES
from skilltrace.identity.models import Role
from skilltrace.study.coverage import lesson_coverage
from skilltrace.study.reports import learner_ledger
from skilltrace.web import role_required

bp = Blueprint("study", __name__, url_prefix="/study")

# What the player shows for codes that reach it without a message: check verdicts (the
# face engine's own messages) and what only the browser sees. API errors carry their message.
PLAYER_MESSAGES = {
    "session_active": _l("You are studying on another page or device. Take over here?"),
    "take_over": _l("Take over here"),
    "camera_denied": _l("The camera is needed for supervised study. Allow it and reload."),
    "suspended": _l("Studying is paused: pass a face check to continue."),
    "seek_blocked": _l("You cannot skip ahead of what you have watched."),
    "rate_blocked": _l("Supervised study plays at normal speed."),
    "network": _l("Connection problem. Time is not credited while offline."),
    "look_at_camera": _l("Look straight at the camera."),
    "verifying": _l("Checking your face…"),
    "check_failed": _l("The face check did not pass. Try again."),
    "answer_lost": _l("Your answer could not be checked in time. Please try again."),
    "answer_unverifiable": _l(
        "These camera pictures could not be checked. Take new ones and try again."
    ),
    "liveness_failed": _l(
        "We could not see a live person turning. Turn your head slowly as shown and try again."
    ),
    "challenge_not_met": _l(
        "You did not turn your head as asked. Follow the arrow slowly and try again."
    ),
    "not_enrolled": _l("Enroll your face photo before studying."),
    "frame_too_large": _l("The camera pictures are too large. Reload the page."),
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
        "turnLeadMs": 700,  # from showing the instruction to the first turned frame
        "videoUrl": url_for("courses.lesson_video", lesson_id=lesson_id),
        "api": url_for("study_api.start_session"),
        "units": {"min": str(_l("min")), "s": str(_l("s"))},
        "messages": {
            code: str(text) for code, text in {**ENGINE_MESSAGES, **PLAYER_MESSAGES}.items()
        },
    }
    return render_template(
        "study/player.html",
        access=access,
        player=player,
        coverage=lesson_coverage(current_user.id, lesson_id),
        minutes_per_unit=config["MINUTES_PER_HOUR_UNIT"],
    )


@bp.get("/ledger")
@role_required(Role.LEARNER)
def my_ledger():
    return render_template("study/ledger.html", ledger=learner_ledger(current_user.id))
