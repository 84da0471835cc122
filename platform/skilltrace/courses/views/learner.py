"""Learner pages: my classes (join by code), a class's lessons, a lesson, its quiz."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from skilltrace.courses.classes import (
    class_service,
    crediting_allowed,
    is_member,
    local_today,
    study_access,
)
from skilltrace.courses.forms import JoinForm
from skilltrace.courses.models import QuizAttempt, TrainingClass
from skilltrace.courses.progress import class_progress
from skilltrace.courses.rules import class_open
from skilltrace.courses.views import bp, form_error, get_or_404
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.web import role_required

learner_only = role_required(Role.LEARNER)

# Templates other domains add to the lesson page; each is included with ``lesson``,
# ``class_``, ``course`` and ``access`` in its context.
LESSON_PANELS: list[str] = []
# The supervised player (study domain); when registered, lessons link there: only study
# through it records learning hours.
STUDY_PLAYER = "study.lesson_player"


def study_player_url(lesson_id: int) -> str | None:
    if STUDY_PLAYER in current_app.view_functions:
        return url_for(STUDY_PLAYER, lesson_id=lesson_id)
    return None


def lesson_url(class_id: int, lesson_id: int) -> str:
    """Where a lesson of a class is studied: the supervised player, else the plain page."""
    return study_player_url(lesson_id) or url_for(
        "courses.lesson", class_id=class_id, lesson_id=lesson_id
    )


def my_class(class_id: int) -> TrainingClass:
    class_ = get_or_404(TrainingClass, class_id)
    if not is_member(current_user, class_.id):
        abort(403)
    return class_


@bp.route("/learner/classes", methods=["GET", "POST"])
@learner_only
def my_classes():
    service = class_service()
    form = JoinForm()
    status = 200
    if form.validate_on_submit():
        try:
            class_, new = service.join(current_user, form.code.data)
        except DomainError as err:
            form_error(form, err)
            status = err.status
        else:
            flash(
                _("You joined class “%(name)s”.", name=class_.name)
                if new
                else _("You are already in class “%(name)s”.", name=class_.name),
                "success",
            )
            return redirect(url_for("courses.class_lessons", class_id=class_.id))
    claimed = service.claim_invites(current_user)
    if claimed:
        flash(_("Your provider enrolled you in %(n)s class(es).", n=claimed), "success")
    today = local_today()
    return render_template(
        "courses/my_classes.html",
        classes=service.visible_classes(current_user),
        form=form,
        is_open=lambda c: class_open(c.status, c.start_date, c.end_date, today),
    ), status


@bp.get("/learner/classes/<int:class_id>")
@learner_only
def class_lessons(class_id: int):
    class_ = my_class(class_id)
    today = local_today()
    passed = set(
        db.session.scalars(
            select(QuizAttempt.lesson_id).where(
                QuizAttempt.learner_id == current_user.id,
                QuizAttempt.class_id == class_.id,
                QuizAttempt.passed.is_(True),
            )
        )
    )
    return render_template(
        "courses/class_lessons.html",
        class_=class_,
        course=class_.course,
        open_now=crediting_allowed(class_, today),
        passed=passed,
        lesson_url=lesson_url,
        progress=class_progress(current_user.id, class_),
    )


def _access(class_id: int, lesson_id: int):
    class_ = my_class(class_id)
    try:
        access = study_access(current_user, lesson_id, class_id=class_.id)
    except DomainError as err:
        flash(str(err.message), "error")
        return None, redirect(url_for("courses.class_lessons", class_id=class_.id))
    return access, None


@bp.get("/learner/classes/<int:class_id>/lessons/<int:lesson_id>")
@learner_only
def lesson(class_id: int, lesson_id: int):
    access, refusal = _access(class_id, lesson_id)
    if refusal:
        return refusal
    lessons = access.course.lessons
    index = lessons.index(access.lesson)
    return render_template(
        "courses/lesson.html",
        access=access,
        lesson=access.lesson,
        class_=access.class_,
        course=access.course,
        previous=lessons[index - 1] if index > 0 else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
        panels=LESSON_PANELS,
        study_url=study_player_url(access.lesson.id),
    )


@bp.route("/learner/classes/<int:class_id>/lessons/<int:lesson_id>/quiz", methods=["GET", "POST"])
@learner_only
def quiz(class_id: int, lesson_id: int):
    access, refusal = _access(class_id, lesson_id)
    if refusal:
        return refusal
    questions = access.lesson.questions
    if not questions:
        abort(404)
    attempt, status = None, 200
    if request.method == "POST":
        answers = [request.form.get(f"q{q.id}", type=int) for q in questions]
        try:
            attempt = class_service().answer_quiz(current_user, lesson_id, answers)
        except DomainError as err:
            form_error(None, err)
            status = err.status
    return render_template(
        "courses/quiz.html",
        access=access,
        lesson=access.lesson,
        class_=access.class_,
        questions=questions,
        attempt=attempt,
        pass_percent=round(current_app.config["QUIZ_PASS_RATIO"] * 100),
    ), status
