"""Who may see face pictures, and the log every read of one leaves."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from skilltrace.errors import DomainError
from skilltrace.faces.models import FaceAccessLog
from skilltrace.identity.models import Role, User

# Regulators decide reviews and audit checks; a learner may see their own pictures.
READER_ROLES = (Role.REGULATOR,)


def check_reader(reader: User | None, learner_id: int) -> None:
    """Refuse (403) a reader who is neither a regulator nor the learner pictured."""
    if reader is None or not reader.is_authenticated:
        raise DomainError("unauthenticated", _l("Log in first."), status=401)
    if reader.role in READER_ROLES:
        return
    if reader.role == Role.LEARNER and reader.id == learner_id:
        return
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


def recent_reads(session: Session, limit: int = 200) -> list[FaceAccessLog]:
    """The latest reads of face pictures, newest first."""
    return list(
        session.scalars(select(FaceAccessLog).order_by(FaceAccessLog.id.desc()).limit(limit))
    )
