"""The pure rules, as tables: no database, no app."""

from datetime import date

import pytest

from skilltrace.courses import rules
from skilltrace.courses.rules import Actor, Owner, RuleError

STAFF_A = Actor("provider_staff", provider_id=1)
STAFF_B = Actor("provider_staff", provider_id=2)
PROVINCE = Actor("regulator", scope="61")
XIAN = Actor("regulator", scope="6101")
BAOJI = Actor("regulator", scope="6103")
LEARNER = Actor("learner")
ADMIN = Actor("admin")
OWNER = Owner(1, "6101")
SUSPENDED = Owner(1, "6101", "suspended")
BLACKLISTED = Owner(1, "6101", "blacklisted")


def outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except RuleError as err:
        return (err.code, err.status)


@pytest.mark.parametrize(
    ("status", "action", "actor", "owner", "comment", "expected"),
    [
        # the happy path
        ("draft", "submit", STAFF_A, OWNER, "", "submitted"),
        ("rejected", "submit", STAFF_A, OWNER, "", "submitted"),
        ("submitted", "withdraw", STAFF_A, OWNER, "", "draft"),
        ("approved", "revise", STAFF_A, OWNER, "", "draft"),
        ("submitted", "approve", PROVINCE, OWNER, "", "approved"),
        ("submitted", "approve", XIAN, OWNER, "", "approved"),
        ("submitted", "reject", XIAN, OWNER, "too short", "rejected"),
        # who may act
        ("submitted", "approve", STAFF_A, OWNER, "", ("forbidden", 403)),
        ("submitted", "approve", BAOJI, OWNER, "", ("forbidden", 403)),
        ("submitted", "approve", LEARNER, OWNER, "", ("forbidden", 403)),
        ("submitted", "approve", ADMIN, OWNER, "", ("forbidden", 403)),
        ("submitted", "reject", STAFF_A, OWNER, "x", ("forbidden", 403)),
        ("draft", "submit", STAFF_B, OWNER, "", ("forbidden", 403)),
        ("draft", "submit", PROVINCE, OWNER, "", ("forbidden", 403)),
        ("submitted", "withdraw", STAFF_B, OWNER, "", ("forbidden", 403)),
        (
            "submitted",
            "approve",
            Actor("regulator", scope=None),
            OWNER,
            "",
            ("forbidden", 403),
        ),
        # from where
        ("draft", "approve", PROVINCE, OWNER, "", ("transition_invalid", 409)),
        ("approved", "approve", PROVINCE, OWNER, "", ("transition_invalid", 409)),
        ("rejected", "reject", PROVINCE, OWNER, "x", ("transition_invalid", 409)),
        ("submitted", "submit", STAFF_A, OWNER, "", ("transition_invalid", 409)),
        ("approved", "submit", STAFF_A, OWNER, "", ("transition_invalid", 409)),
        ("draft", "withdraw", STAFF_A, OWNER, "", ("transition_invalid", 409)),
        ("draft", "revise", STAFF_A, OWNER, "", ("transition_invalid", 409)),
        ("draft", "publish", STAFF_A, OWNER, "", ("action_unknown", 400)),
        # comments and provider status
        ("submitted", "reject", PROVINCE, OWNER, "  ", ("comment_required", 422)),
        ("draft", "submit", STAFF_A, SUSPENDED, "", ("provider_suspended", 403)),
        ("draft", "submit", STAFF_A, BLACKLISTED, "", ("provider_suspended", 403)),
        ("submitted", "approve", PROVINCE, SUSPENDED, "", ("provider_suspended", 403)),
        ("submitted", "reject", PROVINCE, SUSPENDED, "no", "rejected"),
        ("submitted", "withdraw", STAFF_A, SUSPENDED, "", "draft"),
    ],
)
def test_course_transitions(status, action, actor, owner, comment, expected):
    assert outcome(rules.course_transition, status, action, actor, owner, comment) == expected


START = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("status", "action", "actor", "owner", "today", "comment", "expected"),
    [
        ("submitted", "approve", XIAN, OWNER, date(2026, 11, 20), "", "approved"),
        ("submitted", "approve", XIAN, OWNER, START, "", "approved"),
        ("submitted", "approve", XIAN, OWNER, date(2026, 12, 2), "", ("class_started", 409)),
        ("submitted", "reject", XIAN, OWNER, date(2026, 12, 2), "late", "rejected"),
        ("submitted", "reject", XIAN, OWNER, START, "", ("comment_required", 422)),
        ("submitted", "approve", BAOJI, OWNER, START, "", ("forbidden", 403)),
        ("submitted", "approve", STAFF_A, OWNER, START, "", ("forbidden", 403)),
        ("approved", "approve", XIAN, OWNER, START, "", ("transition_invalid", 409)),
        ("rejected", "approve", XIAN, OWNER, START, "", ("transition_invalid", 409)),
        ("submitted", "approve", XIAN, SUSPENDED, START, "", ("provider_suspended", 403)),
    ],
)
def test_class_transitions(status, action, actor, owner, today, comment, expected):
    got = outcome(rules.class_transition, status, action, actor, owner, START, today, comment)
    assert got == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", None),
        ("rejected", None),
        ("approved", "revise"),
        ("submitted", ("course_locked", 409)),
    ],
)
def test_edit_effect(status, expected):
    assert outcome(rules.edit_effect, status) == expected


@pytest.mark.parametrize(
    ("actor", "current", "new", "reason", "expected"),
    [
        (XIAN, "active", "suspended", "overdue records", None),
        (PROVINCE, "suspended", "blacklisted", "fraud", None),
        (PROVINCE, "blacklisted", "active", "appeal upheld", None),
        (BAOJI, "active", "suspended", "x", ("forbidden", 403)),
        (STAFF_A, "active", "suspended", "x", ("forbidden", 403)),
        (XIAN, "active", "closed", "x", ("status_invalid", 422)),
        (XIAN, "active", "active", "x", ("status_unchanged", 409)),
        (XIAN, "active", "suspended", " ", ("reason_required", 422)),
    ],
)
def test_provider_status_change(actor, current, new, reason, expected):
    got = outcome(rules.provider_status_change, actor, OWNER, current, new, reason)
    assert got == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 10),
        ("0.1", 1),
        ("1.5", 15),
        (" 24 ", 240),
        ("999.9", 9999),
        ("0", ("hours_invalid", 422)),
        ("0.05", ("hours_invalid", 422)),
        ("-1", ("hours_invalid", 422)),
        ("1000", ("hours_invalid", 422)),
        ("abc", ("hours_invalid", 422)),
        ("", ("hours_invalid", 422)),
        ("NaN", ("hours_invalid", 422)),
        ("sNaN", ("hours_invalid", 422)),
        ("Infinity", ("hours_invalid", 422)),
    ],
)
def test_parse_hours(raw, expected):
    assert outcome(rules.parse_hours, raw) == expected


