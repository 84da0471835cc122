"""Regulators' queries: find a learner, their attested ledger and their verifiable trace."""

from __future__ import annotations

from flask import g, request

from skilltrace.api.frame import api_auth, api_blueprint
from skilltrace.api.openapi import responses
from skilltrace.identity.models import Role
from skilltrace.oversight.services import find_learner, learner_trace, visible_learner, window

bp = api_blueprint("oversight_api", __name__)


def learner_json(learner) -> dict:
    return {"id": learner.id, "name": learner.name, "id_number": learner.id_number_masked}


@bp.get("/learners")
@api_auth(Role.REGULATOR)
@responses({200: "The learner in scope, or an empty list"})
def search():
    """Find a learner in my scope by full ID number or mobile (``?q=``)."""
    learner = find_learner(g.api_user, request.args.get("q", ""))
    return {"learners": [learner_json(learner)] if learner else []}


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
    since = request.args.get("since", "0")
    limit = request.args.get("limit", "200")
    page = learner_trace(
        learner.id,
        int(since) if since.isdigit() else 0,
        int(limit) if limit.isdigit() else 200,
        window(g.api_user, learner.id),
    )
    return {
        "learner": learner_json(learner),
        "chain": {"intact": page.chain_ok, "events": page.chain_events, "broken": page.broken},
        "events": page.events,
    }
