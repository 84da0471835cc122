"""The replay credits what an overturned check voided, and attested attendance, under the cap.

Trace events are made the way the study service makes them: the check event, then what the
fold's step caused (``voided_segments`` and ``stretch_credited`` as ``apply_delta`` writes them).
"""

from datetime import UTC, datetime

import pytest

from skilltrace.study.amends import attendance_segment
from skilltrace.study.crediting import CreditingRules
from skilltrace.study.ledger import Ledger, VoidedStretch
from skilltrace.study.projection import STRETCH_CREDITED, ledger_delta, replay_trace
from skilltrace.study.replay import StudyState, step

RULES = CreditingRules()
T0 = 1_767_225_600.0  # 2026-01-01 08:00 Asia/Shanghai
LESSON, COURSE, DURATION = 7, 3, 600.0


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Recorder:
    """Folds study events and writes the trace the service would write."""

    def __init__(self, rules=RULES, session_id=1):
        self.rules, self.session_id = rules, session_id
        self.state = StudyState()
        self.trace: list[dict] = []
        self.next_check = 100

    def emit(self, kind: str, at: float, data: dict) -> None:
        self.trace.append(
            {"kind": kind, "at": iso(at), "session_id": self.session_id, "data": data}
        )

    def fold(self, event: dict) -> None:
        before = self.state
        self.state = step(before, {**event, "session_id": self.session_id}, self.rules).state
        delta = ledger_delta(before.ledger, self.state.ledger, LESSON)
        at = event["at"]
        for voided in delta.voided:
            self.emit(
                "voided_segments",
                at,
                {
                    "lesson_id": LESSON,
                    "course_id": COURSE,
                    "duration_s": DURATION,
                    "reason": voided.reason,
                    "opened_at": voided.opened_at,
                    "closed_at": voided.closed_at,
                    "segments": [
                        [s.start, s.end, s.video_from, s.video_to] for s in voided.segments
                    ],
                },
            )
        if delta.credits:
            self.emit(
                STRETCH_CREDITED,
                at,
                {
                    "lesson_id": LESSON,
                    "course_id": COURSE,
                    "duration_s": DURATION,
                    "credited": delta.credited,
                    "capped": delta.capped,
                    "intervals": [list(i) for i in delta.intervals],
                },
            )

    def start(self, at: float) -> None:
        self.fold(
            {
                "type": "session_started",
                "at": at,
                "lesson_id": LESSON,
                "course_id": COURSE,
                "lesson_duration_s": DURATION,
            }
        )

    def check(self, at: float, kind: str, final: bool = True) -> int:
        self.next_check += 1
        data = {"check_id": self.next_check, "final": final}
        self.emit(kind, at, data)
        if kind == "check_passed" or final:
            self.fold({"type": kind, "at": at})
        return self.next_check

    def beats(self, start: float, count: int, position: float, step_s: float = 15.0) -> None:
        for i in range(count):
            self.fold(
                {
                    "type": "heartbeat",
                    "at": start + i * step_s,
                    "position": position + i * step_s,
                    "playing": True,
                    "playback_rate": 1.0,
                    "visible": True,
                }
            )

    def overturn(self, at: float, check_id: int) -> None:
        self.emit("check_overturned", at, {"check_id": check_id, "appeal_id": 1})


def credited_total(projected) -> float:
    return sum(projected.credited.values())


@pytest.mark.parametrize("kind", ["check_failed", "check_missed"])
def test_overturned_check_credits_the_stretch_it_voided(kind):
    r = Recorder()
    r.start(T0)
    r.check(T0, "check_passed")
    r.beats(T0, 5, 0.0)  # 60 s watched
    voiding = r.check(T0 + 60, kind)
    assert credited_total(replay_trace(r.trace)) == 0
    r.overturn(T0 + 3600, voiding)
    projected = replay_trace(r.trace)
    assert projected.credited == {(LESSON, "2026-01-01"): pytest.approx(60.0)}
    assert projected.coverage == {LESSON: ((0.0, 60.0),)}


def test_the_tail_known_at_the_next_heartbeat_is_credited_too():
    r = Recorder()
    r.start(T0)
    r.check(T0, "check_passed")
    r.beats(T0, 3, 0.0)  # up to T0 + 30
    voiding = r.check(T0 + 35, "check_failed")  # 5 s after the last heartbeat
    r.beats(T0 + 45, 1, 45.0)  # the pair 30 -> 45 is cut at 35: 5 s voided, 10 s suspended
    voided = r.state.ledger.voided[0]
    assert voided.seconds == pytest.approx(35.0) and len(voided.segments) >= 2
    r.overturn(T0 + 600, voiding)
    assert credited_total(replay_trace(r.trace)) == pytest.approx(35.0)


def test_only_the_overturned_check_credits_and_only_once():
    r = Recorder()
    r.start(T0)
    r.check(T0, "check_passed")
    r.beats(T0, 3, 0.0)
    first = r.check(T0 + 30, "check_failed")
    r.check(T0 + 40, "check_failed")  # resume check fails too: no stretch open, nothing voided
    resumed = r.check(T0 + 50, "check_passed")
    r.beats(T0 + 50, 3, 50.0)
    second = r.check(T0 + 80, "check_missed")
    r.overturn(T0 + 900, second)
    r.overturn(T0 + 901, second)  # again: credits nothing more
    r.overturn(T0 + 902, resumed)  # a passed check voided nothing
    r.overturn(T0 + 903, 999)  # unknown check
    projected = replay_trace(r.trace)
    assert credited_total(projected) == pytest.approx(30.0)
    assert projected.coverage == {LESSON: ((50.0, 80.0),)}
    r.overturn(T0 + 904, first)
    assert credited_total(replay_trace(r.trace)) == pytest.approx(60.0)


