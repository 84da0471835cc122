"""What regulators see of a learner: identity (masked), attested ledger, face checks, trace.

A regulator sees learners who are in a class of a provider in their scope; admins see all;
a learner sees themself. Nothing here changes data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.identity.services import account_service
from skilltrace.regions import scope_covers
from skilltrace.traces.models import TraceEvent
from skilltrace.traces.services import verify_learner


def learner_providers(learner_id: int) -> list[Provider]:
    """Providers of the classes the learner is in."""
    from skilltrace.courses.models import ClassMember, TrainingClass

    return list(
        db.session.scalars(
            select(Provider)
            .join(TrainingClass, TrainingClass.provider_id == Provider.id)
            .join(ClassMember, ClassMember.class_id == TrainingClass.id)
            .where(ClassMember.learner_id == learner_id)
            .distinct()
        )
    )


def may_view(viewer: User, learner: User) -> bool:
    if viewer.role == Role.ADMIN or viewer.id == learner.id:
        return True
    if viewer.role == Role.REGULATOR:
        return any(
            scope_covers(viewer.region_scope or "", p.city_code)
            for p in learner_providers(learner.id)
        )
    return False


def visible_learner(viewer: User, learner_id: int) -> User:
    """The learner, if ``viewer`` may see them (404 otherwise: existence is not disclosed)."""
    learner = db.session.get(User, learner_id)
    if learner is None or learner.role != Role.LEARNER or not may_view(viewer, learner):
        raise DomainError("learner_not_found", _l("No such learner in your scope."), status=404)
    return learner


def find_learner(viewer: User, query: str) -> User | None:
    """A learner in scope by full ID number or mobile number."""
    query = (query or "").strip()
    learner = account_service().find_by_id_number(query)
    if learner is None:
        learner = db.session.scalar(select(User).where(User.mobile == query))
    if learner is None or learner.role != Role.LEARNER or not may_view(viewer, learner):
        return None
    return learner


@dataclass(frozen=True)
class TracePage:
    events: list[dict]
    chain_ok: bool
    chain_events: int
    broken: dict | None


def learner_trace(learner_id: int, since_seq: int = 0, limit: int = 200) -> TracePage:
    """Trace events after ``since_seq`` (oldest first) and the state of the whole chain."""
    report = verify_learner(db.session, learner_id)
    rows = db.session.scalars(
        select(TraceEvent)
        .where(TraceEvent.learner_id == learner_id, TraceEvent.seq > since_seq)
        .order_by(TraceEvent.seq)
        .limit(max(1, min(limit, 1000)))
    )
    events = [
        {
            "seq": row.seq,
            "kind": row.kind,
            "at": row.occurred_at.isoformat(),
            "session_id": row.session_id,
            "data": json.loads(row.event_json)["data"],
            "hash": row.hash,
        }
        for row in rows
    ]
    broken = report.broken
    return TracePage(
        events,
        broken is None,
        report.events,
        None
        if broken is None
        else {"seq": broken.seq, "reason": broken.reason, "message": broken.message},
    )


def face_checks(learner_id: int, limit: int = 100) -> list:
    """The learner's latest face checks with their verdicts (newest first)."""
    from skilltrace.study.models import FaceCheck

    return list(
        db.session.scalars(
            select(FaceCheck)
            .where(FaceCheck.learner_id == learner_id)
            .order_by(FaceCheck.id.desc())
            .limit(limit)
        )
    )


def oversees(viewer: User, provider: Provider) -> bool:
    """Whether ``viewer`` oversees ``provider`` (admins all; regulators by the scope rule)."""
    from skilltrace.courses.services import regulates

    return viewer.role == Role.ADMIN or regulates(viewer, provider)


def overseen_cities(viewer: User) -> list[str] | None:
    """Cities ``viewer`` oversees; None means every city (admins)."""
    from skilltrace.courses.services import cities_in_scope

    return None if viewer.role == Role.ADMIN else cities_in_scope(viewer.region_scope)
