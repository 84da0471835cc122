"""What a lock-free compare-and-set did (``LiveState.replace_if_unchanged``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Swap:
    """``done`` if the value was written; if not, ``current`` is what the key held in the
    same atomic step (None: nothing), so that a caller can fold again without reading it."""

    done: bool
    current: str | None = None

    def __bool__(self) -> bool:
        return self.done


WRITTEN = Swap(True)
