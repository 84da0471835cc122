"""Courses and classes: providers publish video courses, regulators approve them (备案),
providers open classes (开班备案), learners join them.

For the study domain — the one call, and the crediting switch::

    from skilltrace.courses import study_access, crediting_allowed

    access = study_access(learner, lesson_id, today=None, class_id=None)
    # -> StudyAccess(lesson, class_, course, provider), or raises DomainError:
    #    lesson_not_found (404); not_in_class, provider_suspended, course_not_approved,
    #    class_not_open (403). ``today`` defaults to today in Asia/Shanghai.
    crediting_allowed(class_, today=None) -> bool
    # False once the class is not open (approved, start <= today <= end), its course is not
    # approved, or its provider is suspended/blacklisted: running classes stop crediting.
    study_refusals([(key, learner_id, lesson_id), ...], today) -> {key: error code}
    # study_access's verdict for many sessions in two queries per thousand (refused only).

(The first two are also importable from ``skilltrace.courses.services``.) Lesson facts for
crediting: ``Lesson.duration_s`` (probed with OpenCV), ``Course.required_tenths`` (学时 × 10)
and the ``MINUTES_PER_HOUR_UNIT`` setting. The learner's lesson page includes every template
in ``skilltrace.courses.views.learner.LESSON_PANELS`` (context: lesson, class_, course,
access) — that is where study adds its supervised player. Lesson videos are served at
``url_for("courses.lesson_video", lesson_id=...)`` (Range requests; members of an open class,
the provider's staff and regulators in scope only).

Workflow decisions: editing an approved course (fields, lessons or quizzes) puts it back to
**draft** (recorded as ``revise``); its classes stop until it is submitted and approved again.
A submitted course is locked until withdrawn. A lesson removed from a course that has had
classes is retired (kept for the record), otherwise deleted with its file. A class is approved
on or before its start date. Roster import adds registered learners and reserves seats for
people not registered yet (no account is made without their consent): the seat becomes a
membership when they register and open "My classes".
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from skilltrace.courses.classes import StudyAccess, crediting_allowed, study_access
from skilltrace.courses.refusals import study_refusals

__all__ = ["StudyAccess", "crediting_allowed", "init_app", "study_access", "study_refusals"]


def init_app(app: Flask) -> None:
    from skilltrace import demo, web
    from skilltrace.courses import api, models, views  # noqa: F401
    from skilltrace.courses.demo import seed_courses
    from skilltrace.courses.labels import template_globals
    from skilltrace.identity.models import Role
    from skilltrace.identity.views import HOME_PANELS

    views.register(app)
    app.register_blueprint(api.bp)
    app.context_processor(lambda: {**template_globals(), "courses_panel": views.panel_data})

    web.add_nav((Role.PROVIDER_STAFF,), "courses.provider_courses", _l("Courses"))
    web.add_nav((Role.PROVIDER_STAFF,), "courses.provider_classes", _l("Classes"))
    web.add_nav((Role.REGULATOR,), "courses.review_courses", _l("Course reviews"))
    web.add_nav((Role.REGULATOR,), "courses.review_classes", _l("Class approvals"))
    web.add_nav((Role.REGULATOR,), "courses.providers", _l("Providers"))
    web.add_nav((Role.LEARNER,), "courses.my_classes", _l("My classes"))
    for role, panel in (
        (Role.PROVIDER_STAFF, "courses/_panel_provider.html"),
        (Role.REGULATOR, "courses/_panel_review.html"),
        (Role.LEARNER, "courses/_panel_learner.html"),
    ):
        if panel not in HOME_PANELS[role]:
            HOME_PANELS[role].append(panel)
    if not any(name == "courses" for _o, name, _s in demo.SEED_STEPS):
        demo.SEED_STEPS.append((20, "courses", seed_courses))
