"""API of appeals and accommodations: learners appeal checks and ask for accommodations,
regulators decide, provider staff attest in-person attendance."""

from __future__ import annotations

from datetime import date

from flask import g
from flask_babel import lazy_gettext as _l

from skilltrace.api.frame import api_auth, api_blueprint, json_body
from skilltrace.api.openapi import responses
from skilltrace.clock import current_clock
from skilltrace.errors import DomainError
from skilltrace.faces.accommodations import accommodation_service
from skilltrace.faces.appeals import Action, appeal_service
from skilltrace.identity.models import Role

bp = api_blueprint("faces_appeals_api", __name__)

APPEAL_SCHEMA = {
    "required": ["reason"],
    "properties": {
        "reason": {"type": "string", "maxLength": 2000, "description": "Why the check was wrong"}
    },
}
DECISION_SCHEMA = {
    "required": ["action", "comment"],
    "properties": {
        "action": {"type": "string", "enum": list(Action.ALL)},
        "comment": {"type": "string", "maxLength": 2000},
    },
}
ACCOMMODATION_SCHEMA = {
    "required": ["class_id", "kind", "reason"],
    "properties": {
        "class_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["match_only", "attended"]},
        "reason": {"type": "string", "maxLength": 2000},
    },
}
GRANT_SCHEMA = {
    "required": ["grant"],
    "properties": {
        "grant": {"type": "boolean"},
        "expires_on": {"type": "string", "format": "date", "description": "Needed to grant"},
        "comment": {"type": "string", "maxLength": 2000},
    },
}
ATTENDANCE_SCHEMA = {
    "required": ["learner_id", "class_id", "lesson_id", "date", "minutes", "staff_name"],
    "properties": {
        "learner_id": {"type": "integer"},
        "class_id": {"type": "integer"},
        "lesson_id": {"type": "integer"},
        "date": {"type": "string", "format": "date"},
        "minutes": {"type": "integer"},
        "staff_name": {"type": "string", "maxLength": 200},
    },
}


def _iso(value):
    return value.isoformat() if value is not None else None


def appeal_json(appeal) -> dict:
    return {
        "id": appeal.id,
        "check_id": appeal.check_id,
        "status": appeal.status,
        "reason": appeal.reason,
        "created_at": _iso(appeal.created_at),
        "proposed_at": _iso(appeal.proposed_at),
        "decided_at": _iso(appeal.decided_at),
        "decision_comment": appeal.decision_comment,
    }


def check_row_json(row) -> dict:
    check = row.check
    return {
        "id": check.id,
        "session_id": check.session_id,
        "kind": check.kind,
        "status": check.status,
        "reason": check.reason,
        "issued_at": _iso(check.issued_at),
        "decided_at": _iso(check.decided_at),
        "appealable": row.refusal is None,
        "not_appealable_because": row.refusal,
        "appeal_until": _iso(row.appeal_until),
        "appeal": appeal_json(row.appeal) if row.appeal else None,
    }


def accommodation_json(row) -> dict:
    return {
        "id": row.id,
        "class_id": row.class_id,
        "kind": row.kind,
        "status": row.status,
        "reason": row.reason,
        "requested_at": _iso(row.requested_at),
        "decided_at": _iso(row.decided_at),
        "expires_on": _iso(row.expires_on),
        "comment": row.comment,
    }


