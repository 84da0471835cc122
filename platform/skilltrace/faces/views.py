"""Face pages: a learner's enrollment (camera or upload), regulators' review of held
enrollments, a learner's face data, the access log, and face pictures (decrypted, logged)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.faces.access import covers, recent_reads
from skilltrace.faces.forms import DecisionForm, UploadForm
from skilltrace.faces.messages import (
    CASE_KIND_LABELS,
    HELD_MESSAGES,
    STATUS_LABELS,
    refusal_lines,
)
from skilltrace.faces.models import CaseStatus, EnrollmentStatus
from skilltrace.faces.review import review_service
from skilltrace.faces.runtime import engine_settings
from skilltrace.faces.services import enrollment_service, read_snapshot
from skilltrace.faces.snapshots import snapshot_service
from skilltrace.faces.uploads import picture_response, uploaded_images
from skilltrace.identity.models import Role, User
from skilltrace.web import role_required

bp = Blueprint("faces", __name__, url_prefix="/faces")

CAMERA_SHOTS = 3  # photos a camera enrollment takes, CAMERA_GAP_MS apart
CAMERA_GAP_MS = 1000
CAMERA_COUNTDOWN_S = 3  # before the first photo, and before a retaken one

# What the camera enrollment shows ({number}, {total}, {seconds} are filled in by the page).
CAMERA_MESSAGES = {
    "no_camera": _l(
        "The camera could not be opened. Allow camera access in your browser, or upload a photo "
        "below."
    ),
    "countdown": _l("Photo {number}/{total} in {seconds}…"),
    "capturing": _l("Photo {number}/{total}…"),
    "captured": _l("Photos taken. Look at them, then send them or retake any of them."),
    "sending": _l("Checking your photos…"),
    "enrolled": _l("Your face is enrolled. You can start studying."),
    "accepted": _l("Accepted"),
    "refused": _l("Retake the marked photos, then send again."),
    "failed": _l("The photos could not be sent. Check your connection and try again."),
}


def camera_config() -> dict:
    """The camera enrollment's settings and texts, read by static/js/faces-enroll.js."""
    return {
        "url": url_for("faces_api.enroll"),
        "shots": CAMERA_SHOTS,
        "gapMs": CAMERA_GAP_MS,
        "countdownS": CAMERA_COUNTDOWN_S,
        "messages": {code: str(text) for code, text in CAMERA_MESSAGES.items()},
    }


@bp.route("/enroll", methods=["GET", "POST"])
@role_required(Role.LEARNER)
def enroll():
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        try:
            images = uploaded_images("image")
            enrollment = enrollment_service().enroll(current_user, images, source="upload")
        except DomainError as err:
            db.session.rollback()
            form.image.errors = refusal_lines(err)
            status = err.status
        else:
            if enrollment.status == EnrollmentStatus.ACTIVE:
                flash(_("Your face is enrolled. You can start studying."), "success")
            # A held enrollment is not a success: the page states it once, as a notice.
            return redirect(url_for("faces.enroll"))
    elif form.is_submitted():
        status = 422
    state = enrollment_service().state_of(current_user.id)
    return render_template(
        "faces/enroll.html",
        form=form,
        camera=camera_config(),
        state=state,
        status_labels=STATUS_LABELS,
        held_messages=HELD_MESSAGES,
    ), status


@bp.get("/review")
@role_required(Role.REGULATOR)
def review():
    service = review_service()
    return render_template(
        "faces/review.html",
        cases=service.open_cases(current_user),
        decided=service.recent_decisions(current_user),
        form=DecisionForm(),
        kind_labels=CASE_KIND_LABELS,
        status_labels=STATUS_LABELS,
        duplicate_threshold=engine_settings(current_app.config).duplicate_threshold,
    )


@bp.post("/review/<int:case_id>")
@role_required(Role.REGULATOR)
def decide(case_id: int):
    form = DecisionForm()
    if not form.validate_on_submit() or not (form.approve.data or form.reject.data):
        flash(_("The decision could not be read. Reload the page and try again."), "error")
        return redirect(url_for("faces.review"))
    try:
        case = review_service().decide(
            case_id, current_user, approve=bool(form.approve.data), note=form.note.data
        )
    except DomainError as err:
        db.session.rollback()
        flash(str(err.message), "error")
        return redirect(url_for("faces.review"))
    if case.status == CaseStatus.OPEN:
        flash(_("Another account now has a near-identical face: check the case again."), "error")
    elif case.status == CaseStatus.APPROVED:
        flash(_("Approved: the new face photo is now in use."), "success")
    else:
        flash(_("Rejected: the photo will not be used."), "success")
    return redirect(url_for("faces.review"))


@bp.get("/learners/<int:learner_id>")
@role_required(Role.REGULATOR)
def learner_faces(learner_id: int):
    learner = db.session.get(User, learner_id)
    if (
        learner is None
        or learner.role != Role.LEARNER
        or not covers(db.session, current_user, learner_id)
    ):
        abort(404)
    return render_template(
        "faces/learner.html",
        learner=learner,
        state=enrollment_service().state_of(learner_id),
        enrollments=enrollment_service().history(learner_id),
        snapshots=snapshot_service().recent(learner_id),
        status_labels=STATUS_LABELS,
    )


@bp.get("/access-log")
@role_required(Role.REGULATOR)
def access_log():
    from skilltrace.faces.access_report import AccessFilter, filtered

    flt = AccessFilter.from_args(request.args)
    reads = filtered(recent_reads(db.session, current_user, limit=1000), flt)
    return render_template("faces/access_log.html", reads=reads, flt=flt)


@bp.get("/access-log.csv")
@role_required(Role.REGULATOR)
def access_log_csv():
    from flask import Response

    from skilltrace.faces.access_report import EXPORT_LIMIT, AccessFilter, as_csv, filtered
    from skilltrace.web import ROLE_LABELS

    flt = AccessFilter.from_args(request.args)
    rows = filtered(recent_reads(db.session, current_user, limit=EXPORT_LIMIT), flt)
    labels = {
        "when": _("When"),
        "reader": _("Who"),
        "role": _("Role"),
        "learner": _("Whose face"),
        "id": _("ID number"),
        "what": _("What"),
        "object": _("Number"),
        "ip": _("IP address"),
        "kind:enrollment_photo": _("Enrollment photo"),
        "kind:snapshot": _("Face check picture"),
        **{f"role:{role.value}": str(label) for role, label in ROLE_LABELS.items()},
    }
    return Response(
        as_csv(rows, labels),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=face-access-log.csv"},
    )


@bp.get("/photos/<int:enrollment_id>")
@role_required(Role.REGULATOR, Role.LEARNER)
def enrollment_photo(enrollment_id: int):
    data = review_service().enrollment_photo(enrollment_id, current_user, request.remote_addr)
    return picture_response(data)


@bp.get("/snapshots/<int:snapshot_id>")
@role_required(Role.REGULATOR, Role.LEARNER)
def snapshot_picture(snapshot_id: int):
    return picture_response(read_snapshot(snapshot_id, current_user, request.remote_addr))
