"""The warnings job: gathers facts from the trace and the ledger, runs the rules, stores findings.

Run by the scheduler (``oversight.warnings``) and by ``flask oversight warnings``; idempotent
(a finding is keyed by rule code and subject, a rerun updates it). Pages only read the table.
"""

from __future__ import annotations

import ipaddress
import json
from collections import defaultdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, func, select

from skilltrace.extensions import db
from skilltrace.identity.models import Provider, utcnow
from skilltrace.oversight.models import OversightWarning
from skilltrace.oversight.warning_rules import (
    CheckCounts,
    Event,
    Facts,
    Finding,
    ReviewCase,
    WarningSettings,
    evaluate,
)
from skilltrace.timefmt import beijing_date
from skilltrace.traces.models import TraceEvent

WATCHED_ANOMALIES = ("rate_too_high", "seek_forward", "seek_backward", "position_inconsistent")


def client_ip(client_info: str | None) -> str:
    """The IP a study session was started from (first word of ``client_info``), or ''."""
    first = (client_info or "").split(" ", 1)[0]
    try:
        return str(ipaddress.ip_address(first))
    except ValueError:
        return ""


def _events(kind: str, since) -> list[tuple[TraceEvent, dict]]:
    rows = db.session.execute(
        select(TraceEvent.id, TraceEvent.learner_id, TraceEvent.occurred_at, TraceEvent.event_json)
        .where(TraceEvent.kind == kind, TraceEvent.occurred_at >= since)
        .order_by(TraceEvent.id)
    )
    return [(row, json.loads(row.event_json).get("data", {})) for row in rows]


def gather(since) -> Facts:
    """Facts for the window starting at ``since`` (aware UTC datetime)."""
    from skilltrace.courses.models import ClassMember, TrainingClass
    from skilltrace.faces.models import FaceEnrollment, FaceReviewCase
    from skilltrace.study.models import CreditedTime, FaceCheck, StudySession

    takeovers = [
        Event(r.id, r.learner_id, r.occurred_at.timestamp())
        for r, _d in _events("session_taken_over", since)
    ]
    starts = [
        Event(r.id, r.learner_id, r.occurred_at.timestamp(), client_ip(r.client_info))
        for r in db.session.execute(
            select(
                TraceEvent.id,
                TraceEvent.learner_id,
                TraceEvent.occurred_at,
                StudySession.client_info,
            )
            .join(StudySession, StudySession.id == TraceEvent.session_id)
            .where(TraceEvent.kind == "session_started", TraceEvent.occurred_at >= since)
        )
    ]
    anomalies = [
        Event(r.id, r.learner_id, r.occurred_at.timestamp(), code)
        for r, data in _events("heartbeat_anomaly", since)
        for code in data.get("codes", [])
        if code in WATCHED_ANOMALIES
    ]
    check_class: dict[int, int] = {}
    counts: dict[int, dict] = {}
    rows = db.session.execute(
        select(
            StudySession.class_id,
            TrainingClass.provider_id,
            FaceCheck.id,
            FaceCheck.status,
            FaceCheck.learner_id,
        )
        .join(StudySession, StudySession.id == FaceCheck.session_id)
        .join(TrainingClass, TrainingClass.id == StudySession.class_id)
        .where(FaceCheck.issued_at >= since, FaceCheck.status.in_(("passed", "failed", "missed")))
    )
    for class_id, provider_id, check_id, status, learner_id in rows:
        entry = counts.setdefault(
            class_id, {"provider": provider_id, "passed": 0, "failed": 0, "missed": 0, "l": set()}
        )
        entry[status] += 1
        entry["l"].add(learner_id)
        check_class[check_id] = class_id
    overturned: dict[int, int] = defaultdict(int)
    for _r, data in _events("check_overturned", since):
        if data.get("check_id") in check_class:
            overturned[check_class[data["check_id"]]] += 1
    check_counts = [
        CheckCounts(
            c,
            e["provider"],
            e["passed"],
            e["failed"],
            e["missed"],
            overturned[c],
            tuple(sorted(e["l"])),
        )
        for c, e in sorted(counts.items())
    ]
    since_day = beijing_date(since).isoformat()
    cap_days: dict[int, list[str]] = defaultdict(list)
    for learner_id, day in db.session.execute(
        select(CreditedTime.learner_id, CreditedTime.day).where(
            CreditedTime.capped_seconds > 0, CreditedTime.day >= since_day
        )
    ):
        cap_days[learner_id].append(day)
    cases = [
        ReviewCase(c.id, learner_id, c.kind, c.matched_learner_id, c.status)
        for c, learner_id in db.session.execute(
            select(FaceReviewCase, FaceEnrollment.learner_id)
            .join(FaceEnrollment, FaceEnrollment.id == FaceReviewCase.enrollment_id)
            .where((FaceReviewCase.created_at >= since) | (FaceReviewCase.status == "open"))
        )
    ]
    class_hours: dict[int, dict[int, float]] = defaultdict(dict)
    for class_id, learner_id, seconds in db.session.execute(
        select(
            ClassMember.class_id,
            ClassMember.learner_id,
            func.coalesce(func.sum(CreditedTime.seconds), 0.0),
        )
        .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
        .outerjoin(
            CreditedTime,
            (CreditedTime.learner_id == ClassMember.learner_id)
            & (CreditedTime.course_id == TrainingClass.course_id),
        )
        .where(TrainingClass.end_date >= since.date())
        .group_by(ClassMember.class_id, ClassMember.learner_id)
    ):
        class_hours[class_id][learner_id] = float(seconds)
    return Facts(
        takeovers, starts, anomalies, check_counts, dict(cap_days), cases, dict(class_hours)
    )


