"""Regulators' queries: find a learner, their attested ledger and their verifiable trace."""

from __future__ import annotations

from flask import g, request

from skilltrace.api.frame import api_auth, api_blueprint, json_body
from skilltrace.api.openapi import responses
from skilltrace.identity.models import Role
from skilltrace.oversight.lists import (
    CLASS_STATES,
    COUNT_CAP,
    COURSE_STATES,
    LEARNER_STATES,
    Page,
    mask_mobile,
    parse_filters,
    search_classes,
    search_courses,
    search_learners,
)
from skilltrace.oversight.services import find_learner, learner_trace, visible_learner, window

bp = api_blueprint("oversight_api", __name__)


def learner_json(learner) -> dict:
    return {
        "id": learner.id,
        "name": learner.name,
        "id_number": learner.id_number_masked,
        "mobile": mask_mobile(learner.mobile),
    }


def page_json(page: Page) -> dict:
    return {
        "total": min(page.total, COUNT_CAP),
        "total_is_lower_bound": page.capped,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
    }


@bp.get("/learners")
@api_auth(Role.REGULATOR, Role.PROVIDER_STAFF)
@responses({200: "Learners in scope, one page", 422: "A filter value is not valid"})
def search():
    """Learners in my scope: ``q`` (part of the name, mobile or masked ID number; a full ID
    number finds its holder), ``provider class course state from until page per_page``."""
    viewer = g.api_user
    filters = parse_filters(request.args, LEARNER_STATES)
    exact = find_learner(viewer, filters.q) if len(filters.q) == 18 else None
    if exact is not None:
        return {"learners": [learner_json(exact)], **page_json(Page([exact], 1))}
    page = search_learners(viewer, filters)
    return {
        "learners": [
            {
                **learner_json(user),
                "last_study": last.isoformat() if last else None,
                "flagged": bool(flagged),
            }
            for user, last, flagged in page.items
        ],
        **page_json(page),
    }


@bp.get("/lists/classes")
@api_auth(Role.REGULATOR, Role.PROVIDER_STAFF, Role.ADMIN)
@responses({200: "Classes in scope, one page", 422: "A filter value is not valid"})
def classes():
    """Classes in my scope: ``q`` (name or code) ``provider course city state from until``."""
    page = search_classes(g.api_user, parse_filters(request.args, CLASS_STATES))
    return {
        "classes": [
            {
                "id": class_.id,
                "name": class_.name,
                "status": class_.status,
                "start_date": class_.start_date.isoformat(),
                "end_date": class_.end_date.isoformat(),
                "members": members,
                "provider": {"id": provider.id, "name": provider.name, "city": provider.city_code},
                "course": {"id": course.id, "title": course.title},
            }
            for class_, provider, course, members in page.items
        ],
        **page_json(page),
    }


@bp.get("/lists/courses")
@api_auth(Role.REGULATOR, Role.PROVIDER_STAFF, Role.ADMIN)
@responses({200: "Courses in scope, one page", 422: "A filter value is not valid"})
def courses():
    """Courses in my scope: ``q`` (title or occupation) ``provider city state page``."""
    page = search_courses(g.api_user, parse_filters(request.args, COURSE_STATES))
    return {
        "courses": [
            {
                "id": course.id,
                "title": course.title,
                "occupation": course.occupation,
                "status": course.status,
                "required_hours": course.required_tenths / 10,
                "provider": {"id": provider.id, "name": provider.name, "city": provider.city_code},
            }
            for course, provider in page.items
        ],
        **page_json(page),
    }


@bp.get("/learners/<int:learner_id>/ledger")
@api_auth(Role.REGULATOR)
@responses({200: "Attested ledger", 404: "Not in scope"})
def ledger(learner_id: int):
    """A learner's attested learning time and 学时 per course."""
    from skilltrace.study.reports import learner_ledger

    learner = visible_learner(g.api_user, learner_id)
    seen = window(g.api_user, learner.id)
    return {"learner": learner_json(learner), **learner_ledger(learner.id, seen.course_ids)}


