"""Pages of appeals and accommodations: a learner's checks (appeal, accommodation requests),
regulators' appeal queue and review page, accommodation decisions, providers' attendance."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from skilltrace.clock import current_clock
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.faces.accommodations import accommodation_service, beijing_date
from skilltrace.faces.appeals import Action, appeal_service
from skilltrace.faces.messages import distances_text
from skilltrace.identity.models import Role, User
from skilltrace.study.labels import (
    CHALLENGES,
    CHECK_KINDS,
    CHECK_STATUSES,
    check_reason_text,
)
from skilltrace.web import role_required

bp = Blueprint("face_appeals", __name__, url_prefix="/faces")

APPEAL_LABELS = {
    "open": _l("Waiting for review"),
    "overturn_proposed": _l("Overturn proposed, awaiting a second reviewer"),
    "upheld": _l("Upheld: the check's verdict stands"),
    "overturned": _l("Overturned: the study time is credited"),
}
ACCOMMODATION_KINDS = {
    "match_only": _l("Face match without a head-turn challenge"),
    "attended": _l("Attended study attested in person by the provider"),
}
ACCOMMODATION_LABELS = {
    "requested": _l("Waiting for a decision"),
    "granted": _l("Granted"),
    "refused": _l("Refused"),
}


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("Why was this check wrong?"))
    submit = SubmitField(_l("Appeal"))


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comment"))
    action = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice(Action.UPHOLD, _l("Uphold the verdict")),
            SelectChoice(Action.OVERTURN, _l("Propose to overturn")),
            SelectChoice(Action.CONFIRM, _l("Confirm the proposed overturn")),
            SelectChoice(Action.REJECT, _l("Reject the proposed overturn")),
        ],
    )
    submit = SubmitField(_l("Record decision"))


class AccommodationForm(FlaskForm):
    class_id = SelectField(_l("Class"), coerce=int, choices=[])
    kind = SelectField(
        _l("Accommodation"),
        choices=[SelectChoice(value, label) for value, label in ACCOMMODATION_KINDS.items()],
    )
    reason = TextAreaField(_l("Why do you need it?"))
    submit = SubmitField(_l("Ask for an accommodation"))


class GrantForm(FlaskForm):
    expires_on = DateField(_l("Valid until"), validators=[])
    comment = TextAreaField(_l("Comment"))
    grant = SubmitField(_l("Grant"))
    refuse = SubmitField(_l("Refuse"))


class AttendanceForm(FlaskForm):
    accommodation_id = SelectField(_l("Learner and class"), coerce=int, choices=[])
    lesson_id = SelectField(_l("Lesson"), coerce=int, choices=[])
    day = DateField(_l("Date"))
    minutes = IntegerField(_l("Minutes"))
    staff_name = StringField(_l("Staff member's name"))
    submit = SubmitField(_l("Record attendance"))


def _now():
    return current_clock().now()


def _csrf_ok() -> bool:
    """Whether the posted form carries this session's CSRF token (flashes if not)."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        flash(_("The page expired. Reload it and try again."), "error")
        return False
    return True


def _flash_error(err: DomainError) -> None:
    db.session.rollback()
    flash(str(err.message), "error")


# -- learners ------------------------------------------------------------------------------


@bp.get("/checks")
@role_required(Role.LEARNER)
def my_checks():
    from skilltrace.courses.classes import class_service

    form = AccommodationForm()
    form.class_id.choices = [
        SelectChoice(c.id, c.name) for c in class_service().visible_classes(current_user)
    ]
    return render_template(
        "faces/appeals_mine.html",
        rows=appeal_service().learner_checks(current_user.id, _now()),
        accommodations=accommodation_service().of_learner(current_user.id),
        appeal_form=AppealForm(),
        accommodation_form=form,
    )


@bp.post("/checks/<int:check_id>/appeal")
@role_required(Role.LEARNER)
def file_appeal(check_id: int):
    form = AppealForm()
    if form.validate_on_submit():
        try:
            appeal_service().file(current_user, check_id, form.reason.data or "", _now())
            flash(_("Your appeal was filed. A regulator will review it."), "success")
        except DomainError as err:
            _flash_error(err)
    else:
        flash(_("The page expired. Reload it and try again."), "error")
    return redirect(url_for("face_appeals.my_checks"))


@bp.post("/accommodations")
@role_required(Role.LEARNER)
def request_accommodation():
    if _csrf_ok():
        try:
            accommodation_service().request(
                current_user,
                _int(request.form.get("class_id")),
                request.form.get("kind"),
                request.form.get("reason") or "",
                _now(),
            )
            flash(_("Your request was sent. A regulator will decide."), "success")
        except DomainError as err:
            _flash_error(err)
    return redirect(url_for("face_appeals.my_checks"))


def _int(value) -> int | None:
    from skilltrace.api.text import parse_int

    return parse_int(value)


# -- regulators ----------------------------------------------------------------------------


@bp.get("/appeals")
@role_required(Role.REGULATOR)
def appeal_queue():
    service = appeal_service()
    return render_template(
        "faces/appeals_queue.html",
        appeals=service.queue(current_user),
        decided=service.recent(current_user),
    )


@bp.get("/appeals/<int:appeal_id>")
@role_required(Role.REGULATOR)
def appeal_review(appeal_id: int):
    from skilltrace.faces.services import enrollment_service

    service = appeal_service()
    appeal = service.visible(current_user, appeal_id)
    check = service.check_of(appeal)
    return render_template(
        "faces/appeals_review.html",
        appeal=appeal,
        check=check,
        evidence=service.evidence(check),
        distances_text=distances_text,
        enrollments=[
            e for e in enrollment_service().history(appeal.learner_id) if e.status == "active"
        ],
        history=service.history(appeal),
        form=ReviewForm(),
    )


