"""Subsidy pages: the provider's completions and claims, the regulator's reviews, standards and
key-group confirmations, the learner's "my subsidies and certificates", and the public
certificate verification page."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from skilltrace.courses.classes import class_service
from skilltrace.courses.models import TrainingClass
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.subsidy import claims as claim_service
from skilltrace.subsidy import completion, evidence, standards
from skilltrace.subsidy.messages import (
    CLAIM_ACTIONS,
    CLAIM_STATUSES,
    GROUP_LABELS,
    KIND_LABELS,
    LINE_REVIEWS,
    reason_text,
)
from skilltrace.subsidy.models import KeyGroupRecord, SubsidyClaim, TrainingCertificate
from skilltrace.subsidy.payee import Payee
from skilltrace.timefmt import beijing_time
from skilltrace.web import role_required

bp = Blueprint("subsidy", __name__, url_prefix="/subsidy")
STAFF = Role.PROVIDER_STAFF
REGULATOR = Role.REGULATOR


def _refused(err: DomainError) -> None:
    db.session.rollback()
    flash(str(err.message), "error")


def _yuan(fen: int | None) -> str:
    return f"{(fen or 0) / 100:,.2f}"


@bp.app_context_processor
def _helpers():
    return {
        "yuan": _yuan,
        "reason_text": reason_text,
        "beijing_time": _beijing_time,
        "claim_status_label": lambda v: CLAIM_STATUSES.get(v, v),
        "line_review_label": lambda v: LINE_REVIEWS.get(v, v),
        "claim_action_label": lambda v: CLAIM_ACTIONS.get(v, v),
    }


def _beijing_time(at) -> str:
    return beijing_time(at) if at else ""


@bp.get("/verify")
def verify():
    """Public certificate verification by serial and name (no login)."""
    serial, name = request.args.get("serial", ""), request.args.get("name", "")
    result, error = None, None
    if serial or name:
        try:
            result = completion.verify_certificate(serial, name, request.remote_addr or "")
        except DomainError as err:
            error = str(err.message)
    return render_template(
        "subsidy/verify.html", serial=serial, name=name, result=result, error=error
    )


@bp.get("/mine")
@role_required(Role.LEARNER)
def mine():
    certs = db.session.scalars(
        select(TrainingCertificate).where(TrainingCertificate.learner_id == current_user.id)
    ).all()
    return render_template(
        "subsidy/mine.html",
        awards=claim_service.learner_awards(current_user.id),
        certificates=certs,
    )


@bp.get("/certificates/<serial>.pdf")
@role_required(Role.LEARNER, STAFF, REGULATOR, Role.ADMIN)
def certificate_pdf(serial: str):
    from skilltrace.courses.services import is_staff_of, regulates
    from skilltrace.subsidy.pdf import certificate_pdf as render

    cert = db.session.scalar(
        select(TrainingCertificate).where(TrainingCertificate.serial == serial)
    )
    if cert is None:
        abort(404)
    class_ = db.session.get(TrainingClass, cert.class_id)
    user = current_user
    if not (
        user.id == cert.learner_id
        or user.role == Role.ADMIN
        or is_staff_of(user, class_.provider_id)
        or regulates(user, class_.provider)
    ):
        abort(404)
    return send_file(
        io.BytesIO(render(cert)), mimetype="application/pdf", download_name=f"{serial}.pdf"
    )


@bp.route("/claims", methods=["GET", "POST"])
@role_required(STAFF, REGULATOR)
def claims():
    """Provider: closed classes and claims; regulator: submitted claims in scope."""
    if request.method == "POST" and current_user.role == STAFF:
        class_ = db.session.get(TrainingClass, request.form.get("class_id", type=int) or 0)
        if class_ is None or class_.provider_id != current_user.provider_id:
            abort(404)
        form = request.form
        try:
            claim = claim_service.build_claim(
                current_user,
                class_,
                form.get("kind") or "employment",
                form.get("company_credit_code") or None,
                payee=Payee(
                    form.get("payee_kind") or "provider",
                    form.get("payee_name"),
                    form.get("payee_credit_code"),
                ),
            )
            return redirect(url_for("subsidy.claim_detail", claim_id=claim.id))
        except DomainError as err:
            _refused(err)
    classes = []
    if current_user.role == STAFF:
        classes = [c for c in class_service().visible_classes(current_user)]
    return render_template(
        "subsidy/claims.html",
        claims=claim_service.visible_claims(current_user),
        classes=classes,
        kinds=KIND_LABELS,
    )


@bp.route("/claims/<int:claim_id>", methods=["GET", "POST"])
@role_required(STAFF, REGULATOR)
def claim_detail(claim_id: int):
    claim = db.session.get(SubsidyClaim, claim_id)
    if claim is None or not claim_service.can_see(current_user, claim):
        abort(404)
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "submit":
                claim_service.submit(current_user, claim)
            elif action == "paid":
                claim_service.mark_paid(current_user, claim)
            elif action == "review":
                claim_service.review(current_user, claim, _review_form(claim))
            flash(_("Saved."), "info")
        except DomainError as err:
            _refused(err)
        return redirect(url_for("subsidy.claim_detail", claim_id=claim_id))
    claim_service.refresh(claim)
    return render_template("subsidy/claim.html", claim=claim, kinds=KIND_LABELS)


def _review_form(claim: SubsidyClaim) -> list[dict]:
    decisions = []
    for line in claim.lines:
        prefix = f"l{line.learner_id}_"
        item = {
            "learner_id": line.learner_id,
            "decision": request.form.get(prefix + "decision", ""),
            "comment": request.form.get(prefix + "comment", ""),
        }
        if item["decision"] == "partial":
            item["amount_fen"] = round((request.form.get(prefix + "yuan", type=float) or 0) * 100)
        decisions.append(item)
    return decisions


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@role_required(STAFF, REGULATOR)
def class_completion(class_id: int):
    """A class's completions (结业) and employment rate; the provider closes it here."""
    class_ = db.session.get(TrainingClass, class_id)
    if class_ is None or not class_service().can_see(current_user, class_):
        abort(404)
    if request.method == "POST":
        try:
            completion.close_class(current_user, class_)
            flash(_("The class is closed."), "info")
        except DomainError as err:
            _refused(err)
        return redirect(url_for("subsidy.class_completion", class_id=class_id))
    employed, completed = evidence.employment_rate(class_)
    return render_template(
        "subsidy/class.html",
        class_=class_,
        completions=completion.completions(class_),
        employed=employed,
        completed=completed,
        employed_ids=evidence.employed_ids(class_),
    )


