"""The per-photo rules of an enrollment (pure): which photo is refused, and when one reason
covers the whole request."""

from __future__ import annotations

import pytest

from skilltrace.faces.photo_rules import (
    DIFFER,
    first_refused,
    odd_one_out,
    one_reason,
    same_person_verdicts,
)

Y, N = True, False


def matrix(pairs: dict[tuple[int, int], bool], count: int) -> list[list[bool]]:
    """A symmetric match matrix from the upper triangle."""
    rows = [[i == j for j in range(count)] for i in range(count)]
    for (i, j), match in pairs.items():
        rows[i][j] = rows[j][i] = match
    return rows


@pytest.mark.parametrize(
    ("pairs", "count", "odd", "verdicts"),
    [
        ({}, 1, None, [None]),
        ({(0, 1): Y}, 2, None, [None, None]),
        ({(0, 1): N}, 2, None, [DIFFER, DIFFER]),  # two photos: either could be the stranger
        ({(0, 1): Y, (0, 2): Y, (1, 2): Y}, 3, None, [None, None, None]),
        ({(0, 1): Y, (0, 2): N, (1, 2): N}, 3, 2, [None, None, DIFFER]),
        ({(0, 1): N, (0, 2): Y, (1, 2): N}, 3, 1, [None, DIFFER, None]),
        ({(0, 1): N, (0, 2): N, (1, 2): Y}, 3, 0, [DIFFER, None, None]),
        # one pair fails but each photo matches someone: no single photo to blame
        ({(0, 1): Y, (0, 2): Y, (1, 2): N}, 3, None, [DIFFER, DIFFER, DIFFER]),
        ({(0, 1): N, (0, 2): N, (1, 2): N}, 3, None, [DIFFER, DIFFER, DIFFER]),
    ],
)
def test_same_person_verdicts(pairs, count, odd, verdicts):
    matches = matrix(pairs, count)
    assert odd_one_out(matches) == odd
    assert same_person_verdicts(matches) == verdicts


@pytest.mark.parametrize(
    ("verdicts", "first", "single"),
    [
        ([None], None, True),
        (["no_face"], 0, True),
        ([None, None, None], None, False),
        ([None, "no_face", None], 1, False),
        (["too_dark", None, "no_face"], 0, False),
        (["multiple_faces"] * 3, 0, True),  # every photo refused alike: one message
        (["no_face", "no_face", None], 0, False),
        ([DIFFER, DIFFER], 0, True),
    ],
)
def test_first_refused_and_one_reason(verdicts, first, single):
    assert first_refused(verdicts) == first
    assert one_reason(verdicts) == single
