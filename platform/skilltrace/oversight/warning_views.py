"""Regulator pages of warnings (the job's findings) and spot checks (samples, checklists)."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Role, User
from skilltrace.oversight import readable, spotchecks
from skilltrace.oversight.evidence import evidence_of, read_evidence
from skilltrace.oversight.models import EvidenceFile, OversightWarning
from skilltrace.oversight.services import oversees
from skilltrace.oversight.views import bp
from skilltrace.oversight.warning_rules import CODES
from skilltrace.oversight.warnings import severity_order, warning_query
from skilltrace.traces.models import TraceEvent
from skilltrace.web import role_required

REGULATORS = (Role.REGULATOR, Role.ADMIN)
WARNING_LABELS = {
    "takeover_repeated": _l("Sessions taken over again and again"),
    "shared_ip": _l("Several accounts studying from one IP"),
    "check_failure_rate": _l("High face-check failure rate"),
    "appeal_rate": _l("High share of checks overturned on appeal"),
    "daily_cap_repeated": _l("Repeatedly at the daily cap"),
    "anomaly_burst": _l("Burst of playback-rate or seek anomalies"),
    "reenrollment_after_study": _l("Face re-enrolled after study"),
    "duplicate_identity": _l("Possible duplicate identity"),
    "uniform_hours": _l("Implausibly uniform hours per learner"),
}
SEVERITY_LABELS = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}


@bp.get("/warnings")
@role_required(*REGULATORS)
def warnings():
    code = request.args.get("code", "")
    status = request.args.get("status", "open")
    stmt = warning_query(current_user)
    if code in CODES:
        stmt = stmt.where(OversightWarning.code == code)
    if status in ("open", "dismissed"):
        stmt = stmt.where(OversightWarning.status == status)
    rows = db.session.scalars(
        stmt.order_by(severity_order(), OversightWarning.last_seen_at.desc()).limit(300)
    )
    return render_template(
        "oversight/warnings.html",
        warnings=list(rows),
        code=code,
        status=status,
        codes=CODES,
        labels=WARNING_LABELS,
        severities=SEVERITY_LABELS,
    )


def _visible_warning(warning_id: int) -> OversightWarning:
    row = db.session.scalar(warning_query(current_user).where(OversightWarning.id == warning_id))
    if row is None:
        abort(404)
    return row


@bp.get("/warnings/<int:warning_id>")
@role_required(*REGULATORS)
def warning(warning_id: int):
    row = _visible_warning(warning_id)
    learners = (
        list(db.session.scalars(select(User).where(User.id.in_(row.learner_ids))))
        if row.learner_ids
        else []
    )
    events = (
        list(
            db.session.scalars(
                select(TraceEvent).where(TraceEvent.id.in_(row.event_ids)).order_by(TraceEvent.id)
            )
        )
        if row.event_ids
        else []
    )
    return render_template(
        "oversight/warning.html",
        warning=row,
        learners=learners,
        events=[(e, json.loads(e.event_json).get("data", {})) for e in events],
        labels=WARNING_LABELS,
        severities=SEVERITY_LABELS,
        figure_names=readable.FIGURES,
        figure_text=readable.figure_text,
        event_name=readable.event_name,
        describe=readable.describe,
    )


@bp.post("/warnings/<int:warning_id>/status")
@role_required(*REGULATORS)
def warning_status(warning_id: int):
    row = _visible_warning(warning_id)
    row.status = "dismissed" if request.form.get("status") == "dismissed" else "open"
    db.session.commit()
    return redirect(url_for("oversight.warning", warning_id=row.id))


# -- spot checks ----------------------------------------------------------------------------


@bp.route("/spot-checks", methods=["GET", "POST"])
@role_required(*REGULATORS)
def spot_checks():
    if request.method == "POST":
        kind = request.form.get("target_kind", "class")
        ratio = (request.form.get("ratio_percent", type=float) or 0.0) / 100
        try:
            spot = spotchecks.draw(
                current_user,
                kind,
                request.form.get("target_id", 0, type=int),
                ratio,
                request.form.get("seed"),
            )
        except DomainError as err:
            flash(str(err.message), "error")
        else:
            return redirect(url_for("oversight.spot_check", spot_id=spot.id))
    return render_template(
        "oversight/spot_checks.html", spots=spotchecks.visible_spot_checks(current_user)
    )


@bp.get("/spot-checks/<int:spot_id>")
@role_required(*REGULATORS)
def spot_check(spot_id: int):
    spot = spotchecks.visible_spot_check(current_user, spot_id)
    return render_template(
        "oversight/spot_check.html",
        spot=spot,
        evidence=evidence_of("spot_check_item", [i.id for i in spot.items]),
    )


@bp.post("/spot-check-items/<int:item_id>")
@role_required(*REGULATORS)
def spot_check_item(item_id: int):
    upload = request.files.get("evidence")
    evidence = (
        (upload.filename, upload.mimetype, upload.read()) if upload and upload.filename else None
    )
    try:
        item = spotchecks.record_item(current_user, item_id, request.form.to_dict(), evidence)
    except DomainError as err:
        db.session.rollback()
        flash(str(err.message), "error")
        item = spotchecks.visible_item(current_user, item_id)
    else:
        flash(_("Checklist saved."), "success")
    return redirect(url_for("oversight.spot_check", spot_id=item.spot_check_id))


@bp.get("/evidence/<int:evidence_id>")
@role_required(*REGULATORS)
def evidence(evidence_id: int):
    """Download an evidence file if its spot check or sanction is in the reader's scope."""
    from skilltrace.oversight.sanctions import sanction_visible

    row = db.session.get(EvidenceFile, evidence_id)
    if row is None:
        abort(404)
    if row.owner_kind == "spot_check_item":
        item = spotchecks.visible_item(current_user, row.owner_id)
        allowed = oversees(current_user, item.spot_check.provider)
    else:
        allowed = sanction_visible(current_user, row.owner_id)
    if not allowed:
        abort(404)
    import io

    return send_file(
        io.BytesIO(read_evidence(row)),
        mimetype=row.content_type,
        as_attachment=True,
        download_name=row.original_name,
    )
