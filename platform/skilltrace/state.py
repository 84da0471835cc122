"""The live-state store: Redis when ``REDIS_URL`` is set, otherwise an in-process store.

This module is the only place that knows which one is in use. Everything else calls
:func:`current_state` and the :class:`LiveState` methods (strings, counters, lists, all with
optional TTLs in seconds). The in-process store is valid for one process only (the demo);
`scripts/run` serves it from a single process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

from skilltrace.locks import HOLDER, LockBusy, held_lock, holder_is_dead  # noqa: F401 - their old home

log = logging.getLogger(__name__)


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
    ) -> bool:
        """Set ``key`` to ``value`` only if it still holds ``seen``, the :func:`held_lock`
        ``lock`` is free and ``claim.key`` holds ``claim.holder`` or nothing (the claim is then
        renewed): one atomic step, one round trip. False, writing nothing, otherwise. A
        ``guard`` that does not hold raises its ``error``, writing nothing."""


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


# One round trip for a lock-free update: KEYS value, lock, claim[, guard]; ARGV sha1 of the
# value read, new value, its TTL in ms, claim holder, claim TTL in ms[, guard value]. 1 if
# written, 0 if anything moved, -1 if the guard does not hold.
REPLACE_IF_UNCHANGED_LUA = """
if KEYS[4] and redis.call('get', KEYS[4]) ~= ARGV[6] then return -1 end
if redis.call('exists', KEYS[2]) == 1 then return 0 end
local current = redis.call('get', KEYS[1])
if not current or redis.sha1hex(current) ~= ARGV[1] then return 0 end
local holder = redis.call('get', KEYS[3])
if holder and holder ~= ARGV[4] then return 0 end
redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('set', KEYS[3], ARGV[4], 'PX', ARGV[5])
return 1
"""
TAKE_DUE_LUA = """
local due = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #due > 0 then redis.call('zrem', KEYS[1], unpack(due)) end
return due
"""
DELETE_IF_LUA = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class BoundedMap:
    """A thread-safe map of this process keeping only the ``size`` newest entries (for caches
    whose misses are only slower, never wrong)."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            return self._items.get(key)

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def pop(self, key: Any) -> None:
        with self._lock:
            self._items.pop(key, None)


