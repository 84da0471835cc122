"""Settings, read from environment variables with documented defaults.

Every setting below can be set as an environment variable of the same name; `create_app`
also accepts an ``overrides`` mapping (tests use it). Values are parsed by the type of their
default. The README's "Settings" table is generated from :data:`SETTINGS`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default and what it means."""

    name: str
    default: Any
    doc: str


SETTINGS: tuple[Setting, ...] = (
    # -- core ------------------------------------------------------------------------------
    Setting(
        "SECRET_KEY",
        "",
        "Signs sessions and CSRF tokens. Unset: a dev key is generated "
        "into instance/secret_key with a warning.",
    ),
    Setting("DATABASE_URL", "", "SQLAlchemy URL. Unset: SQLite at instance/skilltrace.sqlite3."),
    Setting(
        "REDIS_URL",
        "",
        "Live-state store (sessions, counters, heartbeats). Unset: an "
        "in-process store, valid for a single process only.",
    ),
    Setting(
        "CELERY_BROKER_URL",
        "",
        "RabbitMQ URL of the Celery broker (face checks and scheduled jobs run in "
        "`celery worker`/`beat`). Unset: tasks run eagerly in the web process (demo only).",
    ),
    Setting("STATE_KEY_PREFIX", "st:", "Prefix of every key in the live-state store."),
    Setting("MEDIA_ROOT", str(REPO_ROOT / "media"), "Folder of runtime uploads."),
    Setting(
        "SKILLTRACE_DATA_KEY",
        "",
        "Base64 32-byte key encrypting ID numbers and face data "
        "(AES-GCM). Unset: a dev key is generated into instance/data_key with a warning.",
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        16 * 1024 * 1024,
        "Largest request body in bytes (lesson "
        "uploads raise it to COURSE_VIDEO_MAX_BYTES for that request only).",
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        False,
        "Send the session cookie over HTTPS only (set it "
        "to true behind TLS; the Docker image does, so a plain-http `docker run` needs "
        "`-e SESSION_COOKIE_SECURE=false`).",
    ),
    Setting(
        "STARTUP_NOTICES",
        True,
        "Log the development-mode notices (development keys, in-process live state) as one "
        "block when the app starts. scripts/run prints them once and turns this off.",
    ),
    Setting("BABEL_DEFAULT_LOCALE", "zh", "UI language when the user has not chosen one."),
    Setting(
        "CONSENT_POLICY_VERSION",
        "2026-11",
        "Version of the identity and face data processing notice a learner consents to.",
    ),
    # -- identity --------------------------------------------------------------------------
    Setting(
        "SUPPORT_CONTACT",
        "",
        "Who learners and staff call for help (shown on the help page), e.g. "
        "'029-12345678 (weekdays 9:00-17:00)'. Unset: the page names the training provider.",
    ),
    Setting(
        "LOGIN_MAX_FAILURES_PER_CLIENT",
        5,
        "Failed logins per (account, client IP) per window; then that client waits "
        "for that account only.",
    ),
    Setting(
        "LOGIN_MAX_FAILURES_PER_IP", 30, "Failed logins per client IP (any account) per window."
    ),
    Setting(
        "LOGIN_ACCOUNT_FREE_FAILURES",
        5,
        "Failed logins on one account per window before every client that fails on it waits "
        "2^n seconds after each failure (a client without failures never waits).",
    ),
    Setting("LOGIN_MAX_DELAY_S", 300, "Longest wait after a failed login, in seconds."),
    Setting("LOGIN_WINDOW_S", 900, "Window of the login failure counts, in seconds."),
    # -- faces -----------------------------------------------------------------------------
    Setting(
        "FACE_MATCH_THRESHOLD",
        0.0,
        "Largest 128-d distance accepted as the same person "
        "(0 = the engine's calibrated default, see docs/faces.md).",
    ),
    Setting(
        "FACE_DUPLICATE_THRESHOLD",
        0.0,
        "Distance under which a new enrollment is held as "
        "a possible duplicate identity (0 = the engine's default).",
    ),
    Setting("FACE_SNAPSHOT_RETENTION_DAYS", 180, "Days check snapshots are kept before purge."),
    # -- courses ---------------------------------------------------------------------------
    Setting("MINUTES_PER_HOUR_UNIT", 45, "Minutes in one 学时 (learning-hour unit)."),
    Setting("COURSE_VIDEO_MAX_BYTES", 500 * 1024 * 1024, "Largest lesson video upload."),
    Setting("QUIZ_PASS_RATIO", 0.6, "Share of correct answers that passes a lesson quiz."),
    Setting(
        "MEDIA_ACCEL_REDIRECT",
        "",
        "Serve lesson videos through the front server: "
        "'x-accel-redirect:/protected-media/' (nginx) or 'x-sendfile'. Unset: Flask streams.",
    ),
    # -- study -----------------------------------------------------------------------------
    Setting("FACE_CHECK_MIN_S", 300, "Earliest next face check after a passed one, seconds."),
    Setting("FACE_CHECK_MAX_S", 900, "Latest next face check after a passed one, seconds."),
    Setting("FACE_CHECK_WINDOW_S", 60, "Seconds a learner has to answer a face check."),
    Setting("FACE_CHECK_MAX_TRIES", 3, "Tries allowed within one check window."),
    Setting(
        "FACE_CHECK_ISSUE_EVERY_S",
        1.0,
        "How often the study.issue_checks job opens the random checks that fell due (Celery "
        "beat; the learner sees one at the next heartbeat), and study.write_credits writes "
        "the credits heartbeats left to it. A heartbeat does that work itself when no job has "
        "run for 3 x this. 0: heartbeats do it all.",
    ),
    Setting(
        "FACE_REPLAY_MEMORY",
        True,
        "Compare every check's frames with the learner's earlier ones by content (a still "
        "photo or a re-encoded replay is refused). Keep it on; tests of crediting turn it off "
        "to reuse one photo as the learner's face.",
    ),
    Setting(
        "FACE_CHALLENGE",
        "random",
        "Liveness challenge of each face check: random (turn_left or turn_right, chosen "
        "per check), turn_left, turn_right or none (match only).",
    ),
    Setting(
        "FACE_CHECK_ANSWER_WAIT_S",
        2.0,
        "How long a check answer waits for its verdict before answering 202 with a URL "
        "to poll (seconds).",
    ),
    Setting(
        "FACE_CHECK_WAITING_ANSWERS",
        1,
        "How many check answers one web process lets wait for their verdict at once; the "
        "others answer 202 at once (a waiting answer holds a web thread that heartbeats need).",
    ),
    Setting(
        "APPEAL_DAYS", 7, "Days after a failed or missed face check in which it may be appealed."
    ),
    Setting("HEARTBEAT_S", 15.0, "Seconds between player heartbeats."),
    Setting(
        "HEARTBEAT_MIN_SHARE",
        0.3,
        "A heartbeat closer to the last folded one than this share of HEARTBEAT_S "
        "is answered but not folded.",
    ),
    Setting(
        "HEARTBEAT_QUIET_PATH",
        True,
        "Answer a quiet heartbeat of a session this process already verified before Flask's "
        "request dispatch (same checks and answer; anything else goes through Flask).",
    ),
    Setting(
        "HEARTBEAT_SERVER_TIMING",
        False,
        "Add a Server-Timing header (time inside the app, quiet or Flask path) to heartbeat "
        "answers; the load benchmark reads it.",
    ),
    Setting("POSITION_TOLERANCE_S", 3.0, "Allowed drift between video position and wall time."),
    Setting("LESSON_COMPLETION_RATIO", 0.95, "Coverage at which a lesson is complete."),
    Setting("DAILY_CAP_HOUR_UNITS", 8, "Most 学时 credited per learner per day."),
    Setting("STUDY_SESSION_TTL_S", 120, "A study session with no heartbeat for this long ends."),
    Setting(
        "STUDY_ACCESS_RECHECK_S",
        60,
        "How often a running session re-checks that its class is open and its provider "
        "may credit hours (seconds). The study.recheck_access job does it for every running "
        "session every half this; heartbeats do it only when the job has not. Under 2: "
        "heartbeats do it all.",
    ),
    # -- subsidy ---------------------------------------------------------------------------
    Setting(
        "EMPLOYMENT_FOLLOWUP_DAYS",
        180,
        "Days after a class ends within which a trainee's employment counts.",
    ),
    # -- oversight -------------------------------------------------------------------------
    Setting("OVERSIGHT_LOOKBACK_DAYS", 30, "Days of trace and ledger the warnings job reads."),
    Setting(
        "OVERSIGHT_TAKEOVER_MIN", 3, "Take-overs of one learner's sessions that raise a warning."
    ),
    Setting(
        "OVERSIGHT_SHARED_IP_WINDOW_S", 300, "Window in which study starts from one IP are grouped."
    ),
    Setting(
        "OVERSIGHT_SHARED_IP_MIN_ACCOUNTS",
        3,
        "Accounts starting study from one IP within the window that raise a warning.",
    ),
    Setting(
        "OVERSIGHT_CHECK_FAILURE_RATE", 0.3, "Failed or missed share of face checks that warns."
    ),
    Setting("OVERSIGHT_APPEAL_RATE", 0.1, "Overturned share of face checks that warns."),
    Setting("OVERSIGHT_RATE_MIN_CHECKS", 20, "Fewest decided checks before a rate can warn."),
    Setting("OVERSIGHT_CAP_DAYS_MIN", 5, "Days at the daily cap (in the window) that warn."),
    Setting(
        "OVERSIGHT_ANOMALY_BURST_MIN", 10, "Rate/seek anomalies of a learner in one hour that warn."
    ),
    Setting(
        "OVERSIGHT_UNIFORM_MIN_LEARNERS",
        5,
        "Fewest learners before a class's hours can look uniform.",
    ),
    Setting(
        "OVERSIGHT_UNIFORM_MAX_CV",
        0.02,
        "Coefficient of variation of hours per learner at or under which a class warns.",
    ),
    Setting("OVERSIGHT_JOB_EVERY_S", 3600, "Seconds between runs of the warnings and report jobs."),
)


def _parse(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return every setting, from ``environ`` (default ``os.environ``) or its default."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        values[setting.name] = (
            setting.default if raw in (None, "") else _parse(raw, setting.default)
        )
    return values
