"""Table tests of each warning rule (pure: facts in, findings out)."""

from __future__ import annotations

import pytest

from skilltrace.oversight.warning_rules import (
    CODES,
    CheckCounts,
    Event,
    Facts,
    ReviewCase,
    WarningSettings,
    anomaly_bursts,
    check_rates,
    daily_cap_repeated,
    duplicate_identities,
    evaluate,
    reenrollment_after_study,
    shared_ip,
    takeovers_across_devices,
    uniform_class_hours,
)

S = WarningSettings()


def events(learner_ids, at=0.0, step=0.0, detail=""):
    return [Event(100 + i, lid, at + i * step, detail) for i, lid in enumerate(learner_ids)]


@pytest.mark.parametrize(
    ("takeovers", "expected"),
    [
        ([], []),
        ([1, 1], []),  # two take-overs: below the threshold of 3
        ([1, 1, 1], [("learner:1", 3)]),
        ([1, 2, 1, 2, 1], [("learner:1", 3)]),
        ([1, 1, 1, 2, 2, 2, 2], [("learner:1", 3), ("learner:2", 4)]),
    ],
)
def test_takeovers(takeovers, expected):
    found = takeovers_across_devices(Facts(takeovers=events(takeovers)), S)
    assert [(f.subject, f.figures["takeovers"]) for f in found] == expected
    assert all(f.code == "takeover_repeated" and f.event_ids for f in found)


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        # (learner, seconds, ip)
        ([(1, 0, "1.2.3.4"), (2, 60, "1.2.3.4")], []),  # two accounts only
        ([(1, 0, "1.2.3.4"), (2, 60, "1.2.3.4"), (3, 290, "1.2.3.4")], [("ip:1.2.3.4", 3)]),
        ([(1, 0, "1.2.3.4"), (2, 60, "1.2.3.4"), (3, 400, "1.2.3.4")], []),  # outside 5 min
        ([(1, 0, "1.2.3.4"), (1, 10, "1.2.3.4"), (1, 20, "1.2.3.4")], []),  # one account
        ([(1, 0, "a"), (2, 1, "b"), (3, 2, "c")], []),  # different IPs
        ([(1, 0, ""), (2, 1, ""), (3, 2, "")], []),  # unknown IP is never grouped
        (
            [(i, i * 10, "10.0.0.1") for i in range(1, 6)] + [(9, 5000, "10.0.0.1")],
            [("ip:10.0.0.1", 5)],
        ),
    ],
)
def test_shared_ip(starts, expected):
    facts = Facts(session_starts=[Event(i, lid, at, ip) for i, (lid, at, ip) in enumerate(starts)])
    found = shared_ip(facts, S)
    assert [(f.subject, f.figures["accounts"]) for f in found] == expected
    for f in found:
        assert f.severity == "high" and len(f.learner_ids) == f.figures["accounts"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([CheckCounts(1, 7, 15, 4, 0)], []),  # 19 decided: too few for a rate
        ([CheckCounts(1, 7, 14, 3, 3)], []),  # 6/20 = 0.30, not above the threshold
        (
            [CheckCounts(1, 7, 13, 4, 4)],
            [("check_failure_rate", "class:1"), ("check_failure_rate", "provider:7")],
        ),
        (
            [CheckCounts(1, 7, 18, 1, 1, overturned=3)],
            [("appeal_rate", "class:1"), ("appeal_rate", "provider:7")],
        ),
        # each class is too small, the provider together is not
        (
            [CheckCounts(1, 7, 5, 5, 0), CheckCounts(2, 7, 5, 5, 0)],
            [("check_failure_rate", "provider:7")],
        ),
    ],
)
def test_check_rates(rows, expected):
    found = check_rates(Facts(check_counts=rows), S)
    assert [(f.code, f.subject) for f in found] == expected


@pytest.mark.parametrize(
    ("cap_days", "expected"),
    [
        ({}, []),
        ({1: ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]}, []),
        ({1: [f"2026-11-0{d}" for d in range(1, 6)]}, ["learner:1"]),
        ({1: ["2026-11-01"] * 6}, []),  # the same day counted once
    ],
)
def test_daily_cap(cap_days, expected):
    assert [f.subject for f in daily_cap_repeated(Facts(cap_days=cap_days), S)] == expected


@pytest.mark.parametrize(
    ("count", "step", "in_burst"),
    [
        (9, 60, 0),  # nine within an hour: below 10
        (10, 60, 10),
        (12, 600, 0),  # spread over two hours: at most 7 in one hour
        (30, 100, 30),  # every one within the same hour
        (40, 200, 19),  # 19 fit in one hour (0 … 3600 s)
    ],
)
def test_anomaly_bursts(count, step, in_burst):
    found = anomaly_bursts(
        Facts(anomalies=events([5] * count, step=step, detail="rate_too_high")), S
    )
    assert [f.figures["anomalies"] for f in found] == ([in_burst] if in_burst else [])
    if found:
        assert found[0].figures["codes"] == {"rate_too_high": in_burst}
        assert len(found[0].event_ids) == in_burst


@pytest.mark.parametrize(
    ("cases", "codes"),
    [
        ([], []),
        ([ReviewCase(1, 10, "reenrollment")], ["reenrollment_after_study"]),
        ([ReviewCase(2, 10, "duplicate_identity", 11)], ["duplicate_identity"]),
    ],
)
def test_face_cases(cases, codes):
    facts = Facts(review_cases=cases)
    found = reenrollment_after_study(facts, S) + duplicate_identities(facts, S)
    assert [f.code for f in found] == codes
    if "duplicate_identity" in codes:
        assert found[-1].learner_ids == (10, 11)


@pytest.mark.parametrize(
    ("hours", "warns"),
    [
        ({i: 3600.0 for i in range(5)}, True),  # five learners, identical hours
        ({i: 3600.0 + i for i in range(5)}, True),  # within 2 %
        ({i: 3600.0 for i in range(4)}, False),  # too few learners
        ({i: 1000.0 * (i + 1) for i in range(6)}, False),  # varied hours
        ({i: 0.0 for i in range(8)}, False),  # nobody studied
    ],
)
def test_uniform_hours(hours, warns):
    found = uniform_class_hours(Facts(class_hours={3: hours}), S)
    assert bool(found) is warns
    if warns:
        assert found[0].class_id == 3 and found[0].code == "uniform_hours"


def test_every_code_has_a_rule_and_evaluate_runs_them_all():
    facts = Facts(
        takeovers=events([1, 1, 1]),
        session_starts=[Event(i, i, i, "9.9.9.9") for i in range(1, 4)],
        anomalies=events([2] * 10, step=1, detail="seek_forward"),
        check_counts=[CheckCounts(1, 7, 10, 5, 5, 5)],
        cap_days={4: [f"2026-11-0{d}" for d in range(1, 6)]},
        review_cases=[ReviewCase(1, 5, "reenrollment"), ReviewCase(2, 6, "duplicate_identity", 7)],
        class_hours={1: {i: 100.0 for i in range(5)}},
    )
    assert {f.code for f in evaluate(facts, S)} == set(CODES)


def test_settings_change_thresholds():
    strict = WarningSettings(takeover_min=1)
    assert takeovers_across_devices(Facts(takeovers=events([1])), strict)