@bp.post("/appeals/<int:appeal_id>/decision")
@role_required(Role.REGULATOR)
def decide_appeal(appeal_id: int):
    if _csrf_ok():
        try:
            appeal = appeal_service().decide(
                current_user,
                appeal_id,
                request.form.get("action"),
                request.form.get("comment") or "",
                _now(),
            )
            flash(str(APPEAL_LABELS[appeal.status]), "success")
        except DomainError as err:
            _flash_error(err)
    return redirect(url_for("face_appeals.appeal_review", appeal_id=appeal_id))


@bp.get("/accommodations")
@role_required(Role.REGULATOR)
def accommodation_queue():
    service = accommodation_service()
    return render_template(
        "faces/appeals_accommodations.html",
        pending=service.queue(current_user),
        decided=service.decided(current_user),
        form=GrantForm(),
    )


@bp.post("/accommodations/<int:accommodation_id>/decision")
@role_required(Role.REGULATOR)
def decide_accommodation(accommodation_id: int):
    if _csrf_ok():
        try:
            accommodation_service().decide(
                current_user,
                accommodation_id,
                "grant" in request.form,
                _date(request.form.get("expires_on")),
                request.form.get("comment") or "",
                _now(),
            )
            flash(_("The decision was recorded."), "success")
        except DomainError as err:
            _flash_error(err)
    return redirect(url_for("face_appeals.accommodation_queue"))


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


# -- providers -----------------------------------------------------------------------------


@bp.route("/attendance", methods=["GET", "POST"])
@role_required(Role.PROVIDER_STAFF)
def attendance():
    service = accommodation_service()
    today = beijing_date(_now())
    active = service.attendance_learners(current_user, today)
    form = AttendanceForm()
    form.accommodation_id.choices = [
        SelectChoice(a.id, f"{a.learner.name} · {_class_name(a.class_id)}") for a in active
    ]
    form.lesson_id.choices = _lesson_choices({a.class_id for a in active})
    status = 200
    if request.method == "POST":
        chosen = next(
            (a for a in active if a.id == _int(request.form.get("accommodation_id"))), None
        )
        try:
            if not _csrf_ok():
                raise DomainError("csrf_failed", _l("The page expired. Reload it and try again."))
            service.record_attendance(
                current_user,
                chosen.learner_id if chosen else None,
                chosen.class_id if chosen else None,
                _int(request.form.get("lesson_id")),
                _date(request.form.get("day")),
                _int(request.form.get("minutes")),
                request.form.get("staff_name") or "",
                _now(),
            )
        except DomainError as err:
            _flash_error(err)
            status = err.status
        else:
            flash(_("Attendance recorded and credited."), "success")
            return redirect(url_for("face_appeals.attendance"))
    return render_template(
        "faces/appeals_attendance.html",
        active=active,
        form=form,
        records=service.records(class_ids={a.class_id for a in active} or None),
        class_name=_class_name,
    ), status


def _lesson_choices(class_ids: set[int]) -> list[SelectChoice]:
    """The lessons of the courses of these classes, as "class · lesson" choices."""
    from skilltrace.courses.models import TrainingClass

    choices = []
    for class_id in sorted(class_ids):
        class_ = db.session.get(TrainingClass, class_id)
        for lesson in class_.course.lessons:
            choices.append(SelectChoice(lesson.id, f"{class_.name} · {lesson.title}"))
    return choices


def _class_name(class_id: int) -> str:
    from skilltrace.courses.models import TrainingClass

    found = db.session.get(TrainingClass, class_id)
    return found.name if found else str(class_id)


def init_app(app: Flask) -> None:
    """Blueprint, nav entries, home panels and template helpers."""
    from skilltrace.identity.views import HOME_PANELS
    from skilltrace.web import add_nav

    app.register_blueprint(bp)
    add_nav((Role.LEARNER,), "face_appeals.my_checks", _l("My face checks"))
    add_nav((Role.REGULATOR,), "face_appeals.appeal_queue", _l("Check appeals"))
    add_nav((Role.PROVIDER_STAFF,), "face_appeals.attendance", _l("Attendance"))
    for role, panel in (
        (Role.LEARNER, "faces/appeals_panel_learner.html"),
        (Role.REGULATOR, "faces/appeals_panel_regulator.html"),
    ):
        if panel not in HOME_PANELS[role]:
            HOME_PANELS[role].append(panel)
    app.add_template_global(_learner_accommodations, "face_accommodations")
    app.add_template_global(_open_appeal_count, "face_open_appeal_count")
    app.add_template_global(APPEAL_LABELS, "appeal_labels")
    app.add_template_global(ACCOMMODATION_KINDS, "accommodation_kinds")
    app.add_template_global(ACCOMMODATION_LABELS, "accommodation_labels")
    app.add_template_global(CHECK_STATUSES, "check_labels")
    app.add_template_global(CHECK_KINDS, "check_kind_labels")
    app.add_template_global(CHALLENGES, "challenge_labels")
    app.add_template_global(check_reason_text, "check_reason_text")
    app.add_template_global(_class_name, "class_name_of")


def _learner_accommodations(learner_id: int) -> list:
    return accommodation_service().of_learner(learner_id)


def _open_appeal_count(regulator: User) -> int:
    return len(appeal_service().queue(regulator)) + len(accommodation_service().queue(regulator))
