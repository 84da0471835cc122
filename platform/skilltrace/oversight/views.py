"""Regulator and provider pages: find learners, classes and courses in scope; a learner's
ledger, face checks and trace; a class's roster and progress."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from skilltrace.identity.models import Role
from skilltrace.oversight.lists import (
    CLASS_STATES,
    COURSE_STATES,
    LEARNER_STATES,
    mask_mobile,
    parse_filters,
    search_classes,
    search_courses,
    search_learners,
)
from skilltrace.oversight.services import (
    enrolled_photo_id,
    face_checks,
    find_learner,
    learner_trace,
    visible_learner,
    window,
)
from skilltrace.regions import SHAANXI_CITIES
from skilltrace.web import role_required

bp = Blueprint("oversight", __name__, url_prefix="/oversight")
PROGRESS_PAGE = 200
MAX_PAGE = 100_000


def _filters(states):
    from skilltrace.errors import DomainError

    try:
        return parse_filters(request.args, states), None
    except DomainError as err:
        return parse_filters({}, states), str(err.message)


def _args_without_page() -> dict:
    return {k: v for k, v in request.args.items() if k != "page" and v}


@bp.get("/learners")
@role_required(Role.REGULATOR, Role.PROVIDER_STAFF)
def search():
    filters, error = _filters(LEARNER_STATES)
    exact = find_learner(current_user, filters.q) if len(filters.q) == 18 else None
    page = None if exact else search_learners(current_user, filters)
    return render_template(
        "oversight/search.html",
        filters=filters,
        error=error,
        exact=exact,
        page=page,
        states=LEARNER_STATES,
        mask_mobile=mask_mobile,
        args=_args_without_page(),
    )


@bp.get("/classes")
@role_required(Role.REGULATOR, Role.PROVIDER_STAFF, Role.ADMIN)
def classes():
    filters, error = _filters(CLASS_STATES)
    return render_template(
        "oversight/classes.html",
        filters=filters,
        error=error,
        page=search_classes(current_user, filters),
        states=CLASS_STATES,
        cities=SHAANXI_CITIES,
        args=_args_without_page(),
    )


@bp.get("/courses")
@role_required(Role.REGULATOR, Role.PROVIDER_STAFF, Role.ADMIN)
def courses():
    filters, error = _filters(COURSE_STATES)
    return render_template(
        "oversight/courses.html",
        filters=filters,
        error=error,
        page=search_courses(current_user, filters),
        states=COURSE_STATES,
        cities=SHAANXI_CITIES,
        args=_args_without_page(),
    )


@bp.get("/learners/<int:learner_id>")
@role_required(Role.REGULATOR)
def learner(learner_id: int):
    from skilltrace.study.reports import learner_ledger

    person = visible_learner(current_user, learner_id)
    seen = window(current_user, person.id)
    since = max(0, request.args.get("since", 0, type=int))
    return render_template(
        "oversight/learner.html",
        learner=person,
        ledger=learner_ledger(person.id, seen.course_ids),
        checks=face_checks(person.id, seen=seen),
        trace=learner_trace(person.id, since, seen=seen),
        enrolled_photo=enrolled_photo_id(person.id),
        **readable_helpers(),
    )


def readable_helpers() -> dict:
    from skilltrace.faces.messages import engine_message
    from skilltrace.oversight import readable
    from skilltrace.study.labels import check_reason_text

    return {
        "beijing": readable.beijing,
        "label": readable.label,
        "check_kinds": readable.CHECK_KINDS,
        "check_statuses": readable.CHECK_STATUSES,
        "distances_text": readable.distances_text,
        "engine_message": engine_message,
        "check_reason_text": check_reason_text,
    }


@bp.get("/classes/<int:class_id>")
@role_required(Role.REGULATOR, Role.PROVIDER_STAFF)
def class_progress(class_id: int):
    from itertools import islice

    from skilltrace.oversight.progress import class_in_view, class_lessons
    from skilltrace.oversight.progress import class_progress as progress_rows

    class_ = class_in_view(current_user, class_id)
    lessons = class_lessons(class_)
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    start = (page - 1) * PROGRESS_PAGE
    rows = list(islice(progress_rows(class_, lessons), start, start + PROGRESS_PAGE + 1))
    return render_template(
        "oversight/class.html",
        class_=class_,
        lessons=lessons,
        rows=rows[:PROGRESS_PAGE],
        page=page,
        more=len(rows) > PROGRESS_PAGE,
    )


@bp.get("/classes/<int:class_id>/progress.<any(csv, xlsx):kind>")
@role_required(Role.REGULATOR, Role.PROVIDER_STAFF)
def export_progress(class_id: int, kind: str):
    from flask import Response, stream_with_context

    from skilltrace.oversight.export import csv_stream, file_blocks, xlsx_file
    from skilltrace.oversight.progress import class_in_view

    class_ = class_in_view(current_user, class_id)
    name = f"class-{class_.id}-progress.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "csv":
        body, mimetype = csv_stream(class_.id), "text/csv; charset=utf-8"
    else:
        body = file_blocks(xlsx_file(class_))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(stream_with_context(body), mimetype=mimetype, headers=headers)


@bp.get("/classes/<int:class_id>/learners/<int:learner_id>/certificate.pdf")
@role_required(Role.REGULATOR, Role.PROVIDER_STAFF)
def certificate_pdf(class_id: int, learner_id: int):
    from flask import Response, abort

    from skilltrace.courses.classes import is_member
    from skilltrace.extensions import db
    from skilltrace.identity.models import User
    from skilltrace.oversight.certificate import certificate, pdf_bytes
    from skilltrace.oversight.progress import class_in_view

    class_ = class_in_view(current_user, class_id)
    learner = db.session.get(User, learner_id)
    if learner is None or not is_member(learner, class_.id):
        abort(404)
    name = f"certificate-{class_.id}-{learner.id}.pdf"
    return Response(
        pdf_bytes(certificate(learner, class_)),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


public = Blueprint("verify", __name__)


@public.route("/verify", methods=["GET"])
def verify():
    """The public page checking a certificate's verification code against the trace."""
    from skilltrace.oversight.certificate import verify_code

    code = request.args.get("code", "").strip()[:80]
    result = verify_code(code) if code else None
    return render_template("oversight/verify.html", code=code, result=result)
