"""What the two session jobs share (``study.issue_checks``, ``study.write_credits``): sessions
filed by time in a sorted set of the state store, taken when due and stepped one by one under
their lock, and a key saying the job ran lately, so heartbeats leave that work to it."""

from __future__ import annotations

import logging
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
    """Whether the job owning ``alive_key`` ran within :func:`grace_s` (jobs not off)."""
    return grace_s(service.c.config) > 0 and service.c.state.get(alive_key) is not None


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
