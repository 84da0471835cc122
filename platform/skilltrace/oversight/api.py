"""Regulators' queries: find a learner, their attested ledger and their verifiable trace."""

from __future__ import annotations

from flask import g, request

from skilltrace.api.frame import api_auth, api_blueprint, json_body
from skilltrace.api.openapi import responses
from skilltrace.identity.models import Role
from skilltrace.oversight.services import find_learner, learner_trace, visible_learner

bp = api_blueprint("oversight_api", __name__)


def learner_json(learner) -> dict:
    return {"id": learner.id, "name": learner.name, "id_number": learner.id_number_masked}


@bp.get("/learners")
@api_auth(Role.REGULATOR, Role.ADMIN)
@responses({200: "The learner in scope, or an empty list"})
def search():
    """Find a learner in my scope by full ID number or mobile (``?q=``)."""
    learner = find_learner(g.api_user, request.args.get("q", ""))
    return {"learners": [learner_json(learner)] if learner else []}


@bp.get("/learners/<int:learner_id>/ledger")
@api_auth(Role.REGULATOR, Role.ADMIN)
@responses({200: "Attested ledger", 404: "Not in scope"})
def ledger(learner_id: int):
    """A learner's attested learning time and 学时 per course."""
    from skilltrace.study.reports import learner_ledger

    learner = visible_learner(g.api_user, learner_id)
    return {"learner": learner_json(learner), **learner_ledger(learner.id)}


@bp.get("/learners/<int:learner_id>/trace")
@api_auth(Role.REGULATOR, Role.ADMIN)
@responses({200: "Trace events and the chain's verification", 404: "Not in scope"})
def trace(learner_id: int):
    """A learner's hash-chained trace (``?since=SEQ&limit=N``) and whether the chain is intact."""
    learner = visible_learner(g.api_user, learner_id)
    since = request.args.get("since", "0")
    limit = request.args.get("limit", "200")
    page = learner_trace(
        learner.id,
        int(since) if since.isdigit() else 0,
        int(limit) if limit.isdigit() else 200,
    )
    return {
        "learner": learner_json(learner),
        "chain": {"intact": page.chain_ok, "events": page.chain_events, "broken": page.broken},
        "events": page.events,
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
