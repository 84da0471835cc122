"""The ledger projection: deltas between fold states, and the rebuild from trace events."""

import pytest

from skilltrace.study.crediting import CreditingRules
from skilltrace.study.ledger import Ledger, LessonInfo
from skilltrace.study.projection import (
    LESSON_COMPLETED,
    STRETCH_CREDITED,
    ProjectedLedger,
    _interval_difference,
    ledger_delta,
    replay_trace,
)
from skilltrace.study.replay import fold

RULES = CreditingRules()
T0 = 1_767_225_600.0  # 2026-01-01 08:00 Asia/Shanghai


@pytest.mark.parametrize(
    ("after", "before", "expected"),
    [
        ([(0, 10)], [], [(0, 10)]),
        ([(0, 10)], [(0, 10)], []),
        ([(0, 20)], [(5, 10)], [(0, 5), (10, 20)]),
        ([(0, 30)], [(0, 10), (20, 25)], [(10, 20), (25, 30)]),
        ([(0, 10), (20, 30)], [(0, 10)], [(20, 30)]),
    ],
)
def test_interval_difference(after, before, expected):
    assert _interval_difference(after, before) == expected


def beats(start, count, position=0.0, step=15.0):
    return [
        {
            "type": "heartbeat",
            "at": start + i * step,
            "position": position + i * step,
            "playing": True,
            "playback_rate": 1.0,
            "visible": True,
        }
        for i in range(count)
    ]


def test_delta_of_a_credited_stretch_and_its_replay():
    start = [
        {
            "type": "session_started",
            "session_id": 1,
            "lesson_id": 7,
            "course_id": 3,
            "lesson_duration_s": 60.0,
        },
        {"type": "check_passed", "at": T0},
    ]
    start[0]["at"] = T0
    before = fold(start, RULES)
    after = fold(beats(T0, 5) + [{"type": "check_passed", "at": T0 + 60}], RULES, before)
    delta = ledger_delta(before.ledger, after.ledger, 7)
    assert delta.seconds == pytest.approx(60.0)
    assert delta.intervals == [(0.0, 60.0)]
    assert delta.completed
    events = [
        {
            "kind": STRETCH_CREDITED,
            "at": "2026-01-01T00:01:00.000000Z",
            "data": {
                "lesson_id": 7,
                "credited": delta.credited,
                "capped": delta.capped,
                "intervals": [list(i) for i in delta.intervals],
            },
        },
        {"kind": LESSON_COMPLETED, "at": "2026-01-01T00:01:00.000000Z", "data": {"lesson_id": 7}},
    ]
    rebuilt = replay_trace(events)
    assert rebuilt.credited == {(7, "2026-01-01"): pytest.approx(60.0)}
    assert rebuilt.coverage == {7: ((0.0, 60.0),)}
    assert rebuilt.completed == {7: "2026-01-01T00:01:00.000000Z"}


def test_no_delta_without_a_closing_check():
    start = fold(
        [
            {
                "type": "session_started",
                "at": T0,
                "session_id": 1,
                "lesson_id": 7,
                "lesson_duration_s": 600.0,
            },
            {"type": "check_passed", "at": T0},
        ],
        RULES,
    )
    after = fold(beats(T0, 5), RULES, start)
    assert ledger_delta(start.ledger, after.ledger, 7).empty


def test_differences_are_reported():
    a = ProjectedLedger(credited={(1, "2026-01-01"): 60.0}, coverage={1: ((0.0, 60.0),)})
    b = ProjectedLedger(credited={(1, "2026-01-01"): 75.0}, coverage={1: ((0.0, 60.0),)})
    assert a.differences(a) == []
    assert a.differences(b) == ["credited (1, '2026-01-01'): 60.0 != 75.0"]


def test_baseline_ledger_counts_towards_the_daily_cap():
    rules = CreditingRules(daily_cap_units=1, minutes_per_hour_unit=1)  # 60 s a day
    ledger = Ledger(credited_by_day={"2026-01-01": 50.0}, lessons={7: LessonInfo(3, 600.0)})
    from skilltrace.study.replay import StudyState

    start = fold(
        [
            {
                "type": "session_started",
                "at": T0,
                "session_id": 1,
                "lesson_id": 7,
                "course_id": 3,
                "lesson_duration_s": 600.0,
            },
            {"type": "check_passed", "at": T0},
        ],
        rules,
        StudyState(ledger),
    )
    after = fold(beats(T0, 3) + [{"type": "check_passed", "at": T0 + 30}], rules, start)
    delta = ledger_delta(start.ledger, after.ledger, 7)
    assert delta.credited == {"2026-01-01": pytest.approx(10.0)}
    assert delta.capped == {"2026-01-01": pytest.approx(20.0)}
