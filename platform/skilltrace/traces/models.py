"""The append-only trace: one hash-chained row per event, per learner.

``trace_events`` is never updated or deleted by the application (a database trigger refuses
it, see migration 0004_traces); ``trace_heads`` keeps each learner's last seq and hash so that
rows cut off the end of a chain are detected too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from skilltrace.extensions import db


class TraceEvent(db.Model):
    __tablename__ = "trace_events"
    __table_args__ = (
        UniqueConstraint("learner_id", "seq"),
        Index("ix_trace_events_kind_occurred_at", "kind", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    session_id: Mapped[int | None] = mapped_column(index=True)
    event_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class TraceHead(db.Model):
    __tablename__ = "trace_heads"

    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    last_seq: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
