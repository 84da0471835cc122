"""Demo seed step (order 40): example subsidy standards, labelled as examples.

The amounts are illustrative only (not a published provincial standard): a province regulator
replaces them with the real ones, and the history keeps both. Idempotent.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from skilltrace.demo import DEMO_REGULATOR
from skilltrace.extensions import db
from skilltrace.identity.models import User
from skilltrace.subsidy.models import SubsidyStandard
from skilltrace.subsidy.standards import set_standard

# (occupation, level, kind, yuan, per 学时)
EXAMPLES = (
    ("电工", "5", "employment", 1200, False),
    ("电工", "4", "upgrading", 1800, False),
    ("电工", "5", "yigong", 500, False),
    ("焊工", "5", "employment", 1500, False),
    ("家政服务员", "5", "employment", 8, True),
    ("创业培训", "5", "startup", 1000, False),
)
NOTE = "示例数值，非正式标准"


def seed_standards(echo) -> None:
    if db.session.scalar(select(SubsidyStandard.id).where(SubsidyStandard.is_example.is_(True))):
        return
    regulator = db.session.scalar(select(User).where(User.mobile == DEMO_REGULATOR[1]))
    if regulator is None:
        return
    for occupation, level, kind, yuan, per_hour in EXAMPLES:
        set_standard(
            regulator,
            "61",
            occupation,
            level,
            kind,
            yuan * 100,
            per_hour,
            date(2021, 1, 1),
            NOTE,
            is_example=True,
        )
    echo(f"Subsidy standards: {len(EXAMPLES)} example values (labelled as examples)")
