"""Regulator pages of sanctions: the ladder per provider and agency, impose, lift, history."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from skilltrace.courses.providers import providers_in_scope
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.oversight import rules, sanctions
from skilltrace.oversight.evidence import evidence_of
from skilltrace.oversight.views import bp
from skilltrace.regions import SHAANXI_CITIES
from skilltrace.timefmt import beijing_date
from skilltrace.web import role_required

REGULATORS = (Role.REGULATOR, Role.ADMIN)


def _today() -> date:
    from skilltrace.identity.models import utcnow

    return beijing_date(utcnow())


def _date(raw: str | None, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError("date_invalid", _("Enter a date as YYYY-MM-DD."), field=field) from None


@bp.get("/sanctions", endpoint="sanctions")
@role_required(*REGULATORS)
def sanctions_page():
    return render_template(
        "oversight/sanctions.html",
        sanctions=sanctions.sanctions_in_scope(current_user),
        providers=providers_in_scope(current_user) if current_user.role == Role.REGULATOR else [],
        agencies=sanctions.agencies_in_scope(current_user),
        levels=sanctions.LEVEL_LABELS,
        cities=SHAANXI_CITIES,
    )


@bp.route("/sanctions/<kind>/<int:subject_id>", methods=["GET", "POST"])
@role_required(*REGULATORS)
def sanction_subject(kind: str, subject_id: int):
    target = sanctions.subject(current_user, kind, subject_id)
    if request.method == "POST":
        try:
            uploads = [f for f in request.files.getlist("evidence") if f and f.filename]
            sanctions.impose(
                current_user,
                target,
                rules.SanctionRequest(
                    request.form.get("level", ""),
                    request.form.get("reason", ""),
                    _date(request.form.get("decided_on"), "decided_on") or _today(),
                    _date(request.form.get("ends_on"), "ends_on"),
                ),
                _today(),
                [(f.filename, f.mimetype, f.read()) for f in uploads],
            )
        except DomainError as err:
            db.session.rollback()
            flash(str(err.message), "error")
        else:
            flash(_("The sanction is recorded."), "success")
            return redirect(url_for("oversight.sanction_subject", kind=kind, subject_id=subject_id))
    found = sanctions.history(target)
    return render_template(
        "oversight/sanction_subject.html",
        kind=kind,
        target=target,
        history=found,
        evidence=evidence_of("sanction", [s.id for s in found]),
        levels=sanctions.LEVEL_LABELS,
        today=_today().isoformat(),
    )


@bp.post("/sanctions/<int:sanction_id>/lift")
@role_required(*REGULATORS)
def sanction_lift(sanction_id: int):
    try:
        sanction = sanctions.lift(current_user, sanction_id, request.form.get("reason", ""))
    except DomainError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        flash(str(err.message), "error")
        return redirect(request.referrer or url_for("oversight.sanctions"))
    kind = "provider" if sanction.provider_id else "agency"
    flash(_("The sanction is lifted."), "success")
    return redirect(
        url_for(
            "oversight.sanction_subject",
            kind=kind,
            subject_id=sanction.provider_id or sanction.agency_id,
        )
    )


@bp.post("/agencies")
@role_required(*REGULATORS)
def agency_new():
    try:
        agency = sanctions.add_agency(
            current_user,
            request.form.get("name", ""),
            request.form.get("credit_code", ""),
            request.form.get("city_code", ""),
        )
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for("oversight.sanctions"))
    return redirect(url_for("oversight.sanction_subject", kind="agency", subject_id=agency.id))
