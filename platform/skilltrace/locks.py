"""Short locks in the live-state store, naming their holder so a dead one is let go."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skilltrace.state import LiveState

log = logging.getLogger(__name__)


WAIT_FIRST_S, WAIT_MAX_S = 0.001, 0.02


class LockBusy(Exception):
    """Another request holds the lock."""


@contextmanager
def held_lock(state: LiveState, key: str, ttl: float = 15.0, wait: float = 5.0):
    """A short mutual-exclusion lock in the store (per study session, for example).

    The lock names its holder (host, process id and start time, then a random part). It
    expires after ``ttl`` seconds even if its holder dies, and a waiter on the same host
    releases it at once when that process is gone (a killed worker does not keep its
    requests waiting for the TTL). It is released only by its own holder. A waiter looks
    again after 1 ms, then twice as long each time up to 20 ms: the locks are held for a few
    milliseconds, and a fixed 20 ms would add up to 20 ms to every request that waited.
    A holder under ``SCHED_IDLE`` (a face worker) runs at normal priority while it holds
    the lock (see :func:`unstarved`).
    """
    token = f"{HOLDER}:{secrets.token_hex(8)}"
    deadline = time.monotonic() + wait
    pause = WAIT_FIRST_S
    while not state.set(f"lock:{key}", token, ttl=ttl, nx=True):
        holder = state.get(f"lock:{key}")
        if holder and holder_is_dead(holder):
            log.warning("lock %s: its holder %s is gone; released", key, holder)
            state.delete_if(f"lock:{key}", holder)
            continue
        if time.monotonic() >= deadline:
            raise LockBusy(key)
        time.sleep(pause)
        pause = min(pause * 2, WAIT_MAX_S)
    try:
        with unstarved():
            yield
    finally:
        state.delete_if(f"lock:{key}", token)


@contextmanager
def unstarved():
    """This thread at normal priority for the block if it runs under ``SCHED_IDLE``.

    A ``SCHED_IDLE`` thread gets only the CPU nothing else wants: holding a lock that a
    heartbeat waits for, on a busy box, it would keep the heartbeat waiting behind work of
    every priority (priority inversion). Leaving ``SCHED_IDLE`` needs ``CAP_SYS_NICE`` or
    an ``RLIMIT_NICE`` of at least 20 - nice (compose.yaml gives the face workers 20);
    without either the thread stays idle.
    """
    idle = getattr(os, "SCHED_IDLE", None)
    if idle is None or os.sched_getscheduler(0) != idle:
        yield
        return
    try:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except PermissionError:
        yield
        return
    try:
        yield
    finally:
        os.sched_setscheduler(0, idle, os.sched_param(0))


def _process_started(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot), None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()
    except (OSError, IndexError):
        return None


def _holder_name() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_started(pid) or 0}"


class _Holder:
    """This process's name in lock tokens (recomputed after a fork)."""

    def __str__(self) -> str:
        pid = os.getpid()
        if getattr(self, "pid", None) != pid:
            self.pid, self.name = pid, _holder_name()
        return self.name


HOLDER = _Holder()


def holder_is_dead(token: str) -> bool:
    """Whether a lock token names a process of this host that no longer runs (a pid reused
    by a newer process has another start time). Holders on other hosts are left to the TTL."""
    host, pid, started, *_ = (token.split(":") + ["", "", ""])[:4]
    if host != socket.gethostname() or not pid.isdigit() or started == "0":
        return False
    return _process_started(int(pid)) != started
