"""Login throttling: failures slow the client that makes them, never lock out the owner.

Counted with ``limits`` in the app's rate-limit storage (Redis or memory), per window of
``LOGIN_WINDOW_S``:

- failures per client IP (any account): at ``LOGIN_MAX_FAILURES_PER_IP`` the IP waits;
- failures per (account, client IP): at ``LOGIN_MAX_FAILURES_PER_CLIENT`` that client waits
  for that account only;
- failures per account: past ``LOGIN_ACCOUNT_FREE_FAILURES`` the account is under attack and
  every client that has failed on it waits ``2 ** extra`` seconds (at most
  ``LOGIN_MAX_DELAY_S``) after its last failure before it may try again.

A client without failures on an account is never held back on its account: the owner with the
right password logs in from their own device while strangers guess.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from limits import RateLimitItemPerSecond

from skilltrace.errors import DomainError
from skilltrace.state import current_state


@dataclass(frozen=True)
class ThrottleRules:
    window_s: int
    max_failures_per_ip: int
    max_failures_per_client: int
    account_free_failures: int
    max_delay_s: int

    @classmethod
    def from_config(cls, config) -> ThrottleRules:
        return cls(
            window_s=config["LOGIN_WINDOW_S"],
            max_failures_per_ip=config["LOGIN_MAX_FAILURES_PER_IP"],
            max_failures_per_client=config["LOGIN_MAX_FAILURES_PER_CLIENT"],
            account_free_failures=config["LOGIN_ACCOUNT_FREE_FAILURES"],
            max_delay_s=config["LOGIN_MAX_DELAY_S"],
        )


def slowdown_s(rules: ThrottleRules, account_failures: int) -> int:
    """Seconds a client that failed on an account waits before its next try there."""
    extra = account_failures - rules.account_free_failures
    if extra <= 0:
        return 0
    return min(rules.max_delay_s, 2 ** min(extra, 30))


class LoginThrottle:
    """Counts failed logins and refuses (429) the clients that must wait."""

    def __init__(self, rules: ThrottleRules, strategy, prefix: str = "login"):
        self.rules = rules
        self.strategy = strategy
        self.item = RateLimitItemPerSecond(10**9, rules.window_s)
        self.prefix = prefix

    def _count(self, *key: str) -> int:
        stats = self.strategy.get_window_stats(self.item, self.prefix, *key)
        return self.item.amount - stats.remaining

    def _account_key(self, account: str) -> str:
        """The account's counter key; :meth:`forget` starts the account's counts afresh."""
        epoch = current_state().get(f"login-epoch:{_digest(account)}") or "0"
        return _digest(f"{account}:{epoch}")

    def forget(self, account: str) -> None:
        """An administrator unlocked ``account``: every client's failures on it are forgiven."""
        current_state().set(
            f"login-epoch:{_digest(account)}", secrets.token_hex(8), ttl=self.rules.window_s
        )

    def check(self, account: str, client: str) -> None:
        """Raise ``too_many_attempts`` when this client must wait before trying ``account``."""
        account, client = self._account_key(account), _digest(client)
        rules = self.rules
        if self._count("ip", client) >= rules.max_failures_per_ip:
            raise _too_many(rules.window_s)
        if self._count("pair", account, client) >= rules.max_failures_per_client:
            raise _too_many(rules.window_s)
        if self._count("pair", account, client) == 0:
            return  # a client without failures on this account is never held back on it
        delay = slowdown_s(rules, self._count("account", account))
        last = current_state().get(f"login-last:{account}:{client}")
        if delay and last is not None and time.time() - float(last) < delay:
            raise _too_many(delay - (time.time() - float(last)))

    def failed(self, account: str, client: str) -> None:
        """Record a failure of this client on this account."""
        account, client = self._account_key(account), _digest(client)
        for key in (("ip", client), ("pair", account, client), ("account", account)):
            self.strategy.hit(self.item, self.prefix, *key)
        current_state().set(
            f"login-last:{account}:{client}", str(time.time()), ttl=self.rules.window_s
        )

    def succeeded(self, account: str, client: str) -> None:
        """The right password: this client's failures on the account are forgiven."""
        account, client = self._account_key(account), _digest(client)
        self.strategy.clear(self.item, self.prefix, "pair", account, client)
        current_state().delete(f"login-last:{account}:{client}")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _too_many(seconds: float) -> DomainError:
    if seconds < 60:
        message = _l(
            "Too many login attempts. Try again in %(seconds)s seconds.",
            seconds=max(1, math.ceil(seconds)),
        )
    else:
        message = _l(
            "Too many login attempts. Try again in %(minutes)s minutes.",
            minutes=max(1, round(seconds / 60)),
        )
    return DomainError("too_many_attempts", message, status=429)


def login_throttle() -> LoginThrottle:
    """The throttle of the current app, on its rate-limit storage."""
    from flask import current_app

    from skilltrace.security import rate_limiter

    return LoginThrottle(ThrottleRules.from_config(current_app.config), rate_limiter())