def test_a_retried_try_is_not_the_voiding_check():
    r = Recorder()
    r.start(T0)
    r.check(T0, "check_passed")
    r.beats(T0, 3, 0.0)
    retried = r.check(T0 + 30, "check_failed", final=False)
    r.beats(T0 + 45, 1, 45.0)
    passed = r.check(T0 + 45, "check_passed")
    r.overturn(T0 + 900, retried)
    r.overturn(T0 + 900, passed)
    assert credited_total(replay_trace(r.trace)) == pytest.approx(45.0)  # as before


@pytest.mark.parametrize(
    ("already_s", "expected_credited", "expected_capped"),
    [(0.0, 60.0, 0.0), (100.0, 20.0, 40.0), (120.0, 0.0, 60.0)],
)
def test_an_overturn_is_credited_under_the_daily_cap(already_s, expected_credited, expected_capped):
    rules = CreditingRules(daily_cap_units=2, minutes_per_hour_unit=1)  # 120 s a day
    r = Recorder(rules)
    r.start(T0)
    r.check(T0, "check_passed")
    r.beats(T0, 5, 0.0)
    voiding = r.check(T0 + 60, "check_failed")
    if already_s:  # other study credited the same day, later than the failed check
        r.emit(
            STRETCH_CREDITED,
            T0 + 600,
            {
                "lesson_id": 8,
                "course_id": COURSE,
                "duration_s": 900.0,
                "credited": {"2026-01-01": already_s},
                "capped": {},
                "intervals": [[0.0, already_s]],
            },
        )
    r.overturn(T0 + 3600, voiding)
    projected = replay_trace(r.trace, rules)
    assert projected.credited.get((LESSON, "2026-01-01"), 0.0) == pytest.approx(expected_credited)
    assert projected.capped.get((LESSON, "2026-01-01"), 0.0) == pytest.approx(expected_capped)


def test_an_overturn_may_complete_the_lesson_at_its_own_time():
    r = Recorder()
    r.start(T0)
    r.check(T0, "check_passed")
    r.beats(T0, 41, 0.0)  # 600 s: the whole lesson
    voiding = r.check(T0 + 600, "check_failed")
    r.overturn(T0 + 7200, voiding)
    projected = replay_trace(r.trace)
    assert projected.completed == {LESSON: iso(T0 + 7200)}


@pytest.mark.parametrize(
    ("minutes", "already_s", "cap_units", "credited", "capped"),
    [
        (30, 0.0, 8, 1800.0, 0.0),
        (30, 45 * 60 * 8 - 600, 8, 600.0, 1200.0),  # the day holds all but 10 minutes
        (15, 0.0, 0, 0.0, 900.0),
    ],
)
def test_attested_attendance_is_credited_under_the_daily_cap(
    minutes, already_s, cap_units, credited, capped
):
    rules = CreditingRules(daily_cap_units=cap_units)
    trace = []
    if already_s:
        trace.append(
            {
                "kind": STRETCH_CREDITED,
                "at": iso(T0),
                "data": {
                    "lesson_id": 8,
                    "credited": {"2026-01-01": already_s},
                    "capped": {},
                    "intervals": [],
                },
            }
        )
    trace.append(
        {
            "kind": "attendance_attested",
            "at": iso(T0 + 86400 * 3),
            "data": {
                "lesson_id": LESSON,
                "course_id": COURSE,
                "duration_s": 3600.0,
                "date": "2026-01-01",
                "minutes": minutes,
                "staff_name": "王老师",
            },
        }
    )
    projected = replay_trace(trace, rules)
    assert projected.credited.get((LESSON, "2026-01-01"), 0.0) == pytest.approx(credited)
    assert projected.capped.get((LESSON, "2026-01-01"), 0.0) == pytest.approx(capped)
    if credited:
        assert projected.coverage[LESSON] == ((0.0, pytest.approx(credited)),)


def test_attendance_is_placed_on_its_beijing_date():
    segment = attendance_segment({"date": "2026-01-01", "minutes": 90, "duration_s": 600}, RULES)
    assert segment.start == T0 and segment.seconds == 5400.0
    assert (segment.video_from, segment.video_to) == (0.0, 600.0)


def test_voided_stretches_keep_their_segments_through_the_live_state():
    r = Recorder()
    r.start(T0)
    r.check(T0, "check_passed")
    r.beats(T0, 3, 0.0)
    r.check(T0 + 30, "check_failed")
    again = StudyState.from_dict(r.state.to_dict())
    assert again == r.state
    assert again.ledger.voided[0].segments == r.state.ledger.voided[0].segments


def test_old_live_state_without_segments_still_loads():
    data = Ledger(voided=(VoidedStretch(1, LESSON, T0, T0 + 30, "check_failed", 30.0),)).to_dict()
    data["voided"] = [v[:6] for v in data["voided"]]
    assert Ledger.from_dict(data).voided[0].segments == ()
