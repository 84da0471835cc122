"""Who may see face pictures, and the log every read of one leaves.

A learner sees their own pictures. A province-wide regulator sees every learner's; a city
regulator those of learners in a class of a provider in their city (the scope rule of the
oversight pages). Nobody else does, admins included.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from skilltrace.errors import DomainError
from skilltrace.faces.models import FaceAccessLog
from skilltrace.identity.models import Role, User
from skilltrace.regions import SHAANXI


def covers(session: Session, reader: User | None, learner_id: int) -> bool:
    """Whether ``reader`` may see the face data of learner ``learner_id``."""
    if reader is None or not reader.is_authenticated:
        return False
    if reader.role == Role.LEARNER:
        return reader.id == learner_id
    if reader.role != Role.REGULATOR:
        return False
    if reader.region_scope == SHAANXI:
        return True
    from skilltrace.oversight.services import may_view  # one scope rule for all pages

    learner = session.get(User, learner_id)
    return learner is not None and may_view(reader, learner)


def check_reader(session: Session, reader: User | None, learner_id: int) -> None:
    """Refuse (401/403) a reader who may not see this learner's face data."""
    if reader is None or not reader.is_authenticated:
        raise DomainError("unauthenticated", _l("Log in first."), status=401)
    if not covers(session, reader, learner_id):
        raise DomainError("forbidden", _l("You are not allowed to do this."), status=403)


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
