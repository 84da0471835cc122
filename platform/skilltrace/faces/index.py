"""The process-memory index of every active face template, kept in step across processes.

Each process holds one :class:`~skilltrace.faces.search.TemplateIndex` (learner id -> active
template). A counter in the live-state store is bumped after every committed change to the
active templates; a process whose index was built at another counter value rebuilds it from
the database before searching. A process applies its own changes in place when no other
process changed anything in between.
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

Loader = Callable[[], Iterable[tuple[int, object]]]


class TemplateDirectory:
    """A lazily built, version-checked ``TemplateIndex`` of active templates."""

    def __init__(self) -> None:
        self._index: TemplateIndex | None = None
        self._version: str | None = None
        self._lock = threading.Lock()
        self.rebuilds = 0

    def index(self, state: LiveState, load: Loader) -> TemplateIndex:
        """The index, rebuilt with ``load()`` when the shared counter moved since it was built."""
        from skilltrace.faces.search import TemplateIndex

        current = state.get(VERSION_KEY) or "0"  # read before loading: never label stale data
        with self._lock:
            if self._index is None or self._version != current:
                self._index = TemplateIndex.from_items(load())
                self._version = current
                self.rebuilds += 1
            return self._index

    def changed(self, state: LiveState, learner_id: int, vector=None) -> None:
        """Record a committed change: ``vector`` is the learner's new template, None if gone."""
        new = state.incr(VERSION_KEY)
        with self._lock:
            if self._index is not None and self._version == str(new - 1):
                if vector is None:
                    self._index.remove(learner_id)
                else:
                    self._index.replace(learner_id, vector)
                self._version = str(new)
            else:
                self._index = None  # someone else changed it too: rebuild on next use

    def forget(self) -> None:
        """Drop the in-memory index (the next search rebuilds it)."""
        with self._lock:
            self._index = None
            self._version = None


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