def _places(findings: list[Finding]) -> dict[str, tuple[int | None, str | None]]:
    """Provider and city of each finding: its class's, else the provider of a learner's class."""
    from skilltrace.courses.models import ClassMember, TrainingClass

    class_ids = {f.class_id for f in findings if f.class_id}
    learner_ids = {x for f in findings for x in f.learner_ids}
    by_class = {
        cid: (pid, city)
        for cid, pid, city in db.session.execute(
            select(TrainingClass.id, Provider.id, Provider.city_code)
            .join(Provider, Provider.id == TrainingClass.provider_id)
            .where(TrainingClass.id.in_(class_ids))
        )
    }
    by_learner: dict[int, tuple[int, str]] = {}
    for learner_id, pid, city in db.session.execute(
        select(ClassMember.learner_id, Provider.id, Provider.city_code)
        .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
        .join(Provider, Provider.id == TrainingClass.provider_id)
        .where(ClassMember.learner_id.in_(learner_ids))
        .order_by(ClassMember.joined_at)
    ):
        by_learner[learner_id] = (pid, city)  # the latest class wins
    cities = dict(db.session.execute(select(Provider.id, Provider.city_code)).all())
    places = {}
    for f in findings:
        if f.class_id in by_class:
            places[f.subject] = by_class[f.class_id]
        elif f.provider_id:
            places[f.subject] = (f.provider_id, cities.get(f.provider_id))
        else:
            first = next((by_learner[x] for x in f.learner_ids if x in by_learner), (None, None))
            places[f.subject] = first
    return places


def store(findings: list[Finding]) -> tuple[int, int]:
    """Insert new findings, update known ones (by code and subject); (new, updated)."""
    now = utcnow()
    places = _places(findings)
    known = {
        w.fingerprint: w
        for w in db.session.scalars(
            select(OversightWarning).where(
                OversightWarning.fingerprint.in_([f"{f.code}|{f.subject}" for f in findings])
            )
        )
    }
    new = updated = 0
    new_cities: list[str | None] = []
    for f in findings:
        fingerprint = f"{f.code}|{f.subject}"
        row = known.get(fingerprint)
        if row is None:
            row = OversightWarning(fingerprint=fingerprint, code=f.code, first_seen_at=now)
            db.session.add(row)
            known[fingerprint] = row
            new += 1
            new_cities.append(places.get(f.subject, (None, None))[1])
        else:
            updated += 1
        provider_id, city = places.get(f.subject, (None, None))
        row.severity = f.severity
        row.subject = f.subject
        row.class_id = f.class_id
        row.provider_id = provider_id
        row.city_code = city
        row.figures = f.figures
        row.learner_ids = list(f.learner_ids)
        row.event_ids = list(f.event_ids)[:500]
        row.last_seen_at = now
    _notify_regulators(new_cities)
    db.session.commit()
    return new, updated


def _notify_regulators(cities: list[str | None]) -> None:
    """Tell each regulator how many new warnings arrived in their scope (one notice per run)."""
    from skilltrace.identity.models import Role, User
    from skilltrace.notices.services import notify
    from skilltrace.regions import scope_covers

    if not cities:
        return
    regulators = db.session.scalars(
        select(User).where(User.role == Role.REGULATOR, User.is_active_account.is_(True))
    )
    for regulator in regulators:
        scope = regulator.region_scope or ""
        count = sum(1 for city in cities if city and scope_covers(scope, city))
        count += sum(1 for city in cities if city is None and scope == "61")
        if count:
            notify(regulator.id, "warning_raised", {"count": count}, "/oversight/warnings")


def run_warnings() -> dict:
    """The scheduled job: evaluate the rules over the lookback window and store the findings."""
    config = current_app.config
    since = utcnow() - timedelta(days=int(config["OVERSIGHT_LOOKBACK_DAYS"]))
    findings = evaluate(gather(since), WarningSettings.from_config(config))
    new, updated = store(findings)
    return {"findings": len(findings), "new": new, "updated": updated}


def severity_order():
    return case({"high": 0, "medium": 1, "low": 2}, value=OversightWarning.severity, else_=3)


def warning_query(user):
    """Warnings ``user`` may see: in their cities (admins: all)."""
    from skilltrace.oversight.services import overseen_cities

    stmt = select(OversightWarning)
    cities = overseen_cities(user)
    if cities is not None:
        stmt = stmt.where(OversightWarning.city_code.in_(cities))
    return stmt
