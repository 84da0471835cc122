"""What regulators see of a learner: identity (masked), attested ledger, face checks, trace.

Who sees whom is :mod:`skilltrace.courses.scope`: a regulator sees a learner through the
classes in their scope, and only the study done there. Nothing here changes data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from skilltrace.courses.scope import learner_class_ids, sees_learner
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.identity.services import account_service
from skilltrace.oversight.readable import beijing, describe, event_name, tone
from skilltrace.traces.models import TraceEvent
from skilltrace.traces.services import verify_learner


def may_view(viewer: User, learner: User) -> bool:
    """Whether ``viewer`` may see the learner (the one rule: :mod:`skilltrace.courses.scope`)."""
    return sees_learner(viewer, learner.id)


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


@dataclass(frozen=True)
class Window:
    """What one viewer sees of one learner's study: classes and courses (None = all)."""

    class_ids: list[int] | None

    @property
    def course_ids(self) -> list[int] | None:
        from skilltrace.courses.models import TrainingClass

        if self.class_ids is None:
            return None
        query = select(TrainingClass.course_id).where(TrainingClass.id.in_(self.class_ids))
        return sorted(set(db.session.scalars(query)))

    def sessions(self):
        """A select of the visible study sessions' ids (None = all)."""
        from skilltrace.study.models import StudySession

        if self.class_ids is None:
            return None
        return select(StudySession.id).where(StudySession.class_id.in_(self.class_ids))


EVERYTHING = Window(None)


def window(viewer: User, learner_id: int) -> Window:
    """The classes of the learner through which ``viewer`` sees their study."""
    return Window(learner_class_ids(viewer, learner_id))


def learner_trace(
    learner_id: int, since_seq: int = 0, limit: int = 200, seen: Window = EVERYTHING
) -> TracePage:
    """Trace events after ``since_seq`` (oldest first) and the state of the whole chain.

    A narrower ``seen`` keeps only the events of study sessions in its classes."""
    report = verify_learner(db.session, learner_id)
    query = select(TraceEvent).where(
        TraceEvent.learner_id == learner_id, TraceEvent.seq > since_seq
    )
    sessions = seen.sessions()
    if sessions is not None:
        query = query.where(TraceEvent.session_id.in_(sessions))
    rows = db.session.scalars(query.order_by(TraceEvent.seq).limit(max(1, min(limit, 1000))))
    rows = list(rows)
    data = [json.loads(row.event_json)["data"] for row in rows]
    lessons = lesson_titles({d.get("lesson_id") for d in data if isinstance(d, dict)})
    events = [
        {
            "seq": row.seq,
            "kind": row.kind,
            "name": event_name(row.kind),
            "at": row.occurred_at.isoformat(),
            "at_beijing": beijing(row.occurred_at),
            "session_id": row.session_id,
            "details": describe(row.kind, payload, lessons),
            "tone": tone(row.kind),
            "data": payload,
            "hash": row.hash,
        }
        for row, payload in zip(rows, data, strict=True)
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


def lesson_titles(ids) -> dict[int, str]:
    from skilltrace.courses.models import Lesson

    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return {}
    return dict(db.session.execute(select(Lesson.id, Lesson.title).where(Lesson.id.in_(ids))).all())


def enrolled_photo_id(learner_id: int) -> int | None:
    """The learner's active enrollment (its photo is shown beside check snapshots)."""
    from skilltrace.faces.models import FaceEnrollment

    return db.session.scalar(
        select(FaceEnrollment.id)
        .where(FaceEnrollment.learner_id == learner_id, FaceEnrollment.status == "active")
        .order_by(FaceEnrollment.id.desc())
        .limit(1)
    )


def face_checks(learner_id: int, limit: int = 100, seen: Window = EVERYTHING) -> list:
    """The learner's latest face checks with their verdicts (newest first), in ``seen``."""
    from skilltrace.study.models import FaceCheck

    query = select(FaceCheck).where(FaceCheck.learner_id == learner_id)
    sessions = seen.sessions()
    if sessions is not None:
        query = query.where(FaceCheck.session_id.in_(sessions))
    return list(db.session.scalars(query.order_by(FaceCheck.id.desc()).limit(limit)))


def oversees(viewer: User, provider: Provider) -> bool:
    """Whether ``viewer`` oversees ``provider`` (admins all; regulators by the scope rule)."""
    from skilltrace.courses.services import regulates

    return viewer.role == Role.ADMIN or regulates(viewer, provider)


def overseen_cities(viewer: User) -> list[str] | None:
    """Cities ``viewer`` oversees; None means every city (admins)."""
    from skilltrace.courses.services import cities_in_scope

    return None if viewer.role == Role.ADMIN else cities_in_scope(viewer.region_scope)
