"""Regulator pages: course review queue (with video preview), class approvals, providers."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from skilltrace.courses.classes import class_service, seats_taken
from skilltrace.courses.forms import DecisionForm, StatusForm
from skilltrace.courses.models import Course, TrainingClass
from skilltrace.courses.providers import providers_in_scope, set_provider_status, status_history
from skilltrace.courses.services import course_service, regulates
from skilltrace.courses.views import bp, form_error, get_or_404
from skilltrace.errors import DomainError
from skilltrace.identity.models import Provider, Role
from skilltrace.regions import SHAANXI_CITIES, scope_label
from skilltrace.web import role_required

regulator_only = role_required(Role.REGULATOR)


def in_scope(obj):
    """403 unless the object's provider is in the current regulator's scope."""
    provider = obj if isinstance(obj, Provider) else obj.provider
    if not regulates(current_user, provider):
        abort(403)
    return obj


@bp.get("/regulator/courses")
@regulator_only
def review_courses():
    service = course_service()
    recent = [c for c in service.visible_courses(current_user) if c.status != "submitted"]
    return render_template(
        "courses/review_courses.html",
        queue=service.review_queue(current_user),
        recent=recent[:50],
        scope=scope_label(current_user.region_scope),
    )


@bp.route("/regulator/courses/<int:course_id>", methods=["GET", "POST"])
@regulator_only
def review_course(course_id: int):
    course = in_scope(get_or_404(Course, course_id))
    form = DecisionForm()
    status = 200
    if form.validate_on_submit():
        approve = bool(form.approve.data)
        try:
            course_service().decide(current_user, course, approve, form.comment.data or "")
        except DomainError as err:
            form_error(form, err)
            status = err.status
        else:
            flash(
                _("The course is approved.") if approve else _("The course is rejected."),
                "success",
            )
            return redirect(url_for("courses.review_courses"))
    return render_template("courses/review_course.html", course=course, form=form), status


@bp.get("/regulator/classes")
@regulator_only
def review_classes():
    service = class_service()
    queue = service.approval_queue(current_user)
    others = [c for c in service.visible_classes(current_user) if c.status != "submitted"]
    return render_template(
        "courses/review_classes.html",
        queue=queue,
        others=others[:100],
        form=DecisionForm(),
        seats_taken=seats_taken,
    )


@bp.post("/regulator/classes/<int:class_id>/decision")
@regulator_only
def decide_class(class_id: int):
    class_ = in_scope(get_or_404(TrainingClass, class_id))
    form = DecisionForm()
    if form.validate_on_submit():
        approve = bool(form.approve.data)
        try:
            class_service().decide(current_user, class_, approve, form.comment.data or "")
        except DomainError as err:
            form_error(None, err)
        else:
            flash(
                _("Class “%(name)s” is approved.", name=class_.name)
                if approve
                else _("Class “%(name)s” is rejected.", name=class_.name),
                "success",
            )
    return redirect(url_for("courses.review_classes"))


@bp.get("/regulator/providers")
@regulator_only
def providers():
    rows = providers_in_scope(current_user)
    return render_template(
        "courses/providers.html",
        providers=rows,
        history=status_history([p.id for p in rows]),
        cities=SHAANXI_CITIES,
        form=StatusForm(formdata=None),
    )


@bp.post("/regulator/providers/<int:provider_id>/status")
@regulator_only
def set_status(provider_id: int):
    provider = in_scope(get_or_404(Provider, provider_id))
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the status change."), "error")
        return redirect(url_for("courses.providers"))
    try:
        set_provider_status(current_user, provider, form.status.data, form.reason.data)
    except DomainError as err:
        form_error(None, err)
    else:
        flash(_("The status of %(name)s is changed.", name=provider.name), "success")
    return redirect(url_for("courses.providers"))
