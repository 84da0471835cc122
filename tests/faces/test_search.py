"""TemplateIndex: exact nearest neighbours under adds, replacements and removals."""

from __future__ import annotations

import numpy as np
import pytest

from skilltrace.faces.search import TemplateIndex


def random_templates(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.09, (count, 128)).astype(np.float32)


def brute_force(vectors: dict, query: np.ndarray) -> list[tuple[object, float]]:
    found = [(key, float(np.linalg.norm(vec - query))) for key, vec in vectors.items()]
    return sorted(found, key=lambda item: item[1])


@pytest.mark.parametrize("count", [1, 2, 50, 3000])
@pytest.mark.parametrize("k", [1, 3])
def test_nearest_agrees_with_brute_force(count, k):
    vectors = {f"t{i}": v for i, v in enumerate(random_templates(count))}
    index = TemplateIndex.from_items(vectors.items())
    for query in random_templates(5, seed=1):
        got = index.nearest(query, k=k)
        want = brute_force(vectors, query)[:k]
        assert [key for key, _ in got] == [key for key, _ in want]
        assert [d for _, d in got] == pytest.approx([d for _, d in want], abs=1e-5)


def test_exclude_id_leaves_one_template_out():
    vectors = random_templates(10)
    index = TemplateIndex.from_items(enumerate(vectors))
    assert index.nearest(vectors[4])[0] == (4, 0.0)
    best = index.nearest(vectors[4], exclude_id=4)[0]
    assert best[0] != 4 and best[1] > 0
    assert index.nearest(vectors[4], k=20, exclude_id=4)[-1][0] != 4
    assert len(index.nearest(vectors[4], k=20, exclude_id=4)) == 9
    assert index.nearest(vectors[4], exclude_id="absent")[0][0] == 4


def test_empty_and_single_indexes():
    index = TemplateIndex()
    query = random_templates(1)[0]
    assert index.nearest(query) == [] and index.within(query, 1.0) == []
    index.add("only", query)
    assert index.nearest(query, exclude_id="only") == []
    assert index.nearest(query, k=0) == []


def test_add_replace_remove():
    a, b, c, d = random_templates(4)
    index = TemplateIndex(capacity=1)  # forces growth
    index.add(1, a)
    index.add(2, b)
    index.add(3, c)
    with pytest.raises(ValueError):
        index.add(2, c)
    assert len(index) == 3 and 2 in index
    index.replace(2, d)
    assert index.nearest(d)[0] == (2, 0.0)
    index.replace(4, b)  # absent: added
    assert index.nearest(b)[0] == (4, 0.0)
    assert index.remove(1) is True and index.remove(1) is False
    assert sorted(index.ids) == [2, 3, 4]
    assert 1 not in index
    # the row that filled the hole is still found under its own id
    for key, vector in ((2, d), (3, c), (4, b)):
        assert index.nearest(vector)[0] == (key, 0.0)
        assert np.array_equal(index.vector(key), vector)


def test_removing_everything_then_adding_again():
    vectors = random_templates(5)
    index = TemplateIndex.from_items(enumerate(vectors))
    for key in (4, 0, 2, 1, 3):
        assert index.remove(key)
    assert len(index) == 0 and index.nearest(vectors[0]) == []
    index.add("again", vectors[0])
    assert index.nearest(vectors[0]) == [("again", 0.0)]


def test_within_returns_everything_close_enough():
    vectors = random_templates(200, seed=3)
    index = TemplateIndex.from_items(enumerate(vectors))
    query = vectors[7] + 0.01
    expected = [
        (key, gap) for key, gap in brute_force(dict(enumerate(vectors)), query) if gap <= 1.2
    ]
    got = index.within(query, 1.2)
    assert [key for key, _ in got] == [key for key, _ in expected]
    assert all(key != 7 for key, _ in index.within(query, 1.2, exclude_id=7))


@pytest.mark.parametrize("bad", [np.zeros(127), np.full(128, np.inf), "text"])
def test_bad_vectors_are_refused(bad):
    index = TemplateIndex()
    with pytest.raises(ValueError):
        index.add("x", bad)
