"""Crediting rules of supervised study, as tables over plain data (no app, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from skilltrace.study.crediting import (
    Anomaly,
    CreditingRules,
    Heartbeat,
    OpenStretch,
    Segment,
    apply_daily_cap,
    attested_units,
    close_stretch,
    evaluate_pair,
    is_complete,
    local_day,
)
from skilltrace.study.intervals import covered_seconds, merge_intervals

CST = timezone(timedelta(hours=8))
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=CST).timestamp()
RULES = CreditingRules()


def hb(at, position, playing=True, rate=1.0, visible=True):
    return Heartbeat(at, position, playing, rate, visible)


# -- one heartbeat pair ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prev", "cur", "furthest", "seconds", "anomaly"),
    [
        (hb(0, 0), hb(15, 15), 0, 15, None),
        (hb(0, 0), hb(30, 30), 0, 30, None),  # exactly 2 x heartbeat: still credited
        (hb(0, 0), hb(30.5, 30.5), 0, 0, Anomaly.GAP_TOO_LONG),
        (hb(T0 + 0.1, 0), hb(T0 + 30.1, 30), 0, 30, None),  # float noise on real epochs
        (hb(0, 0), hb(0, 0), 0, 0, Anomaly.OUT_OF_ORDER),
        (hb(15, 15), hb(0, 0), 0, 0, Anomaly.OUT_OF_ORDER),
        (hb(0, 0, rate=1.0), hb(15, 15, rate=1.0), 0, 15, None),
        (hb(0, 0, rate=1.25), hb(15, 18.75, rate=1.25), 0, 0, Anomaly.RATE_TOO_HIGH),
        (hb(0, 0, rate=2.0), hb(15, 30, rate=2.0), 0, 0, Anomaly.RATE_TOO_HIGH),
        (hb(0, 0), hb(15, 15, rate=2.0), 0, 0, Anomaly.RATE_TOO_HIGH),
        (hb(0, 0, rate=0.5), hb(15, 7.5, rate=0.5), 0, 15, None),  # wall time is credited
        (hb(0, 0, rate=0), hb(15, 0, rate=0), 0, 0, Anomaly.NOT_PLAYING),
        (hb(0, 0, playing=False), hb(15, 15), 0, 0, Anomaly.NOT_PLAYING),
        (hb(0, 0), hb(15, 15, playing=False), 0, 0, Anomaly.NOT_PLAYING),
        (hb(0, 0, visible=False), hb(15, 15), 0, 0, Anomaly.HIDDEN),
        (hb(0, 0), hb(15, 15, visible=False), 0, 0, Anomaly.HIDDEN),
        (hb(0, 0), hb(15, 18), 0, 15, None),  # +3 s: within the tolerance
        (hb(0, 0), hb(15, 12), 0, 15, None),  # -3 s (buffering): within the tolerance
        (hb(0, 0), hb(15, 18.5), 0, 0, Anomaly.SEEK_FORWARD),
        (hb(0, 0), hb(15, 60), 0, 0, Anomaly.SEEK_FORWARD),  # 60 s in 15 s at the frontier
        (hb(100, 100), hb(115, 160), 1000, 0, Anomaly.POSITION_INCONSISTENT),  # inside credited
        (hb(100, 100), hb(115, 700), 115, 0, Anomaly.SEEK_FORWARD),  # jump past the furthest
        (hb(100, 100), hb(115, 700), 900, 0, Anomaly.POSITION_INCONSISTENT),
        (hb(100, 300), hb(115, 100), 300, 0, Anomaly.SEEK_BACKWARD),
        (hb(0, 0), hb(15, 5), 0, 0, Anomaly.POSITION_STALLED),
    ],
)
def test_evaluate_pair(prev, cur, furthest, seconds, anomaly):
    result = evaluate_pair(prev, cur, furthest, RULES)
    assert (result.seconds, result.anomaly) == (pytest.approx(seconds), anomaly)
    assert (result.video is None) == (anomaly is not None)
    if anomaly is None:
        assert result.video == (prev.position, max(prev.position, cur.position))


def test_a_steady_small_speed_up_is_caught_by_the_cumulative_lead():
    lead, verdicts = 0.0, []
    for i in range(4):  # 17 s of video per 15 s: each pair alone is within the 3 s tolerance
        result = evaluate_pair(hb(i * 15, i * 17), hb(i * 15 + 15, i * 17 + 17), 0, RULES, lead)
        verdicts.append(result.anomaly)
        lead = result.lead_s
    assert verdicts == [None, Anomaly.SEEK_FORWARD, None, Anomaly.SEEK_FORWARD]


def test_network_jitter_within_the_tolerance_never_accumulates():
    positions = [100 + 15 * i + (1.4 if i % 2 else -1.4) for i in range(40)]
    lead = 0.0
    for i in range(39):
        prev, cur = hb(15 * i, positions[i]), hb(15 * i + 15, positions[i + 1])
        result = evaluate_pair(prev, cur, 0, RULES, lead)
        assert result.anomaly is None, i
        lead = result.lead_s


@pytest.mark.parametrize(
    "kwargs",
    [{"heartbeat_s": 0}, {"max_rate": -1}, {"completion_ratio": 1.5}, {"daily_cap_units": -1},
     {"position_tolerance_s": float("nan")}, {"timezone": "Mars/Olympus"}],
)  # fmt: skip
def test_rules_reject_nonsense(kwargs):
    with pytest.raises(ValueError):
        CreditingRules(**kwargs)


def test_rules_from_config_and_derived_values():
    rules = CreditingRules.from_config(
        {"HEARTBEAT_S": 10, "MINUTES_PER_HOUR_UNIT": 40, "DAILY_CAP_HOUR_UNITS": 6, "X": 1}
    )
    assert (rules.max_gap_s, rules.seconds_per_unit, rules.daily_cap_s) == (20, 2400, 14400)
    assert rules.position_tolerance_s == RULES.position_tolerance_s


@pytest.mark.parametrize(
    "bad", [dict(at=float("nan")), dict(position=-1), dict(playing=1), dict(playback_rate="1")]
)
def test_heartbeat_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        Heartbeat(**{"at": 0, "position": 0, "playing": True, "playback_rate": 1.0,
                     "visible": True, **bad})  # fmt: skip


def test_close_stretch():
    stretch = OpenStretch(0).add(Segment(0, 15, 0, 15)).add(Segment(15, 30, 15, 30))
    assert stretch.seconds == 30 and stretch.furthest_position == 30
    assert close_stretch(stretch, 40, True).credited
    voided = close_stretch(stretch, 40, False)
    assert (voided.credited, voided.seconds, voided.closed_at) == (False, 30, 40)


# -- intervals, cap, units -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("intervals", "merged"),
    [
        ([], ()),
        ([(0, 10)], ((0, 10),)),
        ([(10, 20), (0, 10)], ((0, 20),)),  # touching
        ([(0, 10), (5, 8)], ((0, 10),)),  # contained
        ([(0, 10), (5, 15), (20, 30)], ((0, 15), (20, 30))),
        ([(5, 5), (7, 6)], ()),  # empty ones drop
    ],
)
def test_merge_intervals(intervals, merged):
    assert merge_intervals(intervals) == merged


@pytest.mark.parametrize(
    ("intervals", "duration", "seconds"),
    [
        ([(0, 10), (0, 10)], None, 10),  # replaying never counts twice
        ([(0, 10), (5, 15)], None, 15),
        ([(0, 10), (20, 30)], 25, 15),  # clipped to the duration
        ([(-5, 10)], 100, 10),
    ],
)
def test_covered_seconds(intervals, duration, seconds):
    assert covered_seconds(intervals, duration) == seconds


@pytest.mark.parametrize(
    ("covered", "complete"), [(570, True), (569.9, False), (600, True), (0, False)]
)
def test_completion_at_95_percent(covered, complete):
    assert is_complete([(0, covered)], 600, RULES) is complete


@pytest.mark.parametrize(
    ("already", "new", "result"),
    [(0, 100, (100, 0)), (21500, 200, (100, 100)), (21600, 10, (0, 10)), (22000, 10, (0, 10))],
)
def test_apply_daily_cap(already, new, result):
    assert apply_daily_cap(already, new, RULES) == result  # default cap: 8 x 45 min = 21600 s


@pytest.mark.parametrize(
    ("seconds", "minutes", "units"), [(2700, 45, 1.0), (21600, 45, 8.0), (0, 45, 0), (3000, 50, 1)]
)
def test_attested_units(seconds, minutes, units):
    assert attested_units(seconds, CreditingRules(minutes_per_hour_unit=minutes)) == units


def test_days_are_asia_shanghai_calendar_days():
    utc_evening = datetime(2024, 3, 1, 16, 30, tzinfo=UTC).timestamp()  # 00:30 on 2 March, CST
    assert local_day(utc_evening, RULES) == "2024-03-02"
    assert local_day(utc_evening, CreditingRules(timezone="UTC")) == "2024-03-01"