@bp.get("/learners/<int:learner_id>/trace")
@api_auth(Role.REGULATOR)
@responses({200: "Trace events and the chain's verification", 404: "Not in scope"})
def trace(learner_id: int):
    """A learner's hash-chained trace (``?since=SEQ&limit=N``) and whether the chain is intact."""
    learner = visible_learner(g.api_user, learner_id)
    page = learner_trace(
        learner.id,
        max(0, request.args.get("since", 0, type=int)),
        max(0, request.args.get("limit", 200, type=int)),
        window(g.api_user, learner.id),
    )
    return {
        "learner": learner_json(learner),
        "chain": {"intact": page.chain_ok, "events": page.chain_events, "broken": page.broken},
        "events": page.events,
    }


@bp.get("/classes/<int:class_id>/progress")
@api_auth(Role.REGULATOR, Role.PROVIDER_STAFF)
@responses({200: "Every member's progress", 404: "Not in scope"})
def class_progress(class_id: int):
    """A class's members with attested 学时, coverage per lesson, last study and checks."""
    from skilltrace.oversight.progress import class_in_view, class_lessons
    from skilltrace.oversight.progress import class_progress as progress_rows

    class_ = class_in_view(g.api_user, class_id)
    lessons = class_lessons(class_)
    return {
        "class": {"id": class_.id, "name": class_.name, "course_id": class_.course_id},
        "lessons": [{"id": lesson.id, "title": lesson.title} for lesson in lessons],
        "learners": [
            {
                "learner_id": row.learner_id,
                "name": row.name,
                "id_number": row.id_number_masked,
                "credited_seconds": row.credited_seconds,
                "attested_hours": row.attested_hours,
                "required_hours": row.required_hours,
                "coverage": list(row.coverage),
                "lessons_completed": row.lessons_completed,
                "completed": row.completed,
                "last_study": row.last_study.isoformat() if row.last_study else None,
                "failed_checks": row.failed_checks,
                "missed_checks": row.missed_checks,
                "open_appeals": row.open_appeals,
                "overturned_appeals": row.overturned_appeals,
            }
            for row in progress_rows(class_, lessons)
        ],
    }


# -- warnings and spot checks -----------------------------------------------------------------


def warning_json(row) -> dict:
    return {
        "id": row.id,
        "code": row.code,
        "severity": row.severity,
        "subject": row.subject,
        "city_code": row.city_code,
        "provider_id": row.provider_id,
        "class_id": row.class_id,
        "figures": row.figures,
        "learner_ids": row.learner_ids,
        "event_ids": row.event_ids,
        "status": row.status,
        "first_seen_at": row.first_seen_at.isoformat(),
        "last_seen_at": row.last_seen_at.isoformat(),
    }


@bp.get("/oversight/warnings")
@api_auth(Role.REGULATOR, Role.ADMIN)
@responses({200: "Open warnings in my scope, most severe first (``?code=``)"})
def warnings():
    """The warning rules' findings in my scope, with the learners and trace events behind them."""
    from skilltrace.extensions import db
    from skilltrace.oversight.models import OversightWarning
    from skilltrace.oversight.warnings import severity_order, warning_query

    stmt = warning_query(g.api_user).where(OversightWarning.status == "open")
    if request.args.get("code"):
        stmt = stmt.where(OversightWarning.code == request.args["code"])
    rows = db.session.scalars(stmt.order_by(severity_order(), OversightWarning.id).limit(500))
    return {"warnings": [warning_json(row) for row in rows]}


SPOT_CHECK_SCHEMA = {
    "required": ["target_kind", "target_id", "ratio"],
    "properties": {
        "target_kind": {"type": "string", "maxLength": 12, "description": "class or provider"},
        "target_id": {"type": "integer"},
        "ratio": {"type": "number", "description": "Share to draw, more than 0 and at most 1"},
        "seed": {"type": "string", "maxLength": 64, "description": "Empty: a random one"},
    },
}


@bp.post("/oversight/spot-checks")
@api_auth(Role.REGULATOR, Role.ADMIN)
@json_body(SPOT_CHECK_SCHEMA)
@responses({201: "Sample drawn and recorded", 404: "Not in scope", 409: "Nobody to sample"})
def draw_spot_check(body: dict):
    """Draw a sample by ratio with a recorded seed: the same seed draws the same learners."""
    from skilltrace.oversight.spotchecks import draw

    spot = draw(
        g.api_user, body["target_kind"], body["target_id"], float(body["ratio"]), body.get("seed")
    )
    return {
        "id": spot.id,
        "seed": spot.seed,
        "population": spot.population,
        "learner_ids": [item.learner_id for item in spot.items],
    }, 201
