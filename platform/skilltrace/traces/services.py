"""Writing and verifying the trace.

:class:`TraceLog` appends events inside the caller's transaction, so an event and the ledger
change it explains commit together or not at all. Appends for one learner are serialised by a
row lock on the learner's :class:`TraceHead` (and the unique ``(learner_id, seq)`` as backstop).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from skilltrace.identity.models import utcnow
from skilltrace.traces.chain import GENESIS, BrokenLink, canonical_json, link_hash, verify_chain
from skilltrace.traces.models import TraceEvent, TraceHead


class TraceLog:
    """Append-only, hash-chained event log per learner."""

    def __init__(self, session: Session):
        self.session = session

    def append(
        self,
        learner_id: int,
        kind: str,
        data: dict[str, Any] | None = None,
        session_id: int | None = None,
        at: datetime | None = None,
    ) -> TraceEvent:
        """Add one event to the learner's chain (flushed, not committed)."""
        at = at or utcnow()
        head = self.session.scalar(
            select(TraceHead).where(TraceHead.learner_id == learner_id).with_for_update()
        )
        if head is None:
            head = TraceHead(learner_id=learner_id, last_seq=0, last_hash=GENESIS)
            self.session.add(head)
        seq = head.last_seq + 1
        event = {
            "learner_id": learner_id,
            "seq": seq,
            "kind": kind,
            "at": at,
            "session_id": session_id,
            "data": data or {},
        }
        text = canonical_json(event).decode("utf-8")
        digest = link_hash(head.last_hash, event)
        row = TraceEvent(
            learner_id=learner_id,
            seq=seq,
            kind=kind,
            occurred_at=at,
            session_id=session_id,
            event_json=text,
            prev_hash=head.last_hash,
            hash=digest,
        )
        head.last_seq, head.last_hash = seq, digest
        self.session.add(row)
        self.session.flush()
        return row

    def events(self, learner_id: int, since_seq: int = 0) -> Iterator[dict[str, Any]]:
        """The learner's events in order, as the dicts that were hashed."""
        rows = self.session.scalars(
            select(TraceEvent)
            .where(TraceEvent.learner_id == learner_id, TraceEvent.seq > since_seq)
            .order_by(TraceEvent.seq)
        )
        for row in rows:
            yield json.loads(row.event_json)


@dataclass(frozen=True)
class ChainReport:
    learner_id: int
    events: int
    broken: BrokenLink | None


def verify_learner(session: Session, learner_id: int) -> ChainReport:
    """Check one learner's chain against its rows and its recorded head."""
    rows = session.execute(
        select(TraceEvent.seq, TraceEvent.event_json, TraceEvent.prev_hash, TraceEvent.hash)
        .where(TraceEvent.learner_id == learner_id)
        .order_by(TraceEvent.seq)
    ).all()
    head = session.get(TraceHead, learner_id)
    chain = [(seq, _load(text), prev, digest) for seq, text, prev, digest in rows]
    broken = verify_chain(chain, expected_head=head.last_hash if head else None)
    return ChainReport(learner_id, len(rows), broken)


def verify_all(session: Session) -> Iterator[ChainReport]:
    """Every learner's chain (learners with a head or any event)."""
    ids = set(session.scalars(select(TraceHead.learner_id))) | set(
        session.scalars(select(TraceEvent.learner_id).distinct())
    )
    for learner_id in sorted(ids):
        yield verify_learner(session, learner_id)


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return {"unparseable": text}
