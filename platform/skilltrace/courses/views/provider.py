"""Provider pages: courses, lessons (upload with progress), quizzes, submission, classes."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from skilltrace.courses.classes import class_service, local_today, seats_taken
from skilltrace.courses.forms import ClassForm, CourseForm, LessonForm, QuestionForm, RosterForm
from skilltrace.courses.messages import refuse
from skilltrace.courses.models import Course, Lesson, QuizQuestion, TrainingClass
from skilltrace.courses.roster import roster_importer
from skilltrace.courses.roster import roster_template as roster_template_file
from skilltrace.courses.rules import required_seconds
from skilltrace.courses.services import CourseData, course_service, is_staff_of
from skilltrace.courses.views import bp, form_error, get_or_404
from skilltrace.errors import DomainError
from skilltrace.extensions import csrf, db
from skilltrace.identity.models import Role
from skilltrace.web import role_required

staff_only = role_required(Role.PROVIDER_STAFF)


def own(model, ident: int):
    """Load a course/class/lesson/question of the current staff member's provider, or 403."""
    obj = get_or_404(model, ident)
    course = {Lesson: lambda o: o.course, QuizQuestion: lambda o: o.lesson.course}.get(
        model, lambda o: o
    )(obj)
    if not is_staff_of(current_user, course.provider_id):
        abort(403)
    return obj


def course_data(form: CourseForm) -> CourseData:
    return CourseData(
        form.title.data,
        form.occupation.data,
        form.skill_level.data,
        form.description.data or "",
        form.hours.data,
    )


@bp.get("/provider/courses")
@staff_only
def provider_courses():
    courses = course_service().visible_courses(current_user)
    status = request.args.get("status", "")
    if status in {"draft", "submitted", "approved", "rejected"}:
        courses = [c for c in courses if c.status == status]
    return render_template("courses/provider_courses.html", courses=courses, status=status)


@bp.route("/provider/courses/new", methods=["GET", "POST"])
@staff_only
def new_course():
    form = CourseForm()
    if form.validate_on_submit():
        try:
            course = course_service().create_course(current_user, course_data(form))
        except DomainError as err:
            form_error(form, err)
        else:
            flash(_("The course is created. Now upload its lessons."), "success")
            return redirect(url_for("courses.edit_course", course_id=course.id))
    return render_template("courses/course_new.html", form=form)


@bp.route("/provider/courses/<int:course_id>", methods=["GET", "POST"])
@staff_only
def edit_course(course_id: int):
    course = own(Course, course_id)
    form = CourseForm(obj=None if request.method == "POST" else course)
    if request.method == "GET":
        form.hours.data = str(course.required_hours)
    if form.validate_on_submit():
        try:
            course_service().update_course(current_user, course, course_data(form))
        except DomainError as err:
            form_error(form, err)
        else:
            flash(_("The course is saved."), "success")
            return redirect(url_for("courses.edit_course", course_id=course.id))
    minutes = current_app.config["MINUTES_PER_HOUR_UNIT"]
    return render_template(
        "courses/course_edit.html",
        course=course,
        form=form,
        lesson_form=LessonForm(formdata=None),
        needed_s=required_seconds(course.required_tenths, minutes),
        max_bytes=current_app.config["COURSE_VIDEO_MAX_BYTES"],
    )


@csrf.exempt
@bp.post("/provider/courses/<int:course_id>/lessons")
@staff_only
def upload_lesson(course_id: int):
    """Upload fallback without JavaScript (the page's script uses the API with progress)."""
    course = own(Course, course_id)
    back = redirect(url_for("courses.edit_course", course_id=course.id))
    request.max_content_length = current_app.config["COURSE_VIDEO_MAX_BYTES"]
    try:
        token, video = request.form.get("csrf_token", ""), request.files.get("video")
    except RequestEntityTooLarge:
        flash(_("The video is larger than the upload limit."), "error")
        return back
    try:
        validate_csrf(token)
    except ValidationError:
        abort(400)
    try:
        if video is None or not video.filename:
            raise refuse("video_missing", field="video")
        lesson = course_service().add_lesson(
            current_user, course, request.form.get("title", ""), video.stream, video.filename
        )
    except DomainError as err:
        form_error(None, err)
    else:
        flash(_("Lesson “%(title)s” is uploaded.", title=lesson.title), "success")
    return back


