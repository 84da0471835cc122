"""Voucher pages: the learner's vouchers (claim, state, validity, QR) and the regulator's
batches with counters against the targets."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from skilltrace.clock import current_clock
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.vouchers import counters, services
from skilltrace.vouchers.messages import BATCH_STATUSES, VOUCHER_STATUSES
from skilltrace.vouchers.models import Voucher
from skilltrace.web import role_required

bp = Blueprint("vouchers", __name__, url_prefix="/vouchers")


@bp.app_context_processor
def _helpers():
    return {
        "voucher_status_label": lambda v: VOUCHER_STATUSES.get(v, v),
        "batch_status_label": lambda v: BATCH_STATUSES.get(v, v),
    }


def _refused(err: DomainError) -> None:
    db.session.rollback()
    flash(str(err.message), "error")


@bp.route("/mine", methods=["GET", "POST"])
@role_required(Role.LEARNER)
def mine():
    if request.method == "POST":
        try:
            if request.form.get("batch_id"):
                services.claim_voucher(current_user, request.form.get("batch_id", type=int) or 0)
            elif request.form.get("code"):
                services.use_voucher(
                    current_user, request.form.get("code", ""), request.form.get("class_code", "")
                )
        except DomainError as err:
            _refused(err)
        return redirect(url_for("vouchers.mine"))
    vouchers = db.session.scalars(
        select(Voucher).where(Voucher.learner_id == current_user.id).order_by(Voucher.id.desc())
    ).all()
    if any(services.expire_if_due(v) for v in vouchers):
        db.session.commit()
    return render_template(
        "vouchers/mine.html", vouchers=vouchers, batches=services.open_batches_for(current_user)
    )


@bp.route("/batches", methods=["GET", "POST"])
@role_required(Role.REGULATOR)
def batches():
    if request.method == "POST":
        form = request.form
        face = form.get("face_yuan", type=float)
        try:
            services.issue_batch(
                current_user,
                form.get("name", ""),
                form.get("target_group", "all"),
                form.get("quantity", type=int) or 0,
                form.get("validity_days", type=int) or 0,
                round(face * 100) if face else None,
                form.get("per_learner_limit", type=int) or 1,
                form.get("occupation") or None,
                kind=form.get("kind") or None,
            )
        except DomainError as err:
            _refused(err)
        return redirect(url_for("vouchers.batches"))
    from skilltrace.subsidy.messages import GROUP_LABELS, KIND_LABELS

    return render_template(
        "vouchers/batches.html",
        summary=counters.summary(current_clock().now().year),
        groups=GROUP_LABELS,
        kinds=KIND_LABELS,
    )
