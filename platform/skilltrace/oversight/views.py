"""Regulator pages: look a learner up, see their ledger, face checks and trace."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from skilltrace.identity.models import Role
from skilltrace.oversight.services import (
    face_checks,
    find_learner,
    learner_trace,
    visible_learner,
    window,
)
from skilltrace.web import role_required

bp = Blueprint("oversight", __name__, url_prefix="/oversight")


@bp.get("/learners")
@role_required(Role.REGULATOR)
def search():
    query = request.args.get("q", "").strip()
    learner = find_learner(current_user, query) if query else None
    return render_template("oversight/search.html", query=query, learner=learner)


@bp.get("/learners/<int:learner_id>")
@role_required(Role.REGULATOR)
def learner(learner_id: int):
    from skilltrace.study.reports import learner_ledger

    person = visible_learner(current_user, learner_id)
    seen = window(current_user, person.id)
    since = request.args.get("since", "0")
    return render_template(
        "oversight/learner.html",
        learner=person,
        ledger=learner_ledger(person.id, seen.course_ids),
        checks=face_checks(person.id, seen=seen),
        trace=learner_trace(person.id, int(since) if since.isdigit() else 0, seen=seen),
    )