@pytest.mark.parametrize(
    ("tenths", "minutes", "durations", "expected"),
    [
        (10, 45, [2700.0], True),
        (10, 45, [1350.0, 1350.0], True),
        (10, 45, [2699.0], False),
        (1, 45, [270.0], True),
        (1, 45, [], False),
        (15, 40, [3600.0], True),
        (15, 40, [3599.5], False),
    ],
)
def test_hours_covered(tenths, minutes, durations, expected):
    assert rules.hours_covered(tenths, minutes, durations) is expected


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        ("approved", date(2026, 12, 1), True),
        ("approved", date(2026, 12, 31), True),
        ("approved", date(2026, 11, 30), False),
        ("approved", date(2027, 1, 1), False),
        ("submitted", date(2026, 12, 10), False),
        ("rejected", date(2026, 12, 10), False),
    ],
)
def test_class_open(status, today, expected):
    assert rules.class_open(status, date(2026, 12, 1), date(2026, 12, 31), today) is expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        ({"member": False}, "not_in_class"),
        ({"provider_status": "suspended"}, "provider_suspended"),
        ({"provider_status": "blacklisted"}, "provider_suspended"),
        ({"course_status": "draft"}, "course_not_approved"),
        ({"class_status": "submitted"}, "class_not_open"),
        ({"today": date(2026, 11, 30)}, "class_not_open"),
        ({"today": date(2027, 1, 1)}, "class_not_open"),
        ({"member": False, "provider_status": "suspended"}, "not_in_class"),
    ],
)
def test_study_refusal(changes, expected):
    facts = {
        "member": True,
        "class_status": "approved",
        "start": date(2026, 12, 1),
        "end": date(2026, 12, 31),
        "today": date(2026, 12, 5),
        "course_status": "approved",
        "provider_status": "active",
    }
    assert rules.study_refusal(**{**facts, **changes}) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        ({"class_status": "submitted"}, None),
        ({"seats_taken": 30}, "class_full"),
        ({"seats_taken": 31}, "class_full"),
        ({"class_status": "rejected"}, "class_closed"),
        ({"today": date(2027, 1, 1)}, "class_closed"),
        ({"provider": "suspended"}, "provider_suspended"),
    ],
)
def test_join_refusal(changes, expected):
    facts = {
        "class_status": "approved",
        "end": date(2026, 12, 31),
        "today": date(2026, 12, 5),
        "seats_taken": 29,
        "capacity": 30,
        "provider": "active",
    }
    assert rules.join_refusal(**{**facts, **changes}) == expected


@pytest.mark.parametrize(
    ("key", "given", "ratio", "expected"),
    [
        ([0, 1, 2], [0, 1, 2], 0.6, (3, 3, True)),
        ([0, 1, 2], [0, 1, 0], 0.6, (2, 3, True)),
        ([0, 1, 2, 3, 0], [0, 1, 2, 0, 1], 0.6, (3, 5, True)),
        ([0, 1, 2, 3, 0], [0, 1, 0, 0, 1], 0.6, (2, 5, False)),
        ([1], [0], 0.6, (0, 1, False)),
        ([1, 1], [1, 0], 0.5, (1, 2, True)),
        ([1, 1], [1], 0.6, ("quiz_answers_invalid", 422)),
        ([1, 1], [1, None], 0.6, ("quiz_answers_invalid", 422)),
    ],
)
def test_grade_quiz(key, given, ratio, expected):
    got = outcome(rules.grade_quiz, key, given, ratio)
    if isinstance(got, rules.QuizResult):
        got = (got.correct, got.total, got.passed)
    assert got == expected


@pytest.mark.parametrize(
    ("start", "end", "capacity", "expected"),
    [
        (date(2026, 12, 1), date(2026, 12, 1), 1, None),
        (date(2026, 11, 30), date(2026, 12, 1), 10, ("start_in_past", 422)),
        (date(2026, 12, 2), date(2026, 12, 1), 10, ("end_before_start", 422)),
        (date(2026, 12, 1), date(2026, 12, 31), 0, ("capacity_invalid", 422)),
        (date(2026, 12, 1), date(2026, 12, 31), 10_001, ("capacity_invalid", 422)),
    ],
)
def test_class_dates(start, end, capacity, expected):
    got = outcome(rules.check_class_dates, start, end, capacity, date(2026, 12, 1))
    assert got == expected


def test_class_codes_are_unambiguous_and_random():
    codes = {rules.new_class_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 8 and set(c) <= set(rules.CLASS_CODE_ALPHABET) for c in codes)
    assert not set("01OIL") & set(rules.CLASS_CODE_ALPHABET)
    assert rules.normalize_class_code(" abcd-efgh ") == "ABCDEFGH"
