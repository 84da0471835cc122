"""xAPI 1.0.3 statements derived on the fly from the trace (never stored twice).

Video profile verbs for study (``initialized``, ``played``, ``paused``, ``seeked``,
``completed``, ``terminated``; category ``https://w3id.org/xapi/video``), and face checks as
``attempted`` / ``passed`` / ``failed`` on an activity type of ours with the distances,
liveness figures and the trace hash in ``result.extensions``. ``registration`` is a stable
UUID of the learner's class membership. :func:`to_statement` is the mapping of one event.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from skilltrace.courses.models import ClassMember, TrainingClass
from skilltrace.courses.scope import learner_filter, province_wide, study_class_filter
from skilltrace.extensions import db
from skilltrace.identity.models import User
from skilltrace.study.models import StudySession
from skilltrace.traces.models import TraceEvent

NAMESPACE = uuid.UUID("6f1c3d52-7a0e-4b8e-9a51-3d2f13a0c0de")
ADL = "http://adlnet.gov/expapi/verbs/"
VIDEO = "https://w3id.org/xapi/video"
VERBS = {
    "initialized": ADL + "initialized",
    "played": VIDEO + "/verbs/played",
    "paused": VIDEO + "/verbs/paused",
    "seeked": VIDEO + "/verbs/seeked",
    "completed": ADL + "completed",
    "terminated": ADL + "terminated",
    "attempted": ADL + "attempted",
    "passed": ADL + "passed",
    "failed": ADL + "failed",
}
CHECK_VERBS = {
    "check_issued": "attempted",
    "check_passed": "passed",
    "check_failed": "failed",
    "check_missed": "failed",
}
STUDY_VERBS = {
    "session_started": "initialized",
    "stretch_credited": "played",
    "lesson_completed": "completed",
    "session_ended": "terminated",
}
SEEKS = {"seek_backward", "seek_forward"}
MAPPED_KINDS = (*CHECK_VERBS, *STUDY_VERBS, "heartbeat_anomaly")


def verb_of(kind: str, data: Mapping) -> str | None:
    """The verb name an event maps to, or None when it makes no statement."""
    if kind in CHECK_VERBS:
        return CHECK_VERBS[kind]
    if kind in STUDY_VERBS:
        return STUDY_VERBS[kind]
    if kind == "heartbeat_anomaly":
        codes = set(data.get("codes") or [])
        if codes & SEEKS:
            return "seeked"
        if "not_playing" in codes:
            return "paused"
    return None


HIGH = NAMESPACE.int >> 64 << 64


def registration(membership_id: int) -> str:
    """The stable UUID of a class membership: our namespace's high bits, the id below."""
    return str(uuid.UUID(int=HIGH | membership_id))


def membership_of(registration_uuid: str) -> int | None:
    """The class membership a registration UUID names (None for a foreign UUID)."""
    value = uuid.UUID(registration_uuid).int
    low = value & ((1 << 64) - 1)
    return low if value >> 64 << 64 == HIGH and 0 < low < 2**31 else None


@dataclass(frozen=True)
class EventRow:
    """One trace event with what the mapping needs of its session."""

    id: int
    learner_id: int
    kind: str
    occurred_at: datetime
    data: dict
    hash: str
    lesson_id: int | None
    membership_id: int | None


def to_statement(row: EventRow, base: str) -> dict | None:
    """The xAPI statement of one trace event (None when the event makes none)."""
    verb = verb_of(row.kind, row.data)
    if verb is None:
        return None
    at = row.occurred_at.isoformat()
    statement: dict = {
        "id": str(uuid.uuid5(NAMESPACE, row.hash)),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": base, "name": str(row.learner_id)},
        },
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "timestamp": at,
        "stored": at,
        "version": "1.0.3",
    }
    context: dict = {"extensions": {f"{base}/xapi/extensions/trace-hash": row.hash}}
    if row.membership_id is not None:
        context["registration"] = registration(row.membership_id)
    if row.kind in CHECK_VERBS:
        check_id = row.data.get("check_id")
        statement["object"] = {
            "objectType": "Activity",
            "id": f"{base}/xapi/face-checks/{check_id}",
            "definition": {
                "type": f"{base}/xapi/activity-types/face-check",
                "name": {"en-US": f"face check ({row.data.get('kind', '')})"},
            },
        }
        extensions = {
            f"{base}/xapi/extensions/trace-hash": row.hash,
            f"{base}/xapi/extensions/check-kind": row.data.get("kind"),
            f"{base}/xapi/extensions/distances": row.data.get("distances"),
            f"{base}/xapi/extensions/liveness": row.data.get("liveness"),
            f"{base}/xapi/extensions/reason": row.data.get("reason")
            or ("missed" if row.kind == "check_missed" else None),
        }
        statement["result"] = {"extensions": {k: v for k, v in extensions.items() if v is not None}}
        if verb != "attempted":
            statement["result"]["success"] = verb == "passed"
    else:
        statement["object"] = {
            "objectType": "Activity",
            "id": f"{base}/xapi/lessons/{row.lesson_id}",
            "definition": {"type": f"{VIDEO}/activity-type/video"},
        }
        context["contextActivities"] = {"category": [{"id": VIDEO}]}
        result = _study_result(row, base)
        if result:
            statement["result"] = result
    statement["context"] = context
    return statement


