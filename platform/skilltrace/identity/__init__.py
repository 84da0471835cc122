"""Identity (实名制): accounts, roles, providers, consent, login, API tokens."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from skilltrace.extensions import db, login_manager
    from skilltrace.identity import api, cli, views
    from skilltrace.identity.models import User

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.users_cli)
    _account_pages(app)

    login_manager.login_view = "identity.login"
    login_manager.session_protection = "basic"

    from flask import session
    from flask_login import user_logged_in, user_logged_out

    from skilltrace.sessions import (
        begin_generation,
        end_generation,
        rotate_csrf,
        session_is_current,
    )

    @user_logged_in.connect_via(app)
    def remember_role(_app, user):
        session["role"] = user.role
        begin_generation(user.id)
        rotate_csrf()

    @user_logged_out.connect_via(app)
    def forget_role(_app, user):
        session.pop("role", None)
        if user is not None and getattr(user, "id", None) is not None:
            end_generation(user.id)
        rotate_csrf()

    @login_manager.user_loader
    def load_user(user_id: str):
        # A session from an ended generation (logout elsewhere, password change, deactivation,
        # "log out of all devices") or one restored from a remember cookie is not a login.
        if not session_is_current(user_id):
            return None
        return db.session.get(User, int(user_id))


def _account_pages(app: Flask) -> None:
    """Self-service and administration pages (identity/account.py, identity/admin.py)."""
    from flask_babel import lazy_gettext as _l

    from skilltrace import web
    from skilltrace.identity import account, admin
    from skilltrace.identity.models import Role

    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.before_request(account.require_new_password)
    web.add_nav((Role.ADMIN,), "admin_accounts.accounts", _l("Accounts"))
    web.add_nav(tuple(Role), "account.overview", _l("My account"))
