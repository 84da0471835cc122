"""Decisions over an enrollment's 1-3 photos (pure: no Flask, no engine).

Each photo gets a verdict: ``None`` (accepted) or a refusal code. The learner is told which
photo was refused and why, so a camera capture can retake only that one.
"""

from __future__ import annotations

from collections.abc import Sequence

DIFFER = "enrollment_photos_differ"


def odd_one_out(matches: Sequence[Sequence[bool]]) -> int | None:
    """The index of the one photo that matches none of the others while all the others match
    each other; ``None`` when no single photo is to blame (two photos, or several disagree)."""
    count = len(matches)
    if count < 3:
        return None
    for odd in range(count):
        others = [i for i in range(count) if i != odd]
        alone = not any(matches[odd][i] for i in others)
        agree = all(matches[i][j] for i in others for j in others if i < j)
        if alone and agree:
            return odd
    return None


def same_person_verdicts(matches: Sequence[Sequence[bool]]) -> list[str | None]:
    """Per photo: ``enrollment_photos_differ`` or ``None``. All match: every photo accepted;
    one photo is the odd one out: only it is refused; otherwise every photo is."""
    count = len(matches)
    if all(matches[i][j] for i in range(count) for j in range(i + 1, count)):
        return [None] * count
    odd = odd_one_out(matches)
    return [DIFFER if odd is None or i == odd else None for i in range(count)]


def first_refused(verdicts: Sequence[str | None]) -> int | None:
    """The index of the first refused photo, ``None`` when every photo is accepted."""
    return next((i for i, code in enumerate(verdicts) if code is not None), None)


def one_reason(verdicts: Sequence[str | None]) -> bool:
    """Whether one reason covers the request: a single photo, or every photo refused alike
    (then the message names no photo)."""
    return len(verdicts) == 1 or (verdicts[0] is not None and len(set(verdicts)) == 1)
