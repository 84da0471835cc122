"""SkillTrace (技训通): supervised online vocational training."""

from __future__ import annotations

import importlib
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from skilltrace.clock import SystemClock
from skilltrace.config import REPO_ROOT, load_settings
from skilltrace.crypto import DataCipher, new_key_b64
from skilltrace.startup import add_notice

log = logging.getLogger(__name__)

DEV_KEY_NOTICES = {
    "SECRET_KEY": "SECRET_KEY is unset: logins are signed with the development key in %(path)s.",
    "SKILLTRACE_DATA_KEY": "SKILLTRACE_DATA_KEY is unset: ID numbers and face data are "
    "encrypted with the development key in %(path)s (keep that file, or they are lost).",
}

# Domain packages, in dependency order; each has ``init_app(app)``.
DOMAINS = (
    "identity",
    "notices",
    "faces",
    "courses",
    "traces",
    "study",
    "oversight",
    "subsidy",
    "vouchers",
)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app from environment settings, then ``overrides``."""
    app = Flask(
        __name__,
        instance_path=str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    app.config.update(load_settings())
    app.config.update(overrides or {})
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("skilltrace").setLevel(logging.INFO)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _fill_dev_secrets(app)
    _configure(app)

    from skilltrace import sessions, state
    from skilltrace.api import frame
    from skilltrace.extensions import babel, csrf, db, login_manager, migrate, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    state.init_app(app)
    sessions.init_app(app)
    app.extensions["skilltrace.cipher"] = DataCipher.from_b64(app.config["SKILLTRACE_DATA_KEY"])
    app.extensions["skilltrace.clock"] = SystemClock()

    frame.init_app(app)
    from skilltrace import security, web

    security.init_app(app)

    web.init_app(app)
    for name in DOMAINS:
        domain = importlib.import_module(f"skilltrace.{name}")
        if hasattr(domain, "init_app"):
            domain.init_app(app)
    from skilltrace import demo, tasks

    demo.init_app(app)
    from skilltrace import startup

    startup.init_app(app)
    tasks.init_app(app)
    return app


def _fill_dev_secrets(app: Flask) -> None:
    """Generate persistent dev keys into instance/ when the real ones are not configured."""
    for name, filename, make in (
        ("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(48)),
        ("SKILLTRACE_DATA_KEY", "data_key", new_key_b64),
    ):
        if app.config.get(name):
            continue
        path = Path(app.instance_path) / filename
        if not path.exists():
            path.write_text(make())
            os.chmod(path, 0o600)
        add_notice(app, DEV_KEY_NOTICES[name] % {"path": path})
        app.config[name] = path.read_text().strip()


def _configure(app: Flask) -> None:
    cfg = app.config
    url = cfg.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'skilltrace.sqlite3'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    cfg["WTF_CSRF_TIME_LIMIT"] = None
    cfg["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"
    cfg["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    Path(cfg["MEDIA_ROOT"]).mkdir(parents=True, exist_ok=True)
