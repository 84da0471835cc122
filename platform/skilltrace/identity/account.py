"""The account area for every role: my account (with "log out of all devices"), the one
change-password form, change mobile, help, and password resets performed by an
administrator or regulator (no SMS here).

After a reset the user holds a temporary password and every page leads to "change password"
until they replace it.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.account_forms import (
    FindAccountForm,
    MobileChangeForm,
    PasswordChangeForm,
)
from skilltrace.identity.models import Role, User
from skilltrace.identity.registration import PASSWORD_RULES
from skilltrace.identity.selfservice import actor_of, may_manage, self_service, target_of
from skilltrace.identity.services import end_all_sessions
from skilltrace.web import render_error, role_required

bp = Blueprint("account", __name__)

ALL_ROLES = tuple(Role)
# Pages a user holding a temporary password may still open.
OPEN_WHILE_TEMPORARY = frozenset(
    {
        "account.change_password",
        "account.old_password_page",
        "account.logout_everywhere",
        "account.help_page",
        "identity.logout",
        "static",
    }
)


def _field_error(form, err: DomainError) -> None:
    db.session.rollback()
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")


@bp.get("/account")
@role_required(*ALL_ROLES)
def overview():
    return render_template("identity/account.html")


@bp.route("/account/", methods=["GET", "POST"])
def old_password_page():
    """The former "password and devices" page: its links lead to the one password form."""
    return redirect(url_for("account.change_password"), 301)


@bp.post("/account/logout-everywhere")
@role_required(*ALL_ROLES)
def logout_everywhere():
    end_all_sessions(current_user)
    logout_user()
    flash(_("You are logged out on every device."), "success")
    return redirect(url_for("identity.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def change_password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            self_service().change_password(
                current_user._get_current_object(), form.current_password.data, form.password.data
            )
        except DomainError as err:
            _field_error(form, err)
            status = err.status
        else:
            # Other sessions ended with the old password; this one continues.
            login_user(db.session.get(User, current_user.id))
            flash(_("Your password is changed. Other devices are logged out."), "success")
            return redirect(url_for("account.overview"))
    elif form.is_submitted():
        status = 422
    return render_template(
        "identity/account_password.html", form=form, password_rules=PASSWORD_RULES
    ), status


@bp.route("/account/mobile", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def change_mobile():
    form = MobileChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            self_service().change_mobile(current_user, form.current_password.data, form.mobile.data)
        except DomainError as err:
            _field_error(form, err)
            status = err.status
        else:
            flash(_("Your mobile number is changed. Log in with the new one."), "success")
            return redirect(url_for("account.overview"))
    elif form.is_submitted():
        status = 422
    return render_template("identity/account_mobile.html", form=form), status


@bp.get("/help")
def help_page():
    providers = []
    if current_user.is_authenticated and current_user.role == Role.LEARNER:
        from skilltrace.courses.classes import class_service

        providers = sorted({c.provider.name for c in class_service().visible_classes(current_user)})
    return render_template(
        "identity/help.html",
        contact=current_app.config["SUPPORT_CONTACT"],
        providers=providers,
    )


@bp.route("/account/reset", methods=["GET", "POST"])
@role_required(Role.REGULATOR, Role.ADMIN)
def reset_lookup():
    """Find an account by mobile or ID number, then reset its password."""
    form = FindAccountForm()
    found = None
    if form.validate_on_submit():
        found = self_service().find(form.login.data)
        if found is None:
            form.login.errors = [_("No account has this mobile or ID number.")]
        elif not may_manage(actor_of(current_user), target_of(found)):
            form.login.errors = [_("You may not manage this account.")]
            found = None
    return render_template("identity/account_reset.html", form=form, found=found)


@bp.post("/account/reset/<int:user_id>")
@role_required(Role.REGULATOR, Role.ADMIN)
def reset_password(user_id: int):
    target = db.session.get(User, user_id)
    if target is None:
        flash(_("No such account."), "error")
        return redirect(url_for("account.reset_lookup"))
    try:
        secret = self_service().reset_password(current_user, target)
    except DomainError as err:
        db.session.rollback()
        return render_error(err.status, err.message)
    return render_template("identity/account_reset_done.html", target=target, secret=secret)


def require_new_password():
    """Before every page: a user holding a temporary password goes to "change password"."""
    # Path first: API calls and static files never load the user here (a quiet heartbeat
    # touches no database).
    if (
        request.endpoint is None
        or request.endpoint in OPEN_WHILE_TEMPORARY
        or request.path.startswith("/api/")
    ):
        return None
    if current_user.is_authenticated and getattr(current_user, "must_change_password", False):
        flash(_("Your password was reset. Choose a new password to continue."), "error")
        return redirect(url_for("account.change_password"))
    return None
