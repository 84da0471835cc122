"""Voucher rules as tables (no database)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from skilltrace.vouchers import rules
from skilltrace.vouchers.rules import BatchFacts, LearnerFacts, UseFacts

TODAY = date(2026, 6, 1)
OPEN = BatchFacts("open", "all", 10, 0, 1)
ANYONE = LearnerFacts(frozenset(), 0)


@pytest.mark.parametrize(
    "batch, learner, expected",
    [
        (OPEN, ANYONE, None),
        (BatchFacts("closed", "all", 10, 0, 1), ANYONE, "batch_closed"),
        (BatchFacts("open", "all", 10, 0, 1, date(2026, 5, 31)), ANYONE, "batch_closed"),
        (BatchFacts("open", "all", 10, 0, 1, TODAY), ANYONE, None),
        (BatchFacts("open", "all", 10, 10, 1), ANYONE, "batch_exhausted"),
        (BatchFacts("open", "migrant_worker", 10, 0, 1), ANYONE, "not_target_group"),
        (
            BatchFacts("open", "migrant_worker", 10, 0, 1),
            LearnerFacts(frozenset({"migrant_worker"}), 0),
            None,
        ),
        (OPEN, LearnerFacts(frozenset(), 1), "voucher_limit"),
        (BatchFacts("open", "all", 10, 0, 2), LearnerFacts(frozenset(), 1), None),
    ],
)
def test_claim_refusal(batch, learner, expected):
    assert rules.claim_refusal(batch, learner, TODAY) == expected


NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
USABLE = UseFacts("claimed", NOW + timedelta(days=1), None, None, 7, True, "电工")


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({}, None),
        ({"expires_at": NOW}, "voucher_expired"),
        ({"status": "expired"}, "voucher_expired"),
        ({"status": "reserved"}, "voucher_used"),
        ({"status": "written_off"}, "voucher_used"),
        ({"provider_active": False}, "provider_not_eligible"),
        ({"eligible_providers": (1, 2)}, "provider_not_eligible"),
        ({"eligible_providers": (7,)}, None),
        ({"occupation": "焊工"}, "occupation_not_covered"),
        ({"occupation": "电工"}, None),
        ({"occupation": " 电工 "}, None),
        ({"class_occupation": "电工 "}, None),
        ({"target_group": "migrant_worker"}, "not_target_group"),
        (
            {"target_group": "migrant_worker", "key_groups": frozenset({"veteran"})},
            "not_target_group",
        ),
        ({"target_group": "migrant_worker", "key_groups": frozenset({"migrant_worker"})}, None),
        ({"target_group": "all", "key_groups": frozenset()}, None),
        # an expired or used voucher says so first, whatever else is wrong
        ({"status": "reserved", "target_group": "veteran"}, "voucher_used"),
        ({"expires_at": NOW, "provider_active": False}, "voucher_expired"),
        ({"class_has_voucher": True}, "class_has_voucher"),
        # every restriction is checked, in a stable order
        ({"target_group": "veteran", "provider_active": False}, "not_target_group"),
        ({"eligible_providers": (1,), "occupation": "焊工"}, "provider_not_eligible"),
    ],
)
def test_use_refusal(changes, expected):
    from dataclasses import replace

    assert rules.use_refusal(replace(USABLE, **changes), NOW) == expected


@pytest.mark.parametrize(
    "batch_kind, claim_kind, expected",
    [
        (None, "employment", None),
        ("", "yigong", None),
        ("employment", "employment", None),
        ("startup", "employment", "kind_not_covered"),
        ("yigong", "apprentice", "kind_not_covered"),
    ],
)
def test_write_off_refusal(batch_kind, claim_kind, expected):
    assert rules.write_off_refusal(batch_kind, claim_kind) == expected


@pytest.mark.parametrize(
    "face, approved, expected",
    [
        (50_000, 150_000, 50_000),
        (200_000, 150_000, 150_000),
        (None, 150_000, 150_000),
        (50_000, 0, 0),
    ],
)
def test_write_off_amount(face, approved, expected):
    assert rules.write_off_amount(face, approved) == expected


def test_codes_are_unguessable_and_normalised():
    codes = {rules.new_code() for _ in range(1000)}
    assert len(codes) == 1000
    code = codes.pop()
    assert len(code) == 19 and rules.normalize_code(code.lower().replace("-", " ")) == code
