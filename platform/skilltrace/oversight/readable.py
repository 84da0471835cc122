"""The trace and face checks as a person reads them: translated event names, reasons and check
kinds, Beijing time, and details in plain language ("已认定 19 秒，视频 0:00–0:20").

:func:`describe` is a function of one event's kind and data plus the lesson titles it names;
it never changes the trace, which stays the verifiable source (its raw data is kept beside).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from skilltrace.courses.labels import duration as video_clock
from skilltrace.courses.messages import MESSAGES as REFUSALS
from skilltrace.faces.messages import distances_text, engine_message
from skilltrace.study.labels import CHECK_KINDS, CHECK_STATUSES  # noqa: F401 (re-exported)
from skilltrace.timefmt import beijing_time

EVENT_NAMES = {
    "session_started": _l("Study session started"),
    "session_ended": _l("Study session ended"),
    "session_refused": _l("Study refused"),
    "session_taken_over": _l("Study continued on another device"),
    "check_issued": _l("Face check requested"),
    "check_passed": _l("Face check passed"),
    "check_failed": _l("Face check failed"),
    "check_missed": _l("Face check not answered"),
    "check_answer_refused": _l("Face check answer refused"),
    "check_overturned": _l("Face check result overturned on appeal"),
    "heartbeat_anomaly": _l("Viewing not credited"),
    "stretch_credited": _l("Learning time credited"),
    "stretch_voided": _l("Learning time not credited"),
    "lesson_completed": _l("Lesson completed"),
}
ANOMALIES = {
    "out_of_order": _l("reports arrived out of order"),
    "gap_too_long": _l("no report for too long (idle or offline)"),
    "not_playing": _l("the video was paused"),
    "rate_too_high": _l("played faster than allowed"),
    "hidden": _l("the page was not visible"),
    "seek_backward": _l("jumped back in the video"),
    "seek_forward": _l("skipped ahead in the video"),
    "position_inconsistent": _l("the video position ran ahead of real time"),
    "position_stalled": _l("the video position did not advance"),
    "suspended": _l("watched while study was suspended after a failed check"),
    "no_session": _l("no open study session"),
    "session_mismatch": _l("a report for another session"),
}
END_REASONS = {
    "ended_by_learner": _l("ended by the learner"),
    "closing_check_failed": _l("the closing check failed"),
    "expired": _l("no activity, ended automatically"),
    "taken_over": _l("continued on another device"),
    "not_allowed": _l("study no longer allowed in this class"),
}
VOID_REASONS = {
    "check_failed": _l("a face check failed"),
    "check_missed": _l("a face check was not answered"),
    "unattested_end": _l("the session ended without a closing check"),
}

# The figures a warning records (``OversightWarning.figures``), as a reader names them.
FIGURES = {
    "takeovers": _l("Sessions taken over"),
    "ip": _l("IP address"),
    "accounts": _l("Accounts"),
    "window_s": _l("Window (seconds)"),
    "decided": _l("Checks decided"),
    "failed": _l("Checks failed"),
    "overturned": _l("Overturned on appeal"),
    "failure_rate": _l("Failure rate"),
    "appeal_rate": _l("Overturn rate"),
    "days": _l("Days"),
    "last_day": _l("Last day"),
    "anomalies": _l("Anomalies"),
    "codes": _l("Anomalies by kind"),
    "case_id": _l("Face case"),
    "case_status": _l("Case status"),
    "learners": _l("Learners"),
    "cv": _l("Coefficient of variation"),
    "mean_s": _l("Mean credited time"),
}


def figure_text(key: str, value) -> str:
    """One warning figure's value in words: rates as percentages, codes as labels."""
    from skilltrace.faces.messages import CASE_STATUS_LABELS

    if key == "codes" and isinstance(value, Mapping):
        return "；".join(f"{label(ANOMALIES, code)} {n}" for code, n in value.items())
    if key == "case_status":
        return label(CASE_STATUS_LABELS, value)
    if key in ("failure_rate", "appeal_rate") and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if key == "mean_s" and isinstance(value, int | float):
        return duration(value)
    return str(value)


