"""One way to show a time to a person: Beijing time, ``2026-11-30 14:05`` (Jinja ``beijing_time``).

Stored times are UTC (timezone-aware, or naive meaning UTC); the trace keeps UTC ISO strings
such as ``2026-11-30T06:05:00.000000Z``. Every template shows them with the same filter, in
the same format, whatever the UI language, with seconds only where they matter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "CST")
FORMAT = "%Y-%m-%d %H:%M"
FORMAT_SECONDS = "%Y-%m-%d %H:%M:%S"
EMPTY = "—"


def to_beijing(value: datetime | str) -> datetime:
    """An aware Beijing datetime from a datetime (naive = UTC) or an ISO string."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING)


def beijing_date(value: datetime | str) -> date:
    """The day in Beijing of a moment (naive = UTC)."""
    return to_beijing(value).date()


def beijing_time(value: datetime | date | str | None, seconds: bool = False) -> str:
    """``2026-11-30 14:05`` (or with ``:SS``) in Beijing time; a date as ``2026-11-30``."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    try:
        moment = to_beijing(value)
    except ValueError:
        return str(value)
    return moment.strftime(FORMAT_SECONDS if seconds else FORMAT)


def init_app(app) -> None:
    app.jinja_env.filters["beijing_time"] = beijing_time
