"""Administrators' account pages: list and find accounts, create regulators, administrators,
training providers and their staff, unlock, deactivate or reactivate, reset a password.

New accounts get a temporary password, shown once to the administrator, which the new user
must replace at their first login.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.account_forms import ProviderForm, StaffForm
from skilltrace.identity.models import Provider, Role, User
from skilltrace.identity.selfservice import self_service, temporary_password
from skilltrace.identity.services import account_service
from skilltrace.regions import SHAANXI, SHAANXI_CITIES
from skilltrace.web import role_required

bp = Blueprint("admin_accounts", __name__, url_prefix="/admin")
admin_only = role_required(Role.ADMIN)
STAFF_ROLES = (Role.REGULATOR, Role.PROVIDER_STAFF, Role.ADMIN)
PAGE_SIZE = 50


def _region_choices() -> list[tuple[str, str]]:
    return [(SHAANXI, _("Shaanxi province")), *SHAANXI_CITIES.items()]


@bp.get("/accounts")
@admin_only
def accounts():
    query = select(User).order_by(User.id.desc())
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    text = (request.args.get("q") or "").strip()
    if text:
        found = self_service().find(text)
        query = query.where(or_(User.name.contains(text), User.id == (found.id if found else -1)))
    rows = db.session.scalars(query.limit(PAGE_SIZE)).all()
    return render_template(
        "identity/admin_accounts.html", users=rows, role=role, q=text, roles=list(Role)
    )


@bp.route("/accounts/new/<role>", methods=["GET", "POST"])
@admin_only
def new_account(role: str):
    if role not in STAFF_ROLES:
        return redirect(url_for("admin_accounts.accounts"))
    form = StaffForm()
    form.scope.choices = _region_choices()
    providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    form.provider.choices = [(str(p.id), p.name) for p in providers]
    status = 200
    if form.validate_on_submit():
        provider = (
            db.session.get(Provider, int(form.provider.data))
            if role == Role.PROVIDER_STAFF and (form.provider.data or "").isdigit()
            else None
        )
        secret = temporary_password()
        try:
            user = account_service().create_staff(
                Role(role),
                form.name.data,
                form.mobile.data,
                secret,
                form.id_number.data or None,
                provider=provider,
                region_scope=form.scope.data if role == Role.REGULATOR else None,
            )
        except DomainError as err:
            db.session.rollback()
            _show(form, err)
            status = err.status
        else:
            user.must_change_password = True
            db.session.commit()
            return render_template(
                "identity/account_reset_done.html", target=user, secret=secret, created=True
            )
    elif form.is_submitted():
        status = 422
    return render_template("identity/admin_new_account.html", form=form, role=role), status


@bp.route("/providers/new", methods=["GET", "POST"])
@admin_only
def new_provider():
    form = ProviderForm()
    form.city.choices = list(SHAANXI_CITIES.items())
    status = 200
    if form.validate_on_submit():
        try:
            provider = account_service().create_provider(
                form.name.data, form.credit_code.data, form.city.data
            )
        except DomainError as err:
            db.session.rollback()
            _show(form, err)
            status = err.status
        else:
            flash(
                _(
                    "Provider %(name)s is registered. Now create its first staff account.",
                    name=provider.name,
                ),
                "success",
            )
            return redirect(url_for("admin_accounts.new_account", role=Role.PROVIDER_STAFF.value))
    elif form.is_submitted():
        status = 422
    return render_template("identity/admin_new_provider.html", form=form), status


@bp.post("/accounts/<int:user_id>/<action>")
@admin_only
def account_action(user_id: int, action: str):
    target = db.session.get(User, user_id)
    if target is None or action not in {"unlock", "deactivate", "activate"}:
        flash(_("No such account."), "error")
        return redirect(url_for("admin_accounts.accounts"))
    service = self_service()
    try:
        if action == "unlock":
            service.unlock(target, actor=current_user)
            flash(_("%(name)s may log in again now.", name=target.name), "success")
        else:
            service.set_active(current_user, target, action == "activate")
            flash(
                _("%(name)s is reactivated.", name=target.name)
                if action == "activate"
                else _("%(name)s is deactivated and logged out.", name=target.name),
                "success",
            )
    except DomainError as err:
        flash(str(err.message), "error")
    return redirect(url_for("admin_accounts.accounts", q=target.mobile))


def _show(form, err: DomainError) -> None:
    field_name = {"city": "city", "credit_code": "credit_code"}.get(err.field or "", err.field)
    field = getattr(form, field_name, None) if field_name else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")
