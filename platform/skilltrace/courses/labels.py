"""Display labels (gettext) for the courses domain's statuses, levels and report rows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

SKILL_LEVELS = {
    "5": _l("Level 5 (junior worker)"),
    "4": _l("Level 4 (intermediate worker)"),
    "3": _l("Level 3 (senior worker)"),
    "2": _l("Level 2 (technician)"),
    "1": _l("Level 1 (senior technician)"),
}
COURSE_STATUSES = {
    "draft": _l("Draft"),
    "submitted": _l("Awaiting approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}
CLASS_STATUSES = {
    "submitted": _l("Awaiting approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "closed": _l("Closed (completed)"),
}
ACTIONS = {
    "create": _l("Course created"),
    "open": _l("Class opened"),
    "submit": lazy_pgettext("history action", "Submitted"),
    "withdraw": _l("Withdrawn"),
    "revise": _l("Reopened for editing"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
}
ROW_STATUSES = {
    "added": _l("Registered learner added to the class"),
    "invited": _l("Not registered yet: seat reserved until they register"),
    "already_member": _l("Already in the class"),
    "already_invited": _l("Seat already reserved"),
    "invalid_name": _l("Invalid name"),
    "invalid_id": _l("Invalid ID number"),
    "invalid_mobile": _l("Invalid mobile number"),
    "duplicate_in_file": _l("Duplicate: the ID number or mobile appears earlier in the file"),
    "mobile_taken": _l("Duplicate: the mobile number belongs to another account"),
    "not_a_learner": _l("The ID number belongs to a staff account"),
    "class_full": _l("Not added: the class is full"),
}
VIA = {"code": _l("class code"), "roster": _l("roster import"), "invite": _l("roster invitation")}


def duration(seconds: float) -> str:
    """``1:02:03`` or ``2:03``: whole seconds, rounded down as video players show them."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def template_globals() -> dict:
    from skilltrace.courses.media import BROWSER_CODECS
    from skilltrace.identity.services import CODE_MESSAGES
    from skilltrace.regions import SHAANXI_CITIES, scope_label

    return {
        "id_error": lambda code: CODE_MESSAGES.get(code, code),
        "city_name": lambda code: SHAANXI_CITIES.get(code, code),
        "region_label": scope_label,
        "browser_playable": lambda codec: (codec or "").lower() in BROWSER_CODECS,
        "skill_level_label": lambda v: SKILL_LEVELS.get(v, v),
        "course_status_label": lambda v: COURSE_STATUSES.get(v, v),
        "class_status_label": lambda v: CLASS_STATUSES.get(v, v),
        "action_label": lambda v: ACTIONS.get(v, v),
        "row_status_label": lambda v: ROW_STATUSES.get(v, v),
        "via_label": lambda v: VIA.get(v, v),
        "duration_label": duration,
        "megabytes": megabytes,
    }
