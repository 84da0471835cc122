"""What the two session jobs share (``study.issue_checks``, ``study.write_credits``): sessions
filed by time in a sorted set of the state store, taken when due and stepped one by one under
their lock, and a key saying the job ran lately, so heartbeats leave that work to it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from skilltrace.state import LockBusy, held_lock

log = logging.getLogger(__name__)

BATCH = 500  # sessions taken per run at most; the rest wait for the next run
LOCK_WAIT_S = 0.5  # a session busy longer than this is tried again next run
RETRY_AFTER_S = 0.5


def grace_s(config) -> float:
    """How long heartbeats leave work to a job that last ran (0: the jobs are off)."""
    return 3.0 * float(config["FACE_CHECK_ISSUE_EVERY_S"])


def job_alive(service, alive_key: str) -> bool:
    """Whether the job owning ``alive_key`` ran within :func:`grace_s` (jobs not off). The
    key (always written with a TTL, by :func:`step_due`) is read for its remaining life, which
    is remembered (:class:`JobMarks`): until it runs out the key is there whatever the store
    is asked, so heartbeats need not ask again."""
    if grace_s(service.c.config) <= 0:
        return False
    marks = service.marks
    if marks.alive(alive_key):
        return True
    left = service.c.state.ttl(alive_key)
    if left is None:
        return False
    marks.note_alive(alive_key, left)
    return True


class JobMarks:
    """What this process last read of the jobs' marks in the state store: until when a job's
    alive key lives, and the latest complete run of the access re-check. Both only move
    forward in the store (a job's run renews its key; a newer run replaces the time), so
    what was read stays true for as long as it is used here; heartbeats then skip the
    round trip that would read it again. Kept per study service (one store, one clock)."""

    def __init__(self):
        self._alive_until: dict[str, float] = {}
        self.access_checked_at = 0.0  # the newest run time read (the service clock's seconds)

    def alive(self, key: str) -> bool:
        return time.monotonic() < self._alive_until.get(key, 0.0)

    def note_alive(self, key: str, ttl_s: float) -> None:
        self._alive_until[key] = time.monotonic() + ttl_s

    def note_access_check(self, at: float) -> None:
        self.access_checked_at = max(self.access_checked_at, at)


def step_due(service, due_key: str, alive_key: str, step: Callable[[int], int]) -> int:
    """One job run: mark the job alive, take the sessions due in ``due_key`` and call
    ``step(session_id)`` for each under its lock; a busy or failing session is filed again
    for the next run. The sum of what ``step`` returned."""
    c = service.c
    c.state.set(alive_key, "1", ttl=grace_s(c.config))
    now = c.clock.now().timestamp()
    done = 0
    for member in c.state.take_due(due_key, now, BATCH):
        try:
            with held_lock(c.state, f"study:session:{member}", wait=LOCK_WAIT_S):
                done += step(int(member))
        except LockBusy:
            c.db.rollback()
            c.state.schedule(due_key, member, now + RETRY_AFTER_S)
        except Exception:  # one session's failure must not stop the others'
            c.db.rollback()
            log.exception("study session %s: %s failed; tried again", member, due_key)
            c.state.schedule(due_key, member, now + RETRY_AFTER_S)
    return done
