"""Nearest-neighbour search over enrolled face templates (duplicate-enrolment checks).

Brute force, vectorised: one float32 matrix-vector product over all templates, using
``|a - b|^2 = |a|^2 - 2 a.b + |b|^2`` with the template norms kept up to date, then exact
distances for the few candidates kept. 100k templates (51 MB) answer in a few milliseconds
on one core (``scripts/bench/faces.py``); no approximate index is needed at this scale.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable

import numpy as np

from .vectors import ENCODING_SIZE, as_encoding


class TemplateIndex:
    """An in-memory, thread-safe set of ``(template id, 128-d encoding)`` to search."""

    def __init__(self, capacity: int = 1024):
        self._vectors = np.empty((max(1, capacity), ENCODING_SIZE), dtype=np.float32)
        self._squared_norms = np.empty(max(1, capacity), dtype=np.float32)
        self._ids: list[Hashable] = []
        self._rows: dict[Hashable, int] = {}
        self._lock = threading.RLock()

    @classmethod
    def from_items(cls, items: Iterable[tuple[Hashable, object]]) -> TemplateIndex:
        """An index holding every ``(id, encoding)`` pair of ``items``."""
        items = list(items)
        index = cls(capacity=len(items))
        for template_id, vector in items:
            index.add(template_id, vector)
        return index

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, template_id: Hashable) -> bool:
        return template_id in self._rows

    @property
    def ids(self) -> list[Hashable]:
        """The ids held, in storage order."""
        with self._lock:
            return list(self._ids)

    def vector(self, template_id: Hashable) -> np.ndarray:
        """A copy of the encoding stored under ``template_id`` (KeyError if absent)."""
        with self._lock:
            return self._vectors[self._rows[template_id]].copy()

    def add(self, template_id: Hashable, vector) -> None:
        """Add a template; ValueError if ``template_id`` is already present."""
        encoding = as_encoding(vector)
        with self._lock:
            if template_id in self._rows:
                raise ValueError(f"template {template_id!r} is already indexed")
            row = len(self._ids)
            if row == len(self._vectors):
                self._grow()
            self._store(row, encoding)
            self._ids.append(template_id)
            self._rows[template_id] = row

    def replace(self, template_id: Hashable, vector) -> None:
        """Set the template stored under ``template_id`` (added when absent)."""
        encoding = as_encoding(vector)
        with self._lock:
            row = self._rows.get(template_id)
            if row is None:
                self.add(template_id, encoding)
            else:
                self._store(row, encoding)

    def remove(self, template_id: Hashable) -> bool:
        """Drop a template; returns whether it was present. The last row fills the hole."""
        with self._lock:
            row = self._rows.pop(template_id, None)
            if row is None:
                return False
            last = len(self._ids) - 1
            if row != last:
                moved_id = self._ids[last]
                self._vectors[row] = self._vectors[last]
                self._squared_norms[row] = self._squared_norms[last]
                self._ids[row] = moved_id
                self._rows[moved_id] = row
            self._ids.pop()
            return True

    def nearest(
        self, vector, k: int = 1, exclude_id: Hashable | None = None
    ) -> list[tuple[Hashable, float]]:
        """The ``k`` closest templates as ``(id, distance)``, closest first.

        ``exclude_id`` leaves one template out (e.g. the learner's own when re-enrolling).
        """
        query = as_encoding(vector)
        with self._lock:
            squared = self._squared_distances(query, exclude_id)
            if squared is None:
                return []
            available = int(np.count_nonzero(np.isfinite(squared)))
            count = min(max(0, k), available)
            if count == 0:
                return []
            if count < len(squared):
                candidates = np.argpartition(squared, count - 1)[:count]
            else:
                candidates = np.flatnonzero(np.isfinite(squared))
            return self._exact(query, candidates)

    def within(
        self, vector, max_distance: float, exclude_id: Hashable | None = None
    ) -> list[tuple[Hashable, float]]:
        """Every template at most ``max_distance`` away, as ``(id, distance)``, closest first."""
        query = as_encoding(vector)
        with self._lock:
            squared = self._squared_distances(query, exclude_id)
            if squared is None:
                return []
            # A small slack absorbs float32 rounding of the expanded form; _exact re-checks.
            candidates = np.flatnonzero(squared <= (max_distance + 1e-3) ** 2)
            found = self._exact(query, candidates)
        return [(template_id, gap) for template_id, gap in found if gap <= max_distance]

    # --- internals -------------------------------------------------------------------------

    def _store(self, row: int, encoding: np.ndarray) -> None:
        self._vectors[row] = encoding
        self._squared_norms[row] = float(encoding @ encoding)

    def _grow(self) -> None:
        capacity = len(self._vectors) * 2
        vectors = np.empty((capacity, ENCODING_SIZE), dtype=np.float32)
        norms = np.empty(capacity, dtype=np.float32)
        vectors[: len(self._vectors)] = self._vectors
        norms[: len(self._squared_norms)] = self._squared_norms
        self._vectors, self._squared_norms = vectors, norms

    def _squared_distances(self, query: np.ndarray, exclude_id: Hashable | None):
        """Approximate squared distances to every row (inf for the excluded one)."""
        count = len(self._ids)
        if count == 0:
            return None
        squared = self._vectors[:count] @ query
        squared *= -2.0
        squared += self._squared_norms[:count]
        squared += float(query @ query)
        excluded = self._rows.get(exclude_id) if exclude_id is not None else None
        if excluded is not None:
            squared[excluded] = np.inf
        return squared

    def _exact(self, query: np.ndarray, rows: np.ndarray) -> list[tuple[Hashable, float]]:
        """Exact distances for ``rows``, sorted closest first."""
        if len(rows) == 0:
            return []
        gaps = np.linalg.norm(self._vectors[rows] - query, axis=1)
        order = np.argsort(gaps, kind="stable")
        return [(self._ids[rows[i]], float(gaps[i])) for i in order]
