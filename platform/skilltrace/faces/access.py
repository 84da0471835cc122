"""Who may see face pictures, and the log every read of one leaves.

A learner sees their own pictures; a regulator those of learners in scope
(:mod:`skilltrace.courses.scope`), and of check snapshots only those taken in classes in their
scope (:func:`covers_snapshot`). Nobody else does: provider staff and admins see no
face data.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from skilltrace.errors import DomainError
from skilltrace.faces.models import FaceAccessLog
from skilltrace.identity.models import Role, User


def covers(session: Session, reader: User | None, learner_id: int) -> bool:
    """Whether ``reader`` may see the face data of learner ``learner_id``."""
    from skilltrace.courses.scope import sees_learner  # the one scope rule

    if reader is None or not reader.is_authenticated:
        return False
    if reader.role not in (Role.LEARNER, Role.REGULATOR):
        return False
    return sees_learner(reader, learner_id)


def check_reader(session: Session, reader: User | None, learner_id: int) -> None:
    """Refuse (401/403) a reader who may not see this learner's face data."""
    if reader is None or not reader.is_authenticated:
        raise DomainError("unauthenticated", _l("Log in first."), status=401)
    if not covers(session, reader, learner_id):
        raise DomainError("forbidden", _l("You are not allowed to do this."), status=403)


def check_class_of_snapshot(session: Session, snapshot_id: int) -> int | None:
    """The class of the study session whose face check kept this snapshot (None otherwise).

    Read through the tables by name: faces sits below study and does not import its models.
    """
    from skilltrace.extensions import db

    checks = db.metadata.tables.get("face_checks")
    sessions = db.metadata.tables.get("study_sessions")
    if checks is None or sessions is None:
        return None
    return session.scalar(
        select(sessions.c.class_id)
        .join(checks, checks.c.session_id == sessions.c.id)
        .where(checks.c.snapshot_id == snapshot_id)
        .limit(1)
    )


def covers_snapshot(
    session: Session, reader: User | None, learner_id: int, snapshot_id: int
) -> bool:
    """Whether ``reader`` may see this snapshot: the learner in scope, and for a check
    snapshot, the check taken in a class in the reader's scope."""
    from skilltrace.courses.scope import learner_class_ids

    if not covers(session, reader, learner_id):
        return False
    class_ids = learner_class_ids(reader, learner_id)
    if class_ids is None:
        return True
    class_id = check_class_of_snapshot(session, snapshot_id)
    return class_id is None or class_id in class_ids


def log_read(
    session: Session,
    reader: User,
    learner_id: int,
    object_kind: str,
    object_id: int,
    purpose: str,
    client_ip: str | None = None,
) -> FaceAccessLog:
    """Add one access-log row (the caller commits)."""
    entry = FaceAccessLog(
        reader_id=reader.id,
        learner_id=learner_id,
        object_kind=object_kind,
        object_id=object_id,
        purpose=purpose,
        client_ip=client_ip,
    )
    session.add(entry)
    return entry


def recent_reads(session: Session, reader: User, limit: int = 200) -> list[FaceAccessLog]:
    """The latest reads of face pictures ``reader`` may see, newest first."""
    rows = session.scalars(select(FaceAccessLog).order_by(FaceAccessLog.id.desc()).limit(limit))
    seen: dict[int, bool] = {}
    return [
        row
        for row in rows
        if seen.setdefault(row.learner_id, covers(session, reader, row.learner_id))
    ]
