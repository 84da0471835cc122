"""Identity pages: register, login, logout, role homes, personal access tokens (the account
area itself is skilltrace.identity.account)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.forms import LoginForm, RegisterForm, TokenForm
from skilltrace.identity.models import ApiToken, Provider, Role, User
from skilltrace.identity.registration import PASSWORD_RULES, new_account_errors
from skilltrace.identity.services import NewAccount, account_service
from skilltrace.regions import SHAANXI_CITIES, scope_label
from skilltrace.web import role_required, safe_next

bp = Blueprint("identity", __name__)

# Other domains add panels to the role homes: {role: [template names]}.
HOME_PANELS: dict[str, list[str]] = {role.value: [] for role in Role}


def _form_error(form, err: DomainError) -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = RegisterForm()
    status = 200
    duplicate_id = False
    if form.is_submitted():
        # Every field's problem at once: the form's presence checks and the service's rules.
        form.validate()
        new = NewAccount(
            name=form.name.data or "",
            id_number=form.id_number.data or "",
            mobile=form.mobile.data or "",
            password=form.password.data or "",
            consent=bool(form.consent.data),
        )
        errors = [] if form.csrf_token.errors else new_account_errors(account_service(), new)
        for err in errors:
            if not getattr(form, err.field).errors:
                _form_error(form, err)
        duplicate_id = any(err.code == "duplicate_id_number" for err in errors)
        if not errors and not form.errors:
            try:
                user = account_service().register_learner(new, client_ip=request.remote_addr)
            except DomainError as err:
                db.session.rollback()
                _form_error(form, err)
            else:
                login_user(user)
                flash(
                    _("Welcome, %(name)s. Your account is registered.", name=user.name), "success"
                )
                return redirect(url_for("web.index"))
        status = 422
    return render_template(
        "identity/register.html",
        form=form,
        duplicate_id=duplicate_id,
        password_rules=PASSWORD_RULES,
    ), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = account_service().authenticate(
                form.login.data, form.password.data, request.remote_addr or "unknown"
            )
        except DomainError as err:
            flash(str(err.message), "error")
            status = err.status
        else:
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("web.index"))
    elif form.is_submitted():
        status = 422
    return render_template("identity/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("identity.login"))


@bp.get("/learner/")
@role_required(Role.LEARNER)
def learner_home():
    consent = max(current_user.consents, key=lambda c: c.given_at, default=None)
    return render_template(
        "identity/home_learner.html", consent=consent, panels=HOME_PANELS[Role.LEARNER]
    )


@bp.get("/provider/")
@role_required(Role.PROVIDER_STAFF)
def provider_home():
    provider = current_user.provider
    return render_template(
        "identity/home_provider.html",
        provider=provider,
        city=SHAANXI_CITIES.get(provider.city_code, provider.city_code),
        panels=HOME_PANELS[Role.PROVIDER_STAFF],
    )


@bp.get("/regulator/")
@role_required(Role.REGULATOR)
def regulator_home():
    from skilltrace.courses.scope import provider_filter

    providers = db.session.scalars(
        select(Provider).where(provider_filter(current_user)).order_by(Provider.name)
    ).all()
    return render_template(
        "identity/home_regulator.html",
        scope=scope_label(current_user.region_scope),
        providers=providers,
        cities=SHAANXI_CITIES,
        panels=HOME_PANELS[Role.REGULATOR],
    )


@bp.get("/admin/")
@role_required(Role.ADMIN)
def admin_home():
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    providers = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    return render_template(
        "identity/home_admin.html",
        counts=counts,
        providers=providers,
        cities=SHAANXI_CITIES,
        panels=HOME_PANELS[Role.ADMIN],
    )


@bp.route("/account/tokens", methods=["GET", "POST"])
@role_required(Role.REGULATOR, Role.ADMIN)
def tokens():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = account_service().create_token(current_user, form.name.data)
        except DomainError as err:
            _form_error(form, err)
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("identity/tokens.html", form=form, tokens=rows, secret=secret)


@bp.post("/account/tokens/<int:token_id>/revoke")
@role_required(Role.REGULATOR, Role.ADMIN)
def revoke_token(token_id: int):
    account_service().revoke_token(current_user, token_id)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("identity.tokens"))
