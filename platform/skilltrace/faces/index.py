"""The process-memory index of every active face template, kept in step across processes.

Each process holds one :class:`~skilltrace.faces.search.TemplateIndex` (learner id -> active
template). After every committed change to the active templates, a counter in the live-state
store is bumped and the learner changed is recorded under the new counter value. A process
whose index is behind reloads just the learners changed since (from the database), or the whole
index when it is far behind or the record is gone. Its own changes are applied in place.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import TYPE_CHECKING

from skilltrace.state import LiveState

if TYPE_CHECKING:
    from skilltrace.faces.search import TemplateIndex

VERSION_KEY = "faces:templates:version"
CHANGE_KEY = "faces:templates:change:"  # + version -> id of the learner changed
CHANGE_TTL_S = 7 * 24 * 3600
MAX_CATCH_UP = 1000  # further behind than this: rebuild instead of replaying changes

LoadAll = Callable[[], Iterable[tuple[int, object]]]
LoadSome = Callable[[set[int]], dict[int, object]]  # learner id -> template, None if gone


class TemplateDirectory:
    """A lazily built ``TemplateIndex`` of active templates, kept current by the counter."""

    def __init__(self) -> None:
        self._index: TemplateIndex | None = None
        self._version = -1
        self._lock = threading.Lock()
        self.rebuilds = 0
        self.catch_ups = 0

    def index(self, state: LiveState, load_all: LoadAll, load_some: LoadSome) -> TemplateIndex:
        """The index, brought up to the shared counter (read before loading, so data loaded
        is never older than the version it is labelled with)."""
        from skilltrace.faces.search import TemplateIndex

        current = int(state.get(VERSION_KEY) or 0)
        with self._lock:
            if self._index is not None and self._version == current:
                return self._index
            if self._index is not None and self._version < current <= self._version + MAX_CATCH_UP:
                learners = _changed_learners(state, self._version, current)
                if learners is not None:
                    for learner_id, vector in load_some(learners).items():
                        self._apply(learner_id, vector)
                    self._version = current
                    self.catch_ups += 1
                    return self._index
            self._index = TemplateIndex.from_items(load_all())
            self._version = current
            self.rebuilds += 1
            return self._index

    def changed(self, state: LiveState, learner_id: int, vector=None) -> None:
        """Record a committed change: ``vector`` is the learner's new template, None if gone."""
        new = state.incr(VERSION_KEY)
        state.set(f"{CHANGE_KEY}{new}", str(learner_id), ttl=CHANGE_TTL_S)
        with self._lock:
            if self._index is not None and self._version == new - 1:
                self._apply(learner_id, vector)
                self._version = new
            # otherwise another process changed something too: the next index() catches up

    def forget(self) -> None:
        """Drop the in-memory index (the next search rebuilds it)."""
        with self._lock:
            self._index = None
            self._version = -1

    def _apply(self, learner_id: int, vector) -> None:
        if vector is None:
            self._index.remove(learner_id)
        else:
            self._index.replace(learner_id, vector)


def _changed_learners(state: LiveState, since: int, until: int) -> set[int] | None:
    """Learners changed in versions ``since+1 .. until``; None if any record is missing."""
    learners = set()
    for version in range(since + 1, until + 1):
        value = state.get(f"{CHANGE_KEY}{version}")
        if value is None:
            return None
        learners.add(int(value))
    return learners


LOCK_KEY = "faces:templates:lock"


@contextmanager
def templates_locked(state: LiveState, timeout: float = 10.0, hold: float = 30.0):
    """Serialise changes to the active templates across processes (search, then write).

    Without it, two accounts enrolling the same face at the same moment would each miss the
    other. Raises TimeoutError when the lock is not free within ``timeout`` seconds.
    """
    token = secrets.token_hex(8)
    deadline = time.monotonic() + timeout
    while not state.set(LOCK_KEY, token, ttl=hold, nx=True):
        if time.monotonic() > deadline:
            raise TimeoutError("face templates are locked")
        time.sleep(0.01)
    try:
        yield
    finally:
        if state.get(LOCK_KEY) == token:
            state.delete(LOCK_KEY)