@bp.route("/standards", methods=["GET", "POST"])
@role_required(STAFF, REGULATOR)
def standards_page():
    if request.method == "POST":
        form = request.form
        try:
            standards.set_standard(
                current_user,
                form.get("region", ""),
                form.get("occupation", ""),
                form.get("level", ""),
                form.get("kind", ""),
                round((form.get("yuan", type=float) or -1) * 100),
                form.get("per_hour") == "on",
                form.get("effective_from") or None,
                form.get("note", ""),
            )
            flash(_("Saved."), "info")
        except DomainError as err:
            _refused(err)
        return redirect(url_for("subsidy.standards_page"))
    return render_template(
        "subsidy/standards.html",
        rows=standards.standards_visible(current_user),
        kinds=KIND_LABELS,
    )


@bp.route("/key-groups", methods=["GET", "POST"])
@role_required(REGULATOR)
def key_groups():
    if request.method == "POST":
        record = db.session.get(KeyGroupRecord, request.form.get("record_id", type=int) or 0)
        if record is None:
            abort(404)
        try:
            evidence.decide_key_group(
                current_user,
                record,
                request.form.get("confirm") == "1",
                request.form.get("comment", ""),
            )
        except DomainError as err:
            _refused(err)
        return redirect(url_for("subsidy.key_groups"))
    return render_template(
        "subsidy/key_groups.html",
        records=evidence.pending_key_groups(current_user),
        groups=GROUP_LABELS,
    )
