"""The public list of sanctioned institutions (曝光): no login needed."""

from __future__ import annotations

from flask import Blueprint, render_template

from skilltrace.oversight.sanctions import LEVEL_LABELS, public_list

bp = Blueprint("oversight_public", __name__)


@bp.get("/sanctioned")
def sanctioned():
    return render_template("oversight/public.html", sanctions=public_list(), levels=LEVEL_LABELS)
