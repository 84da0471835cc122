"""Shared page machinery: role guards, error pages, language switch, role homes routing."""

from __future__ import annotations

import functools

from flask import (
    Blueprint,
    Flask,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from skilltrace.extensions import LOCALES
from skilltrace.identity.models import Role

bp = Blueprint("web", __name__)

# Navigation entries domains add: (roles, endpoint, lazy label).
NAV_ITEMS: list[tuple[tuple[str, ...], str, object]] = []

ROLE_HOMES = {
    Role.LEARNER: "identity.learner_home",
    Role.PROVIDER_STAFF: "identity.provider_home",
    Role.REGULATOR: "identity.regulator_home",
    Role.ADMIN: "identity.admin_home",
}


def role_required(*roles: str):
    """Pages: anonymous users go to login; a logged-in user without one of ``roles`` gets 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("identity.login", next=current_path()))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorator


def current_path() -> str:
    """This request's path with its query, without the bare '?' Werkzeug adds when none."""
    return request.full_path.removesuffix("?")


def add_nav(roles: tuple[str, ...], endpoint: str, label) -> None:
    """Add a top-bar link for users with one of ``roles`` (idempotent)."""
    if not any(e == endpoint for _r, e, _l in NAV_ITEMS):
        NAV_ITEMS.append((roles, endpoint, label))


def nav_items(user) -> list[dict]:
    items = [{"url": url_for(ROLE_HOMES[Role(user.role)]), "label": _("Home")}]
    items += [
        {"url": url_for(endpoint), "label": label}
        for roles, endpoint, label in NAV_ITEMS
        if user.role in roles
    ]
    return items


ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.PROVIDER_STAFF: _l("Provider staff"),
    Role.REGULATOR: _l("Regulator"),
    Role.ADMIN: _l("Administrator"),
}
STATUS_LABELS = {
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "blacklisted": _l("Blacklisted"),
}


def render_error(status: int, message):
    return render_template("error.html", status=status, message=message), status


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths may be redirected to after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(ROLE_HOMES[Role(current_user.role)]))
    return render_template("index.html")


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in LOCALES:
        abort(404)
    response = make_response(redirect(safe_next(request.args.get("next")) or url_for("web.index")))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/healthz")
def healthz():
    """Liveness: the database and the state store answer."""
    from sqlalchemy import text

    from skilltrace.extensions import db
    from skilltrace.state import current_state

    db.session.execute(text("SELECT 1"))
    current_state().ping()
    return {"status": "ok"}


def init_app(app: Flask) -> None:
    from skilltrace import display

    app.register_blueprint(bp)
    display.init_app(app)

    @app.context_processor
    def inject_globals():
        return {
            "current_locale": str(get_locale()),
            "locales": LOCALES,
            "Role": Role,
            "nav_items": nav_items,
            "current_path": current_path,
            "role_label": lambda role: ROLE_LABELS.get(role, role),
            "status_label": lambda status: STATUS_LABELS.get(status, status),
        }
