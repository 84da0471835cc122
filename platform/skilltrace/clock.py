"""The server's clock, injectable so tests can let time pass without sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import current_app


class SystemClock:
    """Wall-clock time of the server (never the client's)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def timestamp(self) -> float:
        return time.time()


class ManualClock(SystemClock):
    """A clock that only moves when told to (tests, benchmarks)."""

    def __init__(self, start: float | None = None):
        self.value = time.time() if start is None else start

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.value, UTC)

    def timestamp(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


def current_clock() -> SystemClock:
    return current_app.extensions["skilltrace.clock"]
