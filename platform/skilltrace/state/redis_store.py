"""The live-state store over a Redis server, shared by every worker process."""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

from skilltrace.state.swap import WRITTEN, Swap

# One round trip for a lock-free update: KEYS value, lock, claim[, guard]; ARGV sha1 of the
# value read, new value, its TTL in ms, claim holder, claim TTL in ms[, guard value]. 1 if
# written, -1 if the guard does not hold; otherwise the value as it is now (a string), or 0
# if there is none, so that the caller can fold again without another round trip.
REPLACE_IF_UNCHANGED_LUA = """
if KEYS[4] and redis.call('get', KEYS[4]) ~= ARGV[6] then return -1 end
local current = redis.call('get', KEYS[1])
if not current then return 0 end
if redis.call('exists', KEYS[2]) == 1 or redis.sha1hex(current) ~= ARGV[1] then
  return current
end
local holder = redis.call('get', KEYS[3])
if holder and holder ~= ARGV[4] then return current end
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
        if done == 1:
            return WRITTEN
        return Swap(False, done or None)

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
