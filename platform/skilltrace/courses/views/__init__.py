"""Course pages: provider (courses, lessons, classes, rosters), regulator (reviews, class
approvals, provider status), learner (my classes, lessons, quizzes) and the video route."""

from __future__ import annotations

from flask import Blueprint, abort, flash

from skilltrace.errors import DomainError
from skilltrace.extensions import db

bp = Blueprint("courses", __name__)


def get_or_404(model, ident: int):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def form_error(form, err: DomainError) -> None:
    """Show a refusal next to its field, or as a flash message; roll back the session."""
    db.session.rollback()
    field = getattr(form, err.field, None) if (form is not None and err.field) else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(err.message)]
    else:
        flash(str(err.message), "error")


def register(app) -> None:
    from skilltrace.courses.views import learner, provider, regulator, video  # noqa: F401

    app.register_blueprint(bp)


def panel_data(user) -> dict:
    """Figures for the role-home panels (computed only when a panel is rendered)."""
    from skilltrace.courses.classes import class_service
    from skilltrace.courses.services import course_service
    from skilltrace.identity.models import Role

    if user.role == Role.REGULATOR:
        return {
            "courses": len(course_service().review_queue(user)),
            "classes": len(class_service().approval_queue(user)),
        }
    if user.role == Role.LEARNER:
        service = class_service()
        service.claim_invites(user)
        from skilltrace.courses.progress import class_progress

        classes = service.visible_classes(user)
        return {"classes": classes, "progress": {c.id: class_progress(user.id, c) for c in classes}}
    courses = course_service().visible_courses(user)
    return {
        "by_status": {
            s: sum(c.status == s for c in courses)
            for s in ("draft", "submitted", "approved", "rejected")
        },
        "classes": len(class_service().visible_classes(user)),
    }
