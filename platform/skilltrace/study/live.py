"""The live part of a study session, kept in the state store between requests.

It holds the crediting fold's state (open stretch, last heartbeat — the raw heartbeats never
reach the database), the time of the next random check (never sent to the client) and the
open check's nonce. One learner has at most one active session: ``study:active:<learner>``
names it and expires when heartbeats stop.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from skilltrace.state import BoundedMap, Claim, Guard, LiveState, Swap
from skilltrace.study.models import FaceCheck
from skilltrace.study.replay import StudyState

LIVE_TTL_S = 24 * 3600
SEEN_FRAMES_TTL_S = 7 * 24 * 3600
SEEN_FRAMES_KEPT = 600  # frame digests remembered per learner (about 25 hours of checks)
CHECKS_DUE_KEY = "study:checks_due"  # sessions by the time their next random check is due
ISSUER_KEY = "study:check_issuer"  # present while the job opening due checks runs


@dataclass
class LiveSession:
    """``header`` mirrors what a quiet heartbeat needs of the database rows (owner, state,
    credited seconds, the open check, when access was last re-checked, the last heartbeat),
    so that a heartbeat which changes nothing durable never touches the database. Every
    request that does touch the rows rewrites it from them."""

    fold: StudyState
    next_check_at: float | None = None
    nonce: str | None = None
    header: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fold": self.fold.to_dict(),
            "next_check_at": self.next_check_at,
            "nonce": self.nonce,
            "header": self.header,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LiveSession:
        return cls(
            StudyState.from_dict(data["fold"]),
            data["next_check_at"],
            data["nonce"],
            data.get("header") or {},
        )


class RecentWrites:
    """What this process last wrote for each live session (the newest ``size``), so that a
    heartbeat reaching the worker that handled the previous one can skip reading the store.
    Only a hint: :meth:`LiveStore.save_if_unchanged` still checks it against the store."""

    def __init__(self, size: int = 4096):
        self._items = BoundedMap(size)

    def get(self, session_id: int) -> tuple[str, LiveSession] | None:
        """The text written and a copy of the session it holds (the fold is immutable; the
        header, whose values are only ever replaced, is copied)."""
        item = self._items.get(session_id)
        if item is None:
            return None
        text, live = item
        return text, LiveSession(live.fold, live.next_check_at, live.nonce, dict(live.header))

    def put(self, session_id: int, text: str, live: LiveSession) -> None:
        snapshot = LiveSession(live.fold, live.next_check_at, live.nonce, dict(live.header))
        self._items.put(session_id, (text, snapshot))

    def forget(self, session_id: int) -> None:
        self._items.pop(session_id)


class LiveStore:
    """Typed access to the study keys of the state store."""

    def __init__(self, state: LiveState, session_ttl_s: float, recent: RecentWrites | None = None):
        self.state = state
        self.session_ttl_s = session_ttl_s
        self.recent = recent or RecentWrites(size=0)

    def load(self, session_id: int) -> LiveSession | None:
        return self.read(session_id)[1]

    def save(self, session_id: int, live: LiveSession) -> None:
        text = _text(live)
        self.state.set(f"study:session:{session_id}", text, ttl=LIVE_TTL_S)
        self.recent.put(session_id, text, live)

    def read(self, session_id: int) -> tuple[str | None, LiveSession | None]:
        """The stored text and the session it holds (for :meth:`save_if_unchanged`)."""
        text = self.state.get(f"study:session:{session_id}")
        return text, self.parsed(text)

    def last_written(self, session_id: int) -> tuple[str, LiveSession] | None:
        """What this process last wrote for the session, if it still remembers (may be stale:
        only for :meth:`save_if_unchanged`)."""
        return self.recent.get(session_id)

    def save_if_unchanged(
        self, session_id: int, seen: str, live: LiveSession, guard: Guard | None = None
    ) -> Swap:
        """Save without the session lock, renewing the learner's active claim, only if
        nothing changed since ``seen`` was read, no locked request is running and no other
        session holds the claim (one round trip). Otherwise nothing is saved, and the answer
        (false) carries the stored text read in that step (see :meth:`parsed`). A ``guard``
        that does not hold raises its error, saving nothing."""
        learner_id = live.header["learner_id"]
        text = _text(live)
        saved = self.state.replace_if_unchanged(
            f"study:session:{session_id}",
            seen,
            text,
            LIVE_TTL_S,
            lock=f"study:session:{session_id}",
            claim=Claim(f"study:active:{learner_id}", str(session_id), self.session_ttl_s),
            guard=guard,
        )
        if saved:
            self.recent.put(session_id, text, live)
        return saved

    @staticmethod
    def parsed(text: str | None) -> LiveSession | None:
        """The session a stored text holds (as :meth:`read` gives it)."""
        return None if text is None else _parse(text)

    def drop(self, session_id: int) -> None:
        self.state.delete(f"study:session:{session_id}")
        self.recent.forget(session_id)

    def active_session(self, learner_id: int) -> int | None:
        value = self.state.get(f"study:active:{learner_id}")
        return int(value) if value else None

    def claim(self, learner_id: int, session_id: int) -> None:
        self.state.set(f"study:active:{learner_id}", str(session_id), ttl=self.session_ttl_s)

    def touch(self, learner_id: int, session_id: int) -> bool:
        """Extend the active claim; False if another session holds it or it expired."""
        if self.active_session(learner_id) != session_id:
            return False
        return self.state.expire(f"study:active:{learner_id}", self.session_ttl_s)

    def release(self, learner_id: int, session_id: int) -> None:
        if self.active_session(learner_id) == session_id:
            self.state.delete(f"study:active:{learner_id}")

    def schedule_check(self, session_id: int, at: float) -> None:
        """Tell the issuing job when the session's next random check is due."""
        self.state.schedule(CHECKS_DUE_KEY, str(session_id), at)

    def unschedule_check(self, session_id: int) -> None:
        self.state.unschedule(CHECKS_DUE_KEY, str(session_id))

    def frames_seen_before(self, learner_id: int, frames: list[bytes]) -> bool:
        """Whether any of these exact frame bytes were already sent in an earlier check."""
        seen = set(self.state.lrange(f"study:frames:{learner_id}"))
        return any(_digest(frame) in seen for frame in frames)

    def remember_frames(self, learner_id: int, frames: list[bytes]) -> None:
        self.remember_prints(learner_id, tuple(_digest(frame) for frame in frames))

    def remember_prints(self, learner_id: int, prints: tuple) -> None:
        """Remember frame digests (``_digest``) as used."""
        key = f"study:frames:{learner_id}"
        for digest in prints:
            self.state.rpush(key, digest, ttl=SEEN_FRAMES_TTL_S)
        self.state.ltrim_tail(key, SEEN_FRAMES_KEPT)


def _text(live: LiveSession) -> str:
    return orjson.dumps(live.to_dict(), option=orjson.OPT_NON_STR_KEYS).decode()


def _parse(text: str) -> LiveSession:
    return LiveSession.from_dict(orjson.loads(text))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class OpenCheck:
    """The open check as the API shows it."""

    id: int
    kind: str
    deadline_at: datetime
    tries: int
    challenge: str | None = None

    @classmethod
    def of(cls, check: FaceCheck | None) -> OpenCheck | None:
        if check is None:
            return None
        return cls(check.id, check.kind, check.deadline_at, check.tries, check.challenge)

    def to_header(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "deadline": self.deadline_at.timestamp(),
            "tries": self.tries,
            "challenge": self.challenge,
        }

    @classmethod
    def from_header(cls, data: dict | None) -> OpenCheck | None:
        if not data:
            return None
        deadline = datetime.fromtimestamp(data["deadline"], UTC)
        return cls(data["id"], data["kind"], deadline, data["tries"], data.get("challenge"))


@dataclass(frozen=True)
class HeartbeatResult:
    session_id: int
    state: str
    credited_seconds: float
    check: OpenCheck | None
    live: LiveSession
