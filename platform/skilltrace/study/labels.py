"""Display labels (gettext) of the study domain's face-check kinds and statuses, shared by every
page and export that shows a check (learner, regulator, appeals, claim workbook)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CHECK_KINDS = {
    "sign_in": _l("sign-in check"),
    "random": _l("random check"),
    "resume": _l("check to resume"),
    "closing": _l("closing check"),
}
CHECK_STATUSES = {
    "open": _l("Open"),
    "passed": _l("Passed"),
    "failed": _l("Failed"),
    "missed": _l("Not answered"),
    "cancelled": _l("Cancelled"),
}
# The head-turn challenge asked during a check (the learner's own left and right).
CHALLENGES = {
    "turn_left": _l("head turn to the left"),
    "turn_right": _l("head turn to the right"),
}
# Reasons a check records that are not the face engine's (those are in faces.messages).
CHECK_REASONS = {
    "deadline_passed": _l("The check was not answered in time."),
    "answer_lost": _l("The answer could not be checked in time."),
    "answer_unverifiable": _l("The camera pictures could not be checked."),
}


def check_reason_text(code: str | None):
    """The translated reason of a check's verdict ('' when it has none)."""
    from skilltrace.faces.messages import engine_message

    if not code:
        return ""
    return CHECK_REASONS[code] if code in CHECK_REASONS else engine_message(code)
