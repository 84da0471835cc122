"""The pause the player makes for a face check is not an anomaly (issue 13.4).

The player pauses the video while the camera check is open and plays on once it passes, so
the heartbeat pair spanning the check shows the position lagging wall time (or paused). That
time is still not credited, but the pair is not flagged as ``position_stalled``."""

from __future__ import annotations

import pytest

from skilltrace.study.crediting import Anomaly, CreditingRules
from skilltrace.study.replay import fold

RULES = CreditingRules()


def ev(kind, t, **fields):
    return {"type": kind, "at": 1_700_000_000 + t, "session_id": "s1", **fields}


def beat(t, position, playing=True):
    return ev("heartbeat", t, position=position, playing=playing, playback_rate=1.0, visible=True)


START = [
    ev("session_started", 0, lesson_id="L1", lesson_duration_s=3600.0, course_id="C1"),
    ev("check_passed", 0),
    beat(0, 0),
    beat(15, 15),
]


@pytest.mark.parametrize(
    "name,events,flagged",
    [
        (
            "honest pause for a random check, then playing again",
            [ev("check_passed", 22), beat(30, 23)],
            {},
        ),
        (
            "still paused at the next heartbeat after the check",
            [ev("check_passed", 22), beat(30, 15, playing=False)],
            {},
        ),
        ("the same lag without a check is flagged", [beat(30, 23)], {Anomaly.POSITION_STALLED: 1}),
        (
            "a check does not excuse skipping ahead",
            [ev("check_passed", 22), beat(30, 300)],
            {Anomaly.SEEK_FORWARD: 1},
        ),
        (
            "after a failed check the lag is not flagged (nothing is credited anyway)",
            [ev("check_failed", 22), beat(30, 23)],
            {},
        ),
        (
            "the pair after the check is judged as usual",
            [ev("check_passed", 22), beat(30, 23), beat(45, 30)],
            {Anomaly.POSITION_STALLED: 1},
        ),  # fmt: skip
    ],
)
def test_pause_around_a_check(name, events, flagged):
    ledger = fold(START + events, RULES).ledger
    assert dict(ledger.anomalies) == flagged, name


def test_the_paused_time_is_not_credited():
    paused = fold(START + [ev("check_passed", 22), beat(30, 23)], RULES).ledger
    watched = fold(START + [ev("check_passed", 22), beat(30, 30)], RULES).ledger
    assert paused.total_seconds < watched.total_seconds
