"""Programme categories of classes (重点群体 …): set by regulators, counted in the report."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, utcnow
from skilltrace.oversight.models import ClassCategory
from skilltrace.oversight.services import overseen_cities, oversees
from skilltrace.oversight.targets import CATEGORIES
from skilltrace.oversight.views import bp
from skilltrace.web import role_required


def classes_in_scope(limit: int = 300) -> list:
    from skilltrace.courses.models import TrainingClass

    stmt = (
        select(TrainingClass)
        .join(Provider, Provider.id == TrainingClass.provider_id)
        .order_by(TrainingClass.id.desc())
        .limit(limit)
    )
    cities = overseen_cities(current_user)
    if cities is not None:
        stmt = stmt.where(Provider.city_code.in_(cities))
    return list(db.session.scalars(stmt))


@bp.route("/categories", methods=["GET", "POST"])
@role_required(Role.REGULATOR, Role.ADMIN)
def categories():
    from skilltrace.courses.models import TrainingClass

    if request.method == "POST":
        class_id = request.form.get("class_id", type=int)
        class_ = db.session.get(TrainingClass, class_id) if class_id else None
        category = request.form.get("category", "")
        if class_ is None or not oversees(current_user, class_.provider):
            flash(_("No such class or provider in your scope."), "error")
        elif category not in CATEGORIES and category != "":
            flash(_("Choose a category."), "error")
        else:
            row = db.session.get(ClassCategory, class_.id)
            if category == "":
                if row is not None:
                    db.session.delete(row)
            else:
                row = row or ClassCategory(class_id=class_.id)
                row.category, row.set_by_id, row.set_at = category, current_user.id, utcnow()
                db.session.add(row)
            db.session.commit()
            flash(_("Category saved."), "success")
        return redirect(url_for("oversight.categories"))
    found = classes_in_scope()
    chosen = dict(
        db.session.execute(
            select(ClassCategory.class_id, ClassCategory.category).where(
                ClassCategory.class_id.in_([c.id for c in found])
            )
        ).all()
    )
    return render_template(
        "oversight/categories.html", classes=found, chosen=chosen, categories=CATEGORIES
    )
