"""The in-process live-state store: one process only (the one-command demo, tests)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from skilltrace.state.swap import WRITTEN, Swap


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
            current = self._live(self.prefix + key)
            holder = self._live(self.prefix + claim.key)
            if (
                self._live(self.prefix + f"lock:{lock}") is not None
                or current != seen
                or (holder is not None and holder != claim.holder)
            ):
                return Swap(False, current)
            self._data[self.prefix + key] = (value, self._deadline(ttl))
            self._data[self.prefix + claim.key] = (claim.holder, self._deadline(claim.ttl))
            return WRITTEN
