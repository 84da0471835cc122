"""One audit trail for every workflow: a history table per subject built from one mixin.

Courses, classes and subsidy claims (and vouchers next) each keep their own history table
(who, when, action, from, to, comment) made from :class:`TransitionMixin`, and change status
only through :func:`transition`, which records the step in the same transaction::

    class ClaimTransition(TransitionMixin, db.Model):
        __tablename__ = "claim_transitions"
        subject_column = "claim_id"
        claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)

    transition(claim, ClaimTransition, user, "submit", "submitted")
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from skilltrace.extensions import db
from skilltrace.identity.models import utcnow


class TransitionMixin:
    """Columns of one recorded step: actor, time, action, from status, to status, comment."""

    subject_column: ClassVar[str]  # the column naming the subject's id, e.g. "course_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")

    @declared_attr
    def actor(cls):
        return relationship("User")

    @classmethod
    def record(cls, subject, actor, action: str, from_status: str, to_status: str, comment=""):
        """Add one step for ``subject`` (flushed with the caller's transaction, not committed)."""
        if subject.id is None:
            db.session.flush()
        row = cls(
            **{cls.subject_column: subject.id},
            actor_id=None if actor is None else actor.id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            comment=comment or "",
        )
        db.session.add(row)
        return row

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "from": self.from_status,
            "to": self.to_status,
            "at": self.at.isoformat() if self.at else None,
            "by": self.actor.name if self.actor else None,
            "comment": self.comment,
        }


def transition(
    subject,
    history: type[TransitionMixin],
    actor,
    action: str,
    to_status: str,
    comment: str = "",
    from_status: str | None = None,
):
    """Record ``action`` in ``history`` and set ``subject.status`` (not committed)."""
    row = history.record(
        subject,
        actor,
        action,
        subject.status if from_status is None else from_status,
        to_status,
        comment,
    )
    subject.status = to_status
    return row
