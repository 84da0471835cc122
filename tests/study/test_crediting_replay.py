"""The crediting fold: stretch shapes, checks between heartbeats, the daily cap, and the fold
giving the same ledger as the incremental path (state stored as JSON between events)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from skilltrace.study.crediting import Anomaly, CreditingRules
from skilltrace.study.ledger import VoidReason
from skilltrace.study.replay import EventError, StudyState, fold, replay, step

CST = timezone(timedelta(hours=8))
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=CST).timestamp()
RULES = CreditingRules()
RANK = {"session_started": 0, "heartbeat": 1, "session_ended": 3}
FAILED, MISSED, UNATTESTED = (
    VoidReason.CHECK_FAILED,
    VoidReason.CHECK_MISSED,
    VoidReason.UNATTESTED_END,
)


def ev(kind, t, **fields):
    return {"type": kind, "at": T0 + t, **fields}


def start(t=0, lesson="L1", duration=3600.0, session="s1", course="C1"):
    return ev("session_started", t, session_id=session, lesson_id=lesson,
              lesson_duration_s=duration, course_id=course)  # fmt: skip


def beat(t, position, rate=1.0, **flags):
    fields = {"playing": True, "visible": True, **flags}
    return ev("heartbeat", t, position=position, playback_rate=rate, **fields)


def watch(t_from, t_to, pos=None, every=15, rate=1.0):
    """Heartbeats from t_from to t_to (inclusive), the video running from ``pos`` at ``rate``."""
    pos = t_from if pos is None else pos
    return [beat(t, pos + (t - t_from) * rate, rate) for t in range(t_from, t_to + 1, every)]


def passed(t, **fields):
    return ev("check_passed", t, **fields)


def failed(t):
    return ev("check_failed", t)


def missed(t):
    return ev("check_missed", t)


def end(t):
    return ev("session_ended", t)


def timeline(*parts):
    """Flatten and order by time; at one instant: start, heartbeat, checks, end."""
    events = [e for p in parts for e in (p if isinstance(p, list) else [p])]
    return sorted(events, key=lambda e: (e["at"], RANK.get(e["type"], 2)))


def voids(ledger):
    return [(v.reason, v.seconds) for v in ledger.voided]


# -- stretch shapes -------------------------------------------------------------------------

STRETCHES = {
    "sign-in to passed check": (
        [start(), passed(0), watch(0, 300), passed(300)], 300, []),
    "passed to passed": (
        [start(), passed(0), watch(0, 600), passed(300), passed(600)], 600, []),
    "last passed to end without a closing check": (
        [start(), passed(0), watch(0, 600), passed(300), end(600)], 300, [(UNATTESTED, 300)]),
    "last passed to end with a closing passed check": (
        [start(), passed(0), watch(0, 600), passed(300), passed(600), end(600)], 600, []),
    "failed check voids since the last passed": (
        [start(), passed(0), watch(0, 600), passed(300), failed(600), end(600)], 300,
        [(FAILED, 300)]),
    "missed check voids since the last passed": (
        [start(), passed(0), watch(0, 900), passed(300), missed(600), end(900)], 300,
        [(MISSED, 300)]),
    "a new passed check after a failure reopens": (
        [start(), passed(0), watch(0, 1200), failed(300), passed(600), passed(900), end(1200)],
        300, [(FAILED, 300), (UNATTESTED, 300)]),
    "no sign-in: nothing before the first passed check": (
        [start(), watch(0, 600), passed(300), passed(600)], 300, []),
    "failed sign-in, then a passed check": (
        [start(), failed(0), watch(0, 600), passed(300), passed(600)], 300, []),
    "session ended before any check": ([start(), watch(0, 300), end(300)], 0, []),
}  # fmt: skip


@pytest.mark.parametrize(("events", "credited", "voided"), STRETCHES.values(), ids=STRETCHES)
def test_stretch_shapes(events, credited, voided):
    ledger = replay(timeline(*events))
    assert ledger.total_seconds == pytest.approx(credited)
    assert ledger.lesson_seconds("L1") == ledger.course_seconds("C1") == ledger.total_seconds
    assert voids(ledger) == voided


def test_heartbeats_while_suspended_are_flagged_and_not_credited():
    events = timeline(start(), passed(0), watch(0, 900), failed(300), passed(600), passed(900))
    ledger = replay(events)
    assert ledger.anomalies == {Anomaly.SUSPENDED: 20}
    assert ledger.coverage["L1"] == ((600.0, 900.0),)


@pytest.mark.parametrize(
    ("check", "credited", "voided"),
    [(passed, 307, []), (failed, 0, [(FAILED, 307)]), (missed, 0, [(MISSED, 307)])],
)
def test_a_check_between_heartbeats_cuts_the_pair(check, credited, voided):
    events = timeline(start(), passed(0), watch(0, 300), check(307), watch(315, 330), end(330))
    results, state = [], StudyState()
    for event in events:
        results.append(step(state, event, RULES))
        state = results[-1].state
    ledger = state.ledger
    assert ledger.total_seconds == pytest.approx(credited)
    assert [v for v in voids(ledger) if v[0] != UNATTESTED] == voided
    if check is passed:  # 300 s at the check, the 7 s tail with the next heartbeat
        assert [r.credit.credited_s for r in results if r.credit.credited_s] == [300, 7]
        assert voids(ledger) == [(UNATTESTED, pytest.approx(23))]


def test_a_sign_in_between_heartbeats_credits_only_what_follows_it():
    ledger = replay(timeline(start(), watch(0, 300), passed(5), passed(300)))
    assert ledger.total_seconds == pytest.approx(295)
    assert ledger.coverage["L1"] == ((5.0, 300.0),)


def test_a_check_carrying_the_player_state_settles_at_once():
    player = {"position": 307, "playing": True, "playback_rate": 1.0, "visible": True}
    events = timeline(start(), passed(0), watch(0, 300), passed(307, **player), end(310))
    ledger = replay(events)
    assert ledger.total_seconds == pytest.approx(307)
    assert ledger.voided == ()


# -- heartbeat rules inside a stretch -------------------------------------------------------


@pytest.mark.parametrize(
    ("beats", "credited", "anomalies"),
    [
        (watch(0, 150) + watch(180, 600), 600, {}),  # a gap of exactly 2 x 15 s
        (watch(0, 150) + [beat(181, 181)] + watch(195, 600), 569, {Anomaly.GAP_TOO_LONG: 1}),
        (watch(0, 600, rate=1.0), 600, {}),
        (watch(0, 600, rate=0.5), 600, {}),  # slower is fine: wall time counts
        (watch(0, 600, rate=1.25), 0, {Anomaly.RATE_TOO_HIGH: 40}),
        (watch(0, 600, rate=2.0), 0, {Anomaly.RATE_TOO_HIGH: 40}),
        ([beat(t, 4 * t) for t in range(0, 601, 15)], 0, {Anomaly.SEEK_FORWARD: 40}),
        ([beat(t, t, playing=t < 300) for t in range(0, 601, 15)], 285, {Anomaly.NOT_PLAYING: 21}),
        ([beat(t, t, visible=t != 300) for t in range(0, 601, 15)], 570, {Anomaly.HIDDEN: 2}),
    ],
)
def test_heartbeat_rules_in_a_stretch(beats, credited, anomalies):
    ledger = replay(timeline(start(), passed(0), beats, passed(600)))
    assert ledger.total_seconds == pytest.approx(credited)
    assert ledger.anomalies == anomalies


def test_a_forward_jump_beyond_the_furthest_credited_is_never_covered():
    beats = watch(0, 300) + watch(315, 600, pos=1000)
    ledger = replay(timeline(start(duration=2000), passed(0), beats, passed(600)))
    assert ledger.anomalies == {Anomaly.SEEK_FORWARD: 1}
    assert ledger.total_seconds == pytest.approx(585)  # the jump's 15 s are not credited
    assert ledger.coverage["L1"] == ((0.0, 300.0), (1000.0, 1285.0))


def test_replaying_counts_wall_time_but_covers_once():
    """Decision: credited seconds are wall time watched; coverage is the union of intervals."""
    beats = watch(0, 600) + watch(615, 915, pos=0)  # back to 0, then watch 0..300 again
    ledger = replay(timeline(start(duration=600), passed(0), beats, passed(600), passed(915)))
    assert ledger.anomalies == {Anomaly.SEEK_BACKWARD: 1}
    assert ledger.total_seconds == pytest.approx(900)
    assert ledger.coverage["L1"] == ((0.0, 600.0),)
    assert ledger.covered_seconds("L1") == 600


def test_a_pause_breaks_the_heartbeat_chain():
    paused, resumed = ev("session_paused", 150), ev("session_resumed", 399)
    events = timeline(start(), passed(0), watch(0, 150), paused, resumed, watch(400, 600, pos=150))
    events.append(passed(600))
    ledger = replay(events)
    assert ledger.total_seconds == pytest.approx(150 + 195)
    assert ledger.anomalies == {}


# -- completion -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("beats", "complete"),
    [
        (watch(0, 570), True),  # 95 % of 600 s
        (watch(0, 555), False),
        (watch(0, 300) + watch(315, 585, pos=330), True),  # skipped 30 s: 570 covered
        (watch(0, 300) + watch(315, 555, pos=360), False),  # skipped 60 s: 540 covered
        (watch(0, 300) + watch(315, 615, pos=0), False),  # watched 0..300 twice
    ],
)
def test_completion(beats, complete):
    close = beats[-1]["at"] - T0
    ledger = replay(timeline(start(duration=600), passed(0), beats, passed(close)))
    assert ("L1" in ledger.completed) is complete
    if complete:
        assert ledger.completed["L1"] == T0 + close


def test_viewing_in_a_voided_stretch_does_not_complete():
    ledger = replay(timeline(start(duration=600), passed(0), watch(0, 600), end(600)))
    assert ledger.completed == {} and ledger.coverage == {}


# -- daily cap ------------------------------------------------------------------------------

CAP_RULES = CreditingRules(minutes_per_hour_unit=5, daily_cap_units=2)  # 600 s per day


@pytest.mark.parametrize(
    ("local_start", "by_day", "capped"),
    [
        (datetime(2024, 3, 1, 23, 50, tzinfo=CST),
         {"2024-03-01": 600, "2024-03-02": 600}, {"2024-03-02": 600}),
        (datetime(2024, 3, 1, 7, 50, tzinfo=CST),  # 23:50 UTC: not a Shanghai midnight
         {"2024-03-01": 600}, {"2024-03-01": 1200}),
    ],
)  # fmt: skip
def test_daily_cap_across_midnight_asia_shanghai(local_start, by_day, capped):
    t = local_start.timestamp() - T0
    events = timeline(start(t, duration=3600), passed(t), watch(int(t), int(t) + 1800, pos=0),
                      passed(t + 1800))  # fmt: skip
    ledger = replay(events, CAP_RULES)
    assert ledger.credited_by_day == pytest.approx(by_day)
    assert ledger.capped_by_day == pytest.approx(capped)
    assert ledger.covered_seconds("L1") == pytest.approx(sum(by_day.values()))
    assert ledger.course_units("C1", CAP_RULES) == pytest.approx(sum(by_day.values()) / 300)


def test_the_cap_counts_every_lesson_of_the_day():
    first = [start(0, lesson="A"), passed(0), watch(0, 450), passed(450), end(450)]
    second = [start(600, lesson="B", session="s2"), passed(600), watch(600, 900), passed(900)]
    ledger = replay(timeline(*first, *second), CAP_RULES)
    assert (ledger.lesson_seconds("A"), ledger.lesson_seconds("B")) == (450, 150)
    assert ledger.capped_by_day == {"2024-03-01": 150}


# -- events ---------------------------------------------------------------------------------


def test_events_outside_or_across_sessions():
    events = [beat(0, 0), passed(0), *timeline(start(), passed(0), watch(0, 300)),
              {**passed(300), "session_id": "other"}, {"type": "face_snapshot_read", "at": 1},
              start(310, session="s2"), passed(310)]  # fmt: skip
    ledger = replay(events)
    assert ledger.anomalies == {"no_session": 2, "session_mismatch": 1}
    assert voids(ledger) == [(UNATTESTED, 300)]  # replaced by a new session: not credited


def test_datetime_times_give_the_same_ledger():
    events = timeline(start(), passed(0), watch(0, 600), passed(307), failed(600))
    as_datetimes = [{**e, "at": datetime.fromtimestamp(e["at"], UTC)} for e in events]
    naive_utc = [{**e, "at": e["at"].replace(tzinfo=None)} for e in as_datetimes]
    assert replay(as_datetimes) == replay(naive_utc) == replay(events)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"type": "heartbeat", "position": 1}, "without 'at'"),
        ({**beat(15, 15), "position": None}, "invalid heartbeat"),
        ({k: v for k, v in beat(15, 15).items() if k != "visible"}, "without 'visible'"),
        ({**beat(15, 15), "at": "yesterday"}, "'at' must be"),
    ],
)
def test_malformed_events_name_their_index(event, message):
    with pytest.raises(EventError, match=message) as caught:
        replay([start(), beat(0, 0), event])
    assert caught.value.index == 2


@pytest.mark.parametrize("duration", [0, -5, None, "600", True])
def test_a_session_needs_a_positive_lesson_duration(duration):
    with pytest.raises(EventError, match="lesson_duration_s"):
        replay([start(duration=duration)])


# -- the fold equals the incremental path ---------------------------------------------------


def random_trace(seed: int) -> list[dict]:
    """A learner's messy week-end: sessions across midnight, anomalies, checks between beats."""
    rng = random.Random(seed)
    events, t = [], datetime(2024, 3, 1, 22, 0, tzinfo=CST).timestamp() - T0
    for n in range(6):
        lesson = rng.choice(["A", "B", "C"])
        course = "K1" if lesson < "C" else "K2"
        events += [start(t, lesson=lesson, duration=900.0, session=f"s{n}", course=course),
                   rng.choice([passed, passed, failed])(t)]  # fmt: skip
        pos, next_check = rng.uniform(0, 300), t + rng.uniform(60, 400)
        for _ in range(rng.randint(20, 120)):
            t += rng.choice([15, 15, 15, 14.2, 16.7, 30, 31, 90])
            pos = max(0.0, pos + rng.choice([15, 15, 15, 14, 16, 60, -200, 0]))
            flags = {"playing": rng.random() > 0.05, "visible": rng.random() > 0.05}
            events.append(beat(t, min(pos, 900.0), rng.choice([1.0, 1.0, 1.0, 0.75, 1.5]), **flags))
            if t > next_check:
                kind = rng.choice([passed, passed, passed, failed, missed])
                events.append(kind(t + rng.uniform(0.1, 14.9)))
                next_check = t + rng.uniform(60, 400)
            if rng.random() < 0.02:
                events.append(ev(rng.choice(["session_paused", "session_resumed"]), t + 0.5))
        events.append(rng.choice([passed, end])(t + 20))
        if rng.random() < 0.8:
            events.append(end(t + 21))
        t += rng.uniform(60, 7200)
    return sorted(events, key=lambda e: e["at"])


@pytest.mark.parametrize("seed", range(8))
def test_the_fold_equals_the_incremental_path(seed):
    events, rules = random_trace(seed), CreditingRules(minutes_per_hour_unit=10, daily_cap_units=3)
    ledger = replay(events, rules)

    state, credited = StudyState(), 0.0
    for event in events:  # the service: one event per request, the state kept as JSON
        result = step(state, event, rules)
        credited += result.credit.credited_s
        state = StudyState.from_dict(json.loads(json.dumps(result.state.to_dict())))
    assert state.ledger == ledger
    assert credited == pytest.approx(ledger.total_seconds)

    cut = len(events) // 3  # recompute resumed from a checkpoint
    assert fold(events[cut:], rules, fold(events[:cut], rules)).ledger == ledger

    assert ledger.total_seconds > 0 and ledger.voided and ledger.anomalies
    assert all(s <= rules.daily_cap_s + 1e-6 for s in ledger.credited_by_day.values())
    for intervals in ledger.coverage.values():
        assert intervals[0][0] >= 0 and intervals[-1][1] <= 900
    for lesson in ledger.completed:
        assert ledger.covered_seconds(lesson) >= 0.95 * 900 - 1e-6
