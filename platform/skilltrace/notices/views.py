"""The notices page: the latest notices, mark one or all read."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from skilltrace.identity.models import Role
from skilltrace.notices.services import latest, mark_read, render
from skilltrace.web import role_required, safe_next

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.get("/")
@role_required(*Role)
def index():
    return render_template("notices/index.html", notices=latest(current_user.id), render=render)


@bp.post("/read")
@role_required(*Role)
def read():
    mark_read(current_user.id, request.form.get("notice_id", type=int))
    return redirect(safe_next(request.form.get("next")) or url_for("notices.index"))
