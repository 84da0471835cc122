"""The live-state store: Redis when ``REDIS_URL`` is set, otherwise an in-process store.

This package is the only place that knows which one is in use (``memory.py``,
``redis_store.py``). Everything else calls :func:`current_state` and the :class:`LiveState`
methods (strings, counters, lists, all with optional TTLs in seconds). The in-process store
is valid for one process only (the demo); `scripts/run` serves it from a single process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app

from skilltrace.locks import HOLDER, LockBusy, held_lock, holder_is_dead  # noqa: F401 - their old home
from skilltrace.state.memory import BoundedMap, InProcessState
from skilltrace.state.redis_store import RedisState
from skilltrace.state.swap import Swap

__all__ = ["BoundedMap", "InProcessState", "RedisState", "LiveState", "Swap", "current_state"]


class LiveState(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl: float | None = None, nx: bool = False) -> bool: ...
    def delete(self, *keys: str) -> int: ...
    def incr(self, key: str, ttl: float | None = None) -> int: ...
    def ttl(self, key: str) -> float | None: ...
    def expire(self, key: str, ttl: float) -> bool: ...
    def rpush(self, key: str, value: str, ttl: float | None = None) -> int: ...
    def lrange(self, key: str) -> list[str]: ...
    def ltrim_tail(self, key: str, keep: int) -> None: ...
    def wait_pop(self, key: str, timeout: float) -> str | None:
        """Pop the first item of list ``key``, waiting up to ``timeout`` seconds for one to
        be pushed (without using the CPU meanwhile); None if none came."""

    def delete_prefix(self, prefix: str) -> int: ...
    def ping(self) -> bool: ...
    def delete_if(self, key: str, value: str) -> bool:
        """Delete ``key`` only if it holds ``value`` (one atomic step)."""

    def schedule(self, key: str, member: str, at: float) -> None:
        """Put ``member`` in the time-ordered set ``key`` at time ``at`` (a sorted set)."""

    def unschedule(self, key: str, member: str) -> None: ...

    def take_due(self, key: str, until: float, limit: int) -> list[str]:
        """Remove and return up to ``limit`` members of ``key`` due by ``until``, earliest
        first, in one atomic step (two takers never get the same member)."""

    def replace_if_unchanged(
        self,
        key: str,
        seen: str,
        value: str,
        ttl: float,
        *,
        lock: str,
        claim: Claim,
        guard: Guard | None = None,
    ) -> Swap:
        """Set ``key`` to ``value`` only if it still holds ``seen``, the :func:`held_lock`
        ``lock`` is free and ``claim.key`` holds ``claim.holder`` or nothing (the claim is then
        renewed): one atomic step, one round trip. Otherwise nothing is written, and the
        answer (false) carries what ``key`` held in that step. A ``guard`` that does not hold
        raises its ``error``, writing nothing."""


@dataclass(frozen=True)
class Claim:
    """A key naming its holder: ``key`` holds ``holder`` (or nothing) for ``ttl`` seconds."""

    key: str
    holder: str
    ttl: float


class GuardFailed(Exception):
    """A :class:`Guard` did not hold."""


@dataclass(frozen=True)
class Guard:
    """A condition checked in the same atomic step as a write: ``key`` holds ``value``
    (e.g. a session's generation is still its account's). Raises ``error`` if not."""

    key: str
    value: str
    error: type[Exception] = GuardFailed


def init_app(app: Flask) -> None:
    """Attach the store chosen by ``REDIS_URL`` to ``app``."""
    prefix = app.config["STATE_KEY_PREFIX"]
    url = app.config.get("REDIS_URL")
    if url:
        store: LiveState = RedisState(url, prefix)
        app.logger.info("live state: Redis at %s", url.rsplit("@", 1)[-1])
    else:
        store = InProcessState(prefix)
        from skilltrace.startup import add_notice

        add_notice(
            app,
            "REDIS_URL is unset: live state (login limits, study sessions) is kept in this "
            "one process, so serve it with one worker.",
        )
    app.extensions["skilltrace.state"] = store


def current_state() -> LiveState:
    """The live-state store of the current app."""
    return current_app.extensions["skilltrace.state"]