def _study_result(row: EventRow, base: str) -> dict:
    data = row.data
    if row.kind == "stretch_credited":
        credited = round(sum((data.get("credited") or {}).values()), 3)
        segments = "[,]".join(f"{a:.3f}[.]{b:.3f}" for a, b in data.get("intervals") or [])
        return {
            "extensions": {
                f"{VIDEO}/extensions/played-segments": segments,
                f"{base}/xapi/extensions/credited-seconds": credited,
            }
        }
    if row.kind == "lesson_completed":
        return {"completion": True}
    if row.kind == "heartbeat_anomaly" and "position" in data:
        return {"extensions": {f"{VIDEO}/extensions/time": data["position"]}}
    return {}


@dataclass(frozen=True)
class Query:
    learner_id: int | None = None
    kinds: tuple[str, ...] = MAPPED_KINDS
    activity: str | None = None
    membership_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    ascending: bool = False
    cursor: int | None = None


def statements(viewer: User, query: Query, base: str) -> tuple[list[dict], int | None]:
    """One page of statements in scope, and the cursor of the next page (None at the end)."""
    membership = (
        select(ClassMember.id)
        .where(
            ClassMember.class_id == StudySession.class_id,
            ClassMember.learner_id == StudySession.learner_id,
        )
        .limit(1)
        .scalar_subquery()
    )
    sql = (
        select(TraceEvent, StudySession.lesson_id, membership)
        .join(StudySession, StudySession.id == TraceEvent.session_id)
        .join(User, User.id == TraceEvent.learner_id)
        .where(TraceEvent.kind.in_(query.kinds), learner_filter(viewer))
    )
    if not province_wide(viewer):
        sql = sql.where(
            StudySession.class_id.in_(select(TrainingClass.id).where(study_class_filter(viewer)))
        )
    if query.learner_id is not None:
        sql = sql.where(TraceEvent.learner_id == query.learner_id)
    if query.membership_id is not None:
        member = db.session.get(ClassMember, query.membership_id)
        if member is None:
            return [], None
        sql = sql.where(
            StudySession.class_id == member.class_id, TraceEvent.learner_id == member.learner_id
        )
    if query.since is not None:
        sql = sql.where(TraceEvent.occurred_at > query.since)
    if query.until is not None:
        sql = sql.where(TraceEvent.occurred_at <= query.until)
    if query.cursor is not None:
        sql = sql.where(
            TraceEvent.id > query.cursor if query.ascending else TraceEvent.id < query.cursor
        )
    sql = sql.order_by(TraceEvent.id if query.ascending else TraceEvent.id.desc())
    found: list[dict] = []
    last_id = None
    for batch_start in range(0, 100_000, 500):
        rows = db.session.execute(sql.offset(batch_start).limit(500)).all()
        for event, lesson_id, membership_id in rows:
            last_id = event.id
            row = EventRow(
                event.id,
                event.learner_id,
                event.kind,
                event.occurred_at,
                json.loads(event.event_json)["data"],
                event.hash,
                lesson_id,
                membership_id,
            )
            statement = to_statement(row, base)
            if statement is None or (
                query.activity and statement["object"]["id"] != query.activity
            ):
                continue
            found.append(statement)
            if len(found) == query.limit:
                return found, last_id
        if len(rows) < 500:
            return found, None
    return found, last_id
