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
        "to true behind TLS; the Docker image does).",
    ),
    Setting("BABEL_DEFAULT_LOCALE", "zh", "UI language when the user has not chosen one."),
    Setting(
        "CONSENT_POLICY_VERSION",
        "2026-11",
        "Version of the identity and face data processing notice a learner consents to.",
    ),
    # -- identity --------------------------------------------------------------------------
    Setting("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5, "Failed logins per account per window."),
    Setting("LOGIN_MAX_ATTEMPTS_PER_IP", 20, "Login attempts per client IP per window."),
    Setting("LOGIN_WINDOW_S", 900, "Window of the login rate limits, in seconds."),
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
    Setting("HEARTBEAT_S", 15.0, "Seconds between player heartbeats."),
    Setting(
        "HEARTBEAT_MIN_SHARE",
        0.3,
        "A heartbeat closer to the last folded one than this share of HEARTBEAT_S "
        "is answered but not folded.",
    ),
    Setting("POSITION_TOLERANCE_S", 3.0, "Allowed drift between video position and wall time."),
    Setting("LESSON_COMPLETION_RATIO", 0.95, "Coverage at which a lesson is complete."),
    Setting("DAILY_CAP_HOUR_UNITS", 8, "Most 学时 credited per learner per day."),
    Setting("STUDY_SESSION_TTL_S", 120, "A study session with no heartbeat for this long ends."),
    Setting(
        "STUDY_ACCESS_RECHECK_S",
        60,
        "How often a running session re-checks that its class "
        "is open and its provider may credit hours (seconds).",
    ),
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