def _date(value, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DomainError("date_invalid", _l("Give a date as YYYY-MM-DD."), field=field) from None


@bp.get("/me/face/checks")
@api_auth(Role.LEARNER)
@responses({200: "My latest face checks, with whether each may be appealed and its appeal"})
def my_checks():
    """My face checks and their appeals."""
    rows = appeal_service().learner_checks(g.api_user.id, current_clock().now())
    return {"checks": [check_row_json(r) for r in rows]}


@bp.post("/me/face/checks/<int:check_id>/appeal")
@api_auth(Role.LEARNER)
@json_body(APPEAL_SCHEMA)
@responses(
    {
        201: "Appeal filed; a regulator reviews it",
        404: "check_not_found",
        409: "check_not_appealable / appeal_exists / appeal_already_decided / appeal_window_closed",
        422: "reason_invalid",
    }
)
def file_appeal(check_id: int, body: dict):
    """Appeal a failed or missed face check of mine (within APPEAL_DAYS)."""
    appeal = appeal_service().file(g.api_user, check_id, body["reason"], current_clock().now())
    return appeal_json(appeal), 201


@bp.get("/face/appeals")
@api_auth(Role.REGULATOR)
@responses({200: "Undecided appeals of learners in my scope, oldest first"})
def appeal_queue():
    """The appeal review queue."""
    return {"appeals": [appeal_json(a) for a in appeal_service().queue(g.api_user)]}


@bp.get("/face/appeals/<int:appeal_id>")
@api_auth(Role.REGULATOR, Role.LEARNER)
@responses({200: "The appeal, its check's evidence and history", 404: "appeal_not_found"})
def appeal_detail(appeal_id: int):
    """One appeal with the check's distances and liveness figures (no pictures: see the page)."""
    service = appeal_service()
    appeal = service.visible(g.api_user, appeal_id)
    check = service.check_of(appeal)
    evidence = service.evidence(check)
    return {
        **appeal_json(appeal),
        "learner_id": appeal.learner_id,
        "check": {
            "id": check.id,
            "kind": check.kind,
            "status": check.status,
            "reason": check.reason,
            "distances": evidence["distances"],
            "liveness": evidence["liveness"],
            "challenge": evidence["challenge"],
            "has_snapshot": check.snapshot_id is not None,
        },
        "history": [
            {"from": t.from_state, "to": t.to_state, "at": _iso(t.at), "comment": t.comment}
            for t in service.history(appeal)
        ],
    }


@bp.post("/face/appeals/<int:appeal_id>/decision")
@api_auth(Role.REGULATOR)
@json_body(DECISION_SCHEMA)
@responses(
    {
        200: "Decided: upheld, overturn_proposed or overturned",
        404: "appeal_not_found (or not in my scope)",
        409: "appeal_already_decided / second_reviewer_required / no_overturn_proposed / "
        "overturn_already_proposed",
        422: "action_invalid / comment_invalid",
    }
)
def decide_appeal(appeal_id: int, body: dict):
    """Uphold, propose to overturn, or (second reviewer) confirm or reject an overturn."""
    appeal = appeal_service().decide(
        g.api_user, appeal_id, body["action"], body["comment"], current_clock().now()
    )
    return appeal_json(appeal)


@bp.get("/me/accommodations")
@api_auth(Role.LEARNER)
@responses({200: "My accommodation requests and decisions"})
def my_accommodations():
    """My accommodations."""
    rows = accommodation_service().of_learner(g.api_user.id)
    return {"accommodations": [accommodation_json(r) for r in rows]}


@bp.post("/me/accommodations")
@api_auth(Role.LEARNER)
@json_body(ACCOMMODATION_SCHEMA)
@responses(
    {
        201: "Requested; a regulator decides",
        404: "class_not_found",
        409: "accommodation_pending",
        422: "kind_invalid / reason_invalid",
    }
)
def request_accommodation(body: dict):
    """Ask for an accommodation in one of my classes (match_only or attended)."""
    row = accommodation_service().request(
        g.api_user, body["class_id"], body["kind"], body["reason"], current_clock().now()
    )
    return accommodation_json(row), 201


@bp.get("/face/accommodations")
@api_auth(Role.REGULATOR)
@responses({200: "Accommodation requests waiting in classes I regulate"})
def accommodation_queue():
    """Accommodation requests to decide."""
    rows = accommodation_service().queue(g.api_user)
    return {"accommodations": [{**accommodation_json(r), "learner_id": r.learner_id} for r in rows]}


@bp.post("/face/accommodations/<int:accommodation_id>/decision")
@api_auth(Role.REGULATOR)
@json_body(GRANT_SCHEMA)
@responses(
    {
        200: "Granted until expires_on, or refused",
        404: "accommodation_not_found (or not in my scope)",
        409: "accommodation_decided",
        422: "expiry_invalid / comment_invalid",
    }
)
def decide_accommodation(accommodation_id: int, body: dict):
    """Grant or refuse an accommodation request."""
    expires = _date(body["expires_on"], "expires_on") if body.get("expires_on") else None
    row = accommodation_service().decide(
        g.api_user,
        accommodation_id,
        body["grant"],
        expires,
        body.get("comment") or "",
        current_clock().now(),
    )
    return accommodation_json(row)


@bp.post("/provider/attendance")
@api_auth(Role.PROVIDER_STAFF)
@json_body(ATTENDANCE_SCHEMA)
@responses(
    {
        201: "Recorded; the minutes are credited as attested study (under the daily cap)",
        404: "class_not_found / learner_not_found",
        409: "no_attended_accommodation / attendance_duplicate",
        422: "date_invalid / minutes_invalid / staff_name_invalid / lesson_not_in_class",
    }
)
def record_attendance(body: dict):
    """Attest a learner's in-person attendance (learners with an attended accommodation)."""
    record = accommodation_service().record_attendance(
        g.api_user,
        body["learner_id"],
        body["class_id"],
        body["lesson_id"],
        _date(body["date"], "date"),
        body["minutes"],
        body["staff_name"],
        current_clock().now(),
    )
    return {
        "id": record.id,
        "learner_id": record.learner_id,
        "lesson_id": record.lesson_id,
        "date": record.day.isoformat(),
        "minutes": record.minutes,
        "staff_name": record.staff_name,
    }, 201


@bp.get("/face/learners/<int:learner_id>/checks")
@api_auth(Role.REGULATOR)
@responses({200: "A learner's face checks with appeals, and accommodations", 404: "Not in scope"})
def learner_checks(learner_id: int):
    """A learner's face checks, appeals and accommodations (regulators in scope)."""
    from skilltrace.extensions import db
    from skilltrace.faces.access import covers

    if not covers(db.session, g.api_user, learner_id):
        raise DomainError("learner_not_found", _l("No such learner in your scope."), status=404)
    rows = appeal_service().learner_checks(learner_id, current_clock().now())
    accommodations = accommodation_service().of_learner(learner_id)
    return {
        "checks": [check_row_json(r) for r in rows],
        "accommodations": [accommodation_json(a) for a in accommodations],
    }