class InProcessState:
    """Thread-safe dict with expiry; mirrors the subset of Redis that SkillTrace uses."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self._data: dict[str, tuple[Any, float | None]] = {}
        self._lock = threading.RLock()
        self._pushed = threading.Condition(self._lock)

    def _live(self, key: str) -> Any:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    @staticmethod
    def _deadline(ttl: float | None) -> float | None:
        return None if ttl is None else time.monotonic() + ttl

    def get(self, key):
        with self._lock:
            value = self._live(self.prefix + key)
            return value if isinstance(value, str) else None

    def set(self, key, value, ttl=None, nx=False):
        with self._lock:
            if nx and self._live(self.prefix + key) is not None:
                return False
            self._data[self.prefix + key] = (value, self._deadline(ttl))
            return True

    def delete(self, *keys):
        with self._lock:
            found = [k for k in keys if self._live(self.prefix + k) is not None]
            for k in found:
                del self._data[self.prefix + k]
            return len(found)

    def incr(self, key, ttl=None):
        with self._lock:
            full = self.prefix + key
            current = self._live(full)
            if current is None:
                self._data[full] = ("1", self._deadline(ttl))
                return 1
            value = int(current) + 1
            self._data[full] = (str(value), self._data[full][1])
            return value

    def ttl(self, key):
        with self._lock:
            if self._live(self.prefix + key) is None:
                return None
            expires = self._data[self.prefix + key][1]
            return None if expires is None else max(0.0, expires - time.monotonic())

    def expire(self, key, ttl):
        with self._lock:
            full = self.prefix + key
            if self._live(full) is None:
                return False
            self._data[full] = (self._data[full][0], self._deadline(ttl))
            return True

    def rpush(self, key, value, ttl=None):
        with self._lock:
            full = self.prefix + key
            items = self._live(full)
            if items is None:
                items = []
                self._data[full] = (items, self._deadline(ttl))
            elif ttl is not None:
                self._data[full] = (items, self._deadline(ttl))
            items.append(value)
            self._pushed.notify_all()
            return len(items)

    def wait_pop(self, key, timeout):
        deadline = time.monotonic() + timeout
        with self._pushed:
            while True:
                items = self._live(self.prefix + key)
                if isinstance(items, list) and items:
                    return items.pop(0)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._pushed.wait(left)

    def lrange(self, key):
        with self._lock:
            items = self._live(self.prefix + key)
            return list(items) if isinstance(items, list) else []

    def ltrim_tail(self, key, keep):
        with self._lock:
            items = self._live(self.prefix + key)
            if isinstance(items, list) and len(items) > keep:
                del items[: len(items) - keep]

    def delete_prefix(self, prefix):
        with self._lock:
            doomed = [k for k in self._data if k.startswith(self.prefix + prefix)]
            for k in doomed:
                del self._data[k]
            return len(doomed)

    def ping(self):
        return True

    def delete_if(self, key, value):
        with self._lock:
            if self._live(self.prefix + key) != value:
                return False
            del self._data[self.prefix + key]
            return True

    def schedule(self, key, member, at):
        with self._lock:
            items = self._live(self.prefix + key)
            if not isinstance(items, dict):
                items = {}
                self._data[self.prefix + key] = (items, None)
            items[member] = at

    def unschedule(self, key, member):
        with self._lock:
            items = self._live(self.prefix + key)
            if isinstance(items, dict):
                items.pop(member, None)

    def take_due(self, key, until, limit):
        with self._lock:
            items = self._live(self.prefix + key)
            if not isinstance(items, dict):
                return []
            due = sorted((at, member) for member, at in items.items() if at <= until)[:limit]
            for _at, member in due:
                del items[member]
            return [member for _at, member in due]

    def replace_if_unchanged(self, key, seen, value, ttl, *, lock, claim, guard=None):
        with self._lock:
            if guard is not None and self._live(self.prefix + guard.key) != guard.value:
                raise guard.error()
            if self._live(self.prefix + f"lock:{lock}") is not None:
                return False
            if self._live(self.prefix + key) != seen:
                return False
            holder = self._live(self.prefix + claim.key)
            if holder is not None and holder != claim.holder:
                return False
            self._data[self.prefix + key] = (value, self._deadline(ttl))
            self._data[self.prefix + claim.key] = (claim.holder, self._deadline(claim.ttl))
            return True


class RedisState:
    """The same interface over a Redis server (shared by every worker process)."""

    def __init__(self, url: str, prefix: str = ""):
        import redis

        self.prefix = prefix
        self.client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
        self._replace_sha = hashlib.sha1(REPLACE_IF_UNCHANGED_LUA.encode()).hexdigest()
        self._own = threading.local()

    def get(self, key):
        return self.client.get(self.prefix + key)

    def set(self, key, value, ttl=None, nx=False):
        px = None if ttl is None else max(1, int(ttl * 1000))
        return bool(self.client.set(self.prefix + key, value, px=px, nx=nx))

    def delete(self, *keys):
        return self.client.delete(*(self.prefix + k for k in keys)) if keys else 0

    def incr(self, key, ttl=None):
        full = self.prefix + key
        pipe = self.client.pipeline()
        pipe.incr(full)
        if ttl is not None:
            pipe.pexpire(full, max(1, int(ttl * 1000)), nx=True)
        return int(pipe.execute()[0])

    def ttl(self, key):
        value = self.client.pttl(self.prefix + key)
        return None if value < 0 else value / 1000

    def expire(self, key, ttl):
        return bool(self.client.pexpire(self.prefix + key, max(1, int(ttl * 1000))))

    def rpush(self, key, value, ttl=None):
        full = self.prefix + key
        pipe = self.client.pipeline()
        pipe.rpush(full, value)
        if ttl is not None:
            pipe.pexpire(full, max(1, int(ttl * 1000)))
        return int(pipe.execute()[0])

    def lrange(self, key):
        return self.client.lrange(self.prefix + key, 0, -1)

    def ltrim_tail(self, key, keep):
        self.client.ltrim(self.prefix + key, -keep, -1)

    def wait_pop(self, key, timeout):
        # Under the client's 5 s socket timeout; Redis takes fractions of a second.
        found = self.client.blpop([self.prefix + key], timeout=min(max(timeout, 0.01), 4.0))
        return None if found is None else found[1]

    def delete_prefix(self, prefix):
        keys = list(self.client.scan_iter(match=self.prefix + prefix + "*", count=500))
        return self.client.delete(*keys) if keys else 0

    def ping(self):
        return bool(self.client.ping())

    def delete_if(self, key, value):
        return bool(self.client.eval(DELETE_IF_LUA, 1, self.prefix + key, value))

    def schedule(self, key, member, at):
        self.client.zadd(self.prefix + key, {member: at})

    def unschedule(self, key, member):
        self.client.zrem(self.prefix + key, member)

    def take_due(self, key, until, limit):
        return list(self.client.eval(TAKE_DUE_LUA, 1, self.prefix + key, repr(until), limit))

    def replace_if_unchanged(self, key, seen, value, ttl, *, lock, claim, guard=None):
        keys = (self.prefix + key, self.prefix + f"lock:{lock}", self.prefix + claim.key)
        args = (
            hashlib.sha1(seen.encode()).hexdigest(),
            value,
            max(1, int(ttl * 1000)),
            claim.holder,
            max(1, int(claim.ttl * 1000)),
        )
        if guard is not None:
            keys, args = (*keys, self.prefix + guard.key), (*args, guard.value)
        done = self._evalsha(self._replace_sha, REPLACE_IF_UNCHANGED_LUA, keys, args)
        if done == -1:
            raise guard.error()
        return done == 1

    def _evalsha(self, sha: str, script: str, keys: tuple, args: tuple) -> Any:
        """EVALSHA on this thread's own connection: the heartbeat's one round trip skips the
        pool's per-command bookkeeping. Loads the script if the server lost it; reconnects
        once after a broken connection (the script only writes if nothing moved, so running
        it twice is harmless)."""
        from redis.exceptions import ConnectionError, NoScriptError, TimeoutError

        conn = self._own_connection()
        for attempt in range(3):
            try:
                conn.send_command("EVALSHA", sha, len(keys), *keys, *args)
                return conn.read_response()
            except NoScriptError:
                self.client.script_load(script)
            except (ConnectionError, TimeoutError):
                conn.disconnect()
                if attempt:
                    raise
        raise RuntimeError("the script could not be loaded")

    def _own_connection(self):
        own = self._own
        if getattr(own, "pid", None) != os.getpid():  # new thread, or a forked worker
            pool = self.client.connection_pool
            own.connection = pool.connection_class(**pool.connection_kwargs)
            own.pid = os.getpid()
        return own.connection


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
