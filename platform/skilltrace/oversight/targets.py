"""Report metrics, their labels and the yearly targets a province regulator edits.

The 2021 targets are the notice's annex figures for the province; the migration seeds them and
:func:`seed_targets` copies them into another year as a starting point.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Role, User, utcnow
from skilltrace.oversight.models import ReportTarget
from skilltrace.regions import SHAANXI

# Programme categories a class can be counted under (人次 by category).
CATEGORIES = {
    "key_groups": _l("Key groups (重点群体)"),
    "migrant_workers": _l("Migrant workers (农民工)"),
    "enterprise_staff": _l("Enterprise staff (企业职工)"),
    "apprentices": _l("New apprentices (新型学徒)"),
    "school_county": _l("School–county cooperation (校县合作)"),
    "startup": _l("Start-up training (创业培训)"),
}
METRICS = {
    "trainings": _l("Trainings (人次)"),
    **{f"trainings_{key}": label for key, label in CATEGORIES.items()},
    "certificates": _l("Certificates obtained"),
    "key_group_employment_rate": _l("Key-group employment rate"),
    "vouchers_issued": _l("Vouchers issued"),
    "vouchers_used": _l("Vouchers used"),
    "attested_hours": _l("Attested hours (学时)"),
    "checks_decided": _l("Face checks decided"),
    "checks_failed": _l("Face checks failed or missed"),
    "claims": _l("Subsidy claims"),
    "claims_amount": _l("Claimed amount (yuan)"),
}
RATE_METRICS = {"key_group_employment_rate"}  # a share, not a count: not summed over months

TARGETS_2021 = {
    "trainings": 500_000,
    "trainings_key_groups": 300_000,
    "trainings_migrant_workers": 200_000,
    "trainings_enterprise_staff": 200_000,
    "trainings_apprentices": 15_000,
    "trainings_school_county": 200_000,
    "certificates": 200_000,
    "trainings_startup": 23_000,
    "key_group_employment_rate": 0.30,
    "vouchers_issued": 200_000,
    "vouchers_used": 20_000,
}


def targets_for(year: int, region: str) -> dict[str, float]:
    return dict(
        db.session.execute(
            select(ReportTarget.metric, ReportTarget.value).where(
                ReportTarget.year == year, ReportTarget.region_code == region
            )
        ).all()
    )


def may_edit_targets(user: User) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.REGULATOR and user.region_scope == SHAANXI)


def set_targets(user: User, year: int, region: str, values: dict[str, str]) -> None:
    """Replace the targets of one year and region (province regulators and admins only)."""
    if not may_edit_targets(user):
        raise DomainError(
            "forbidden", _l("Only the province regulator edits the targets."), status=403
        )
    if not 2000 <= year <= 2100:
        raise DomainError("year_invalid", _l("Choose a year between 2000 and 2100."), field="year")
    parsed: dict[str, float] = {}
    for metric, raw in values.items():
        if metric not in METRICS or str(raw).strip() == "":
            continue
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not value >= 0 or (metric in RATE_METRICS and value > 1):
            raise DomainError(
                "target_invalid",
                _l("A target must be a number of at least 0 (a rate at most 1)."),
                field=metric,
            )
        parsed[metric] = value
    existing = {
        t.metric: t
        for t in db.session.scalars(
            select(ReportTarget).where(
                ReportTarget.year == year, ReportTarget.region_code == region
            )
        )
    }
    for metric, row in existing.items():
        if metric not in parsed:
            db.session.delete(row)
    for metric, value in parsed.items():
        row = existing.get(metric) or ReportTarget(year=year, region_code=region, metric=metric)
        row.value = value
        row.updated_by_id = user.id
        row.updated_at = utcnow()
        db.session.add(row)
    db.session.commit()


def seed_targets(year: int = 2021, region: str = SHAANXI) -> int:
    """Insert the notice's 2021 figures for ``year`` where none is set; returns rows added."""
    have = targets_for(year, region)
    added = 0
    for metric, value in TARGETS_2021.items():
        if metric not in have:
            db.session.add(ReportTarget(year=year, region_code=region, metric=metric, value=value))
            added += 1
    db.session.commit()
    return added
