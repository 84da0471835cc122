"""One parametrised table per rule of the notice (no database, no Flask)."""

from dataclasses import replace
from datetime import date

import pytest

from skilltrace.subsidy import rules
from skilltrace.subsidy.rules import ClassFacts, Company, KeyGroup, Kind, PastSubsidy, Trainee

OK = Trainee(learner_id=1, real_name=True, consented=True, face_enrolled=True, completed=True)
CLASS = ClassFacts(
    kind=Kind.EMPLOYMENT, occupation="电工", level="5", year=2026, standard_fen=150_000
)


def past(n, year=2026, kind=Kind.EMPLOYMENT, occ="焊工", level="4", **kw):
    return tuple(PastSubsidy(year, kind, f"{occ}{i}", level, **kw) for i in range(n))


@pytest.mark.parametrize(
    "coverage, attested, exam, quizzes, expected",
    [
        ((1.0, 0.95), 2.0, None, (True, True), ()),
        ((1.0, 0.94), 2.0, None, (True, True), ("lessons_incomplete",)),
        ((), 2.0, None, (True, True), ("lessons_incomplete",)),
        ((1.0,), 1.99, None, (True, True), ("hours_short",)),
        ((1.0,), 2.0, None, (True, False), ("assessment_not_passed",)),
        ((1.0,), 2.0, None, (False, False), ("assessment_not_passed",)),  # no quiz, no exam
        ((1.0,), 2.0, True, (False, False), ()),  # offline exam passed
        ((1.0,), 2.0, False, (True, True), ("assessment_not_passed",)),  # exam failed wins
        (
            (0.5,),
            1.0,
            False,
            (True, True),
            ("lessons_incomplete", "hours_short", "assessment_not_passed"),
        ),
    ],
)
def test_completion(coverage, attested, exam, quizzes, expected):
    facts = rules.CompletionFacts(coverage, attested, 2.0, quizzes[0], quizzes[1], exam)
    assert rules.completion_reasons(facts, 0.95) == expected


@pytest.mark.parametrize(
    "real_name, consented, enrolled, expected",
    [
        (True, True, True, None),
        (False, True, True, "not_registered"),
        (True, False, True, "not_registered"),
        (True, True, False, "not_registered"),
    ],
)
def test_not_registered(real_name, consented, enrolled, expected):
    t = replace(OK, real_name=real_name, consented=consented, face_enrolled=enrolled)
    assert rules.registered(t) == expected
    assert (expected in rules.decide(t, CLASS).reasons) == bool(expected)


@pytest.mark.parametrize("done, expected", [(True, None), (False, "not_completed")])
def test_not_completed(done, expected):
    assert rules.completed(replace(OK, completed=done)) == expected


@pytest.mark.parametrize(
    "history, kind, expected",
    [
        (past(2), Kind.EMPLOYMENT, None),  # the 3rd in a year is paid
        (past(3), Kind.EMPLOYMENT, "annual_limit"),  # the 4th is not
        (past(3, year=2025), Kind.EMPLOYMENT, None),  # last year's do not count
        (
            past(2) + past(1, kind=Kind.YIGONG, occ="x"),
            Kind.EMPLOYMENT,
            None,
        ),  # 以工代训 not counted
        (past(3), Kind.YIGONG, None),  # 以工代训 itself not limited
        (past(3, kind=Kind.STARTUP), Kind.UPGRADING, "annual_limit"),
    ],
)
def test_annual_limit(history, kind, expected):
    c = replace(CLASS, kind=kind)
    assert rules.annual_limit(replace(OK, past=history), c) == expected


@pytest.mark.parametrize(
    "occ, level, expected",
    [("电工", "5", "duplicate_occupation_level"), ("电工", "4", None), ("焊工", "5", None)],
)
def test_duplicate_occupation_level(occ, level, expected):
    t = replace(OK, past=(PastSubsidy(2024, Kind.EMPLOYMENT, occ, level),))
    assert rules.duplicate_occupation_level(t, CLASS) == expected


@pytest.mark.parametrize(
    "completed, employed, me_employed, key_class, expected",
    [
        (10, 3, False, True, None),  # 30 % exactly: everyone paid
        (100, 30, False, True, None),
        (100, 29, False, True, "tier_unemployed_not_paid"),  # 29 %: unemployed not paid
        (100, 29, True, True, None),  # ... the employed are
        (10, 0, False, False, None),  # not a key-group class
        (0, 0, False, True, None),
    ],
)
def test_tier_unemployed_not_paid(completed, employed, me_employed, key_class, expected):
    c = replace(CLASS, key_group_class=key_class, completed=completed, employed=employed)
    assert rules.tier_unemployed(replace(OK, employed=me_employed), c) == expected


YIGONG = replace(
    CLASS,
    kind=Kind.YIGONG,
    standard_fen=100_000,
    company=Company(min_wage_fen=200_000),
    certificate_standards=(("电工", "4", 180_000), ("电工", "5", 80_000)),
)


@pytest.mark.parametrize(
    "certs, expected_fen, note",
    [
        ((), 70_000, "yigong_no_certificate"),  # 70 % of the 以工代训 standard
        (
            (rules.Certificate("电工", "4", date(2026, 5, 1)),),
            180_000,
            "yigong_certificate_standard",
        ),  # higher certificate standard
        (
            (rules.Certificate("电工", "5", date(2026, 5, 1)),),
            100_000,
            "yigong_certificate_standard",
        ),  # 以工代训 standard is higher
        (
            (rules.Certificate("电工", "4", date(2025, 5, 1)),),
            70_000,
            "yigong_no_certificate",
        ),  # a certificate from another year does not count
    ],
)
def test_yigong_amount(certs, expected_fen, note):
    d = rules.decide(replace(OK, certificates=certs, wage_fen=300_000), YIGONG)
    assert (d.eligible, d.amount_fen, d.reasons) == (True, expected_fen, (note,))


