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
    ],
)
def test_use_refusal(changes, expected):
    from dataclasses import replace

    assert rules.use_refusal(replace(USABLE, **changes), NOW) == expected


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