def label(table: Mapping, code) -> str:
    """The translated label of ``code`` in ``table``, or the code itself."""
    return str(table[code]) if code in table else str(code or "")


def beijing(at: datetime | None) -> str:
    """``2026-11-30 09:15:02`` in Beijing time (timezone-aware input)."""
    return beijing_time(at, seconds=True) if at else ""


def clock(seconds: float) -> str:
    """A video position: ``4:05`` or ``1:02:03``, rounded down as the player and the lesson
    table show it (one rounding: ``courses.labels.duration``)."""
    return video_clock(max(0.0, seconds or 0.0))


def duration(seconds: float) -> str:
    """``19 秒`` / ``2 分 5 秒`` / ``1 小时 3 分`` in the UI language."""
    whole = int(round(max(0.0, seconds)))
    if whole < 60:
        return _("%(s)s s", s=whole)
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return _("%(m)s min %(s)s s", m=minutes, s=secs)
    hours, minutes = divmod(minutes, 60)
    return _("%(h)s h %(m)s min", h=hours, m=minutes)


def _ranges(intervals) -> str:
    return "、".join(f"{clock(a)}–{clock(b)}" for a, b in intervals or [])


def describe(kind: str, data: Mapping, lessons: Mapping[int, str] | None = None) -> str:
    """Plain-language details of one trace event."""
    lessons = lessons or {}
    lesson = lessons.get(data.get("lesson_id"), "")
    check_kind = label(CHECK_KINDS, data.get("kind"))
    if kind == "stretch_credited":
        credited = sum((data.get("credited") or {}).values())
        capped = sum((data.get("capped") or {}).values())
        text = _(
            "Credited %(d)s, video %(r)s", d=duration(credited), r=_ranges(data.get("intervals"))
        )
        if capped:
            text += _("; %(d)s beyond the daily limit not credited", d=duration(capped))
        return f"{lesson} · {text}" if lesson else text
    if kind == "stretch_voided":
        return _(
            "%(d)s not credited: %(why)s",
            d=duration(data.get("seconds") or 0),
            why=label(VOID_REASONS, data.get("reason")),
        )
    if kind == "heartbeat_anomaly":
        why = "；".join(label(ANOMALIES, code) for code in data.get("codes") or [])
        if "position" in data:
            return _("%(why)s (video at %(at)s)", why=why, at=clock(data["position"]))
        return why
    if kind == "check_issued":
        return _("%(kind)s", kind=check_kind)
    if kind == "check_passed":
        return "，".join(t for t in (check_kind, distances_text(data.get("distances"))) if t)
    if kind in ("check_failed", "check_answer_refused"):
        parts = [check_kind, str(engine_message(data.get("reason") or "")).rstrip("。.")]
        parts.append(distances_text(data.get("distances")))
        if data.get("final"):
            parts.append(_("final"))
        return "，".join(t for t in parts if t)
    if kind == "check_missed":
        return _("%(kind)s not answered in time", kind=check_kind)
    if kind == "session_started":
        return lesson
    if kind == "session_ended":
        return _(
            "%(why)s; %(d)s credited in this session",
            why=label(END_REASONS, data.get("reason")),
            d=duration(data.get("credited_seconds") or 0),
        )
    if kind == "session_refused":
        why = label(REFUSALS, data.get("code"))
        return f"{lesson} · {why}" if lesson else why
    if kind == "session_taken_over":
        return _("session %(n)s ended", n=data.get("ended_session", ""))
    if kind == "lesson_completed":
        return _(
            "%(lesson)s, %(d)s of the video covered",
            lesson=lesson,
            d=duration(data.get("covered_seconds") or 0),
        )
    if kind == "check_overturned":
        return _("appeal %(n)s", n=data.get("appeal_id", ""))
    return ""


def event_name(kind: str) -> str:
    return label(EVENT_NAMES, kind)


def tone(kind: str) -> str:
    """``ok`` / ``bad`` / ``""``: how a reader should see the event at a glance."""
    if kind in ("check_passed", "stretch_credited", "lesson_completed", "check_overturned"):
        return "ok"
    if kind in ("check_failed", "check_missed", "stretch_voided", "heartbeat_anomaly"):
        return "bad"
    return ""