@pytest.mark.parametrize(
    "history, company, wage, expected",
    [
        ((), Company(min_wage_fen=200_000), 200_000, ()),
        (past(1, year=2019, kind=Kind.YIGONG), Company(), None, ("yigong_once",)),
        ((), Company(arrears_since_2020=True), None, ("company_excluded_arrears",)),
        ((), Company(sampled=10, unaware=2), None, ("company_excluded_unaware",)),  # 20 %
        ((), Company(sampled=10, unaware=1), None, ()),  # 10 %
        ((), Company(sampled=0, unaware=0), None, ()),
        # the regulators' spot-check surveys: the larger share of the two wins
        ((), Company(surveyed_unaware_share=0.2), None, ("company_excluded_unaware",)),  # 1 of 5
        ((), Company(surveyed_unaware_share=0.0), None, ()),  # 0 of 5
        ((), Company(surveyed_unaware_share=0.19), None, ()),
        (
            (),
            Company(sampled=10, unaware=1, surveyed_unaware_share=0.25),
            None,
            ("company_excluded_unaware",),
        ),
        (
            (),
            Company(sampled=10, unaware=3, surveyed_unaware_share=0.0),
            None,
            ("company_excluded_unaware",),
        ),
        ((), Company(min_wage_fen=200_000), 199_999, ("below_min_wage",)),
    ],
)
def test_yigong_refusals(history, company, wage, expected):
    c = replace(YIGONG, company=company)
    t = replace(OK, past=history, wage_fen=wage)
    assert rules.yigong_refusals(t, c) == expected
    assert rules.yigong_refusals(t, replace(c, kind=Kind.EMPLOYMENT)) == ()


@pytest.mark.parametrize(
    "groups, days, history, expected",
    [
        ({KeyGroup.POVERTY_ALLEVIATED}, 10, (), (50_000, ())),
        ({KeyGroup.HARDSHIP}, 50, (), (250_000, ())),  # exactly 2,500 yuan
        ({KeyGroup.ZERO_EMPLOYMENT}, 51, (), (250_000, ("allowance_cap",))),
        ({KeyGroup.TWO_AFTER}, 60, (), (250_000, ("allowance_cap",))),
        ({KeyGroup.MIGRANT_WORKER}, 10, (), (0, ())),  # not an allowance group
        ({KeyGroup.HARDSHIP}, 0, (), (0, ())),
        ({KeyGroup.HARDSHIP}, 10, past(1, allowance_fen=1), (0, ("allowance_once_a_year",))),
        ({KeyGroup.HARDSHIP}, 10, past(1, year=2025, allowance_fen=1), (50_000, ())),
    ],
)
def test_allowance(groups, days, history, expected):
    t = replace(OK, key_groups=frozenset(groups), study_days=days, past=history)
    assert rules.allowance(t, CLASS) == expected


@pytest.mark.parametrize(
    "kind, history, expected",
    [
        (Kind.EMPLOYMENT, (), None),
        (Kind.EMPLOYMENT, past(1, while_student=True), "student_once"),
        (Kind.STARTUP, past(1, while_student=True), None),  # startup not counted
        (Kind.EMPLOYMENT, past(1, kind=Kind.STARTUP, while_student=True), None),
        (Kind.EMPLOYMENT, past(1, while_student=False), None),
    ],
)
def test_student_once(kind, history, expected):
    t = replace(OK, key_groups=frozenset({KeyGroup.STUDENT}), past=history)
    assert rules.student_once(t, replace(CLASS, kind=kind)) == expected


@pytest.mark.parametrize(
    "standard, per_hour, hours, expected",
    [
        (150_000, False, 10, 150_000),
        (1_000, True, 12.5, 10_000),
        (1_000, True, 7.5, 7_500),
        (None, False, 10, None),
    ],
)
def test_base_amount(standard, per_hour, hours, expected):
    c = replace(CLASS, standard_fen=standard, per_hour=per_hour, required_hours=10)
    assert rules.base_amount(c, hours) == expected


def test_no_standard_refuses():
    assert rules.decide(OK, replace(CLASS, standard_fen=None)).reasons == ("no_standard",)


@pytest.mark.parametrize(
    "trainee",
    [
        OK,
        replace(OK, key_groups=frozenset({KeyGroup.HARDSHIP}), study_days=70, employed=True),
        replace(OK, completed=False, past=past(3)),
        replace(OK, key_groups=frozenset({KeyGroup.STUDENT}), past=past(1, while_student=True)),
    ],
)
@pytest.mark.parametrize("hukou, residence", [("6101", "6101"), ("4401", "1101"), ("", "")])
def test_hukou_and_residence_change_no_decision(trainee, hukou, residence):
    for c in (CLASS, YIGONG, replace(CLASS, key_group_class=True, completed=10, employed=1)):
        base = rules.decide(replace(trainee, hukou="6101", residence="6101"), c)
        moved = rules.decide(replace(trainee, hukou=hukou, residence=residence), c)
        assert moved == base


def test_refusals_pay_nothing_and_name_every_reason():
    t = replace(
        OK,
        real_name=False,
        completed=False,
        past=past(3) + (PastSubsidy(2026, Kind.EMPLOYMENT, "电工", "5"),),
    )
    d = rules.decide(t, CLASS)
    assert (d.eligible, d.amount_fen, d.allowance_fen) == (False, 0, 0)
    assert d.reasons == (
        "not_registered",
        "not_completed",
        "annual_limit",
        "duplicate_occupation_level",
    )