@bp.post("/provider/lessons/<int:lesson_id>/move")
@staff_only
def move_lesson(lesson_id: int):
    lesson = own(Lesson, lesson_id)
    course_id = lesson.course_id
    try:
        course_service().move_lesson(current_user, lesson, -1 if request.form.get("up") else 1)
    except DomainError as err:
        form_error(None, err)
    return redirect(url_for("courses.edit_course", course_id=course_id))


@bp.post("/provider/lessons/<int:lesson_id>/remove")
@staff_only
def remove_lesson(lesson_id: int):
    lesson = own(Lesson, lesson_id)
    course_id = lesson.course_id
    try:
        course_service().remove_lesson(current_user, lesson)
    except DomainError as err:
        form_error(None, err)
    else:
        flash(_("The lesson is removed."), "success")
    return redirect(url_for("courses.edit_course", course_id=course_id))


@bp.route("/provider/lessons/<int:lesson_id>/quiz", methods=["GET", "POST"])
@staff_only
def edit_quiz(lesson_id: int):
    lesson = own(Lesson, lesson_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            course_service().add_question(
                current_user,
                lesson,
                form.prompt.data,
                form.options.data.splitlines(),
                (form.answer.data or 0) - 1,
            )
        except DomainError as err:
            form_error(form, err)
        else:
            flash(_("The question is added."), "success")
            return redirect(url_for("courses.edit_quiz", lesson_id=lesson.id))
    return render_template("courses/quiz_edit.html", lesson=lesson, form=form)


@bp.post("/provider/questions/<int:question_id>/remove")
@staff_only
def remove_question(question_id: int):
    question = own(QuizQuestion, question_id)
    lesson_id = question.lesson_id
    try:
        course_service().remove_question(current_user, question)
    except DomainError as err:
        form_error(None, err)
    return redirect(url_for("courses.edit_quiz", lesson_id=lesson_id))


@bp.post("/provider/courses/<int:course_id>/<any(submit, withdraw):action>")
@staff_only
def course_action(course_id: int, action: str):
    course = own(Course, course_id)
    service = course_service()
    try:
        getattr(service, action)(current_user, course)
    except DomainError as err:
        form_error(None, err)
    else:
        flash(
            _("The course is submitted for approval.")
            if action == "submit"
            else _("The course is back in draft."),
            "success",
        )
    return redirect(url_for("courses.edit_course", course_id=course_id))


@bp.route("/provider/classes", methods=["GET", "POST"])
@staff_only
def provider_classes():
    service = class_service()
    approved = [c for c in course_service().visible_courses(current_user) if c.status == "approved"]
    form = ClassForm()
    form.course.choices = [SelectChoice(c.id, c.title) for c in approved]
    if request.method == "GET":
        form.start_date.data = form.start_date.data or local_today()
    if form.validate_on_submit():
        course = own(Course, form.course.data)
        try:
            class_ = service.open_class(
                current_user,
                course,
                form.name.data,
                form.start_date.data,
                form.end_date.data,
                form.capacity.data,
            )
        except DomainError as err:
            form_error(form, err)
        else:
            flash(_("The class is opened and waits for approval."), "success")
            return redirect(url_for("courses.class_detail", class_id=class_.id))
    return render_template(
        "courses/provider_classes.html",
        classes=service.visible_classes(current_user),
        form=form,
        has_courses=bool(approved),
        seats_taken=seats_taken,
    )


@bp.route("/provider/classes/<int:class_id>", methods=["GET", "POST"])
@staff_only
def class_detail(class_id: int):
    class_ = own(TrainingClass, class_id)
    form = RosterForm()
    report = None
    status = 200
    if form.validate_on_submit():
        upload = form.roster.data
        try:
            if not upload or not upload.filename:
                raise refuse("roster_empty", field="roster")
            report = roster_importer().run(current_user, class_, upload.filename, upload.read())
        except DomainError as err:
            form_error(form, err)
            status = err.status
        db.session.refresh(class_)
    return render_template(
        "courses/class_detail.html",
        class_=class_,
        form=form,
        report=report,
        seats=seats_taken(class_),
        members=class_.members,
        invites=class_.invites,
    ), status


@bp.get("/provider/roster-template.<fmt>")
@staff_only
def roster_template(fmt: str):
    """An empty roster with the expected header row (XLSX or CSV)."""
    if fmt not in ("xlsx", "csv"):
        abort(404)
    data, mimetype = roster_template_file(fmt)
    return current_app.response_class(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=roster-template.{fmt}"},
    )
