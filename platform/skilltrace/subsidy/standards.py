"""Subsidy standards (补贴标准) as data: yuan per person or per 学时 by occupation, level and
training kind, set by province and city regulators from a date on; editing adds a row, so the
history of every standard stays and a claim uses the one in force at the class's end date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from skilltrace.courses.rules import SkillLevel
from skilltrace.extensions import db
from skilltrace.identity.models import Role, User
from skilltrace.regions import SHAANXI_CITIES, scope_covers
from skilltrace.subsidy.evidence import parse_date
from skilltrace.subsidy.messages import refuse
from skilltrace.subsidy.models import SubsidyStandard
from skilltrace.subsidy.rules import Kind

PROVINCE = "61"
MAX_FEN = 100_000_000


def set_standard(
    user: User,
    region: str,
    occupation: str,
    level: str,
    kind: str,
    amount_fen: int,
    per_hour: bool = False,
    effective_from=None,
    note: str = "",
    is_example: bool = False,
) -> SubsidyStandard:
    """A regulator sets a standard for the province or a city in their scope."""
    if user.role != Role.REGULATOR:
        raise refuse("forbidden", 403)
    if region != PROVINCE and region not in SHAANXI_CITIES:
        raise refuse("region_invalid", field="region")
    if not (user.region_scope and scope_covers(user.region_scope, region)):
        raise refuse("region_invalid", 403, field="region")
    occupation = (occupation or "").strip()
    if not 1 <= len(occupation) <= 100:
        raise refuse("occupation_invalid", field="occupation")
    if level not in {lvl.value for lvl in SkillLevel}:
        raise refuse("level_invalid", field="level")
    if kind not in {k.value for k in Kind}:
        raise refuse("kind_invalid", field="kind")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise refuse("amount_invalid", field="amount_fen")
    if not 0 <= amount_fen <= MAX_FEN:
        raise refuse("amount_invalid", field="amount_fen")
    standard = SubsidyStandard(
        region=region,
        occupation=occupation,
        level=level,
        kind=kind,
        amount_fen=amount_fen,
        per_hour=bool(per_hour),
        effective_from=parse_date(effective_from or date.today()),
        note=(note or "").strip()[:2000],
        is_example=is_example,
        created_by_id=user.id,
    )
    db.session.add(standard)
    db.session.commit()
    return standard


def standard_for(
    city: str, occupation: str, level: str, kind: str, on: date
) -> SubsidyStandard | None:
    """The standard in force on ``on``: the city's if it has one, else the province's."""
    rows = db.session.scalars(
        select(SubsidyStandard)
        .where(
            SubsidyStandard.occupation == occupation,
            SubsidyStandard.level == level,
            SubsidyStandard.kind == kind,
            SubsidyStandard.effective_from <= on,
            or_(SubsidyStandard.region == city, SubsidyStandard.region == PROVINCE),
        )
        .order_by(SubsidyStandard.effective_from.desc(), SubsidyStandard.id.desc())
    ).all()
    for region in (city, PROVINCE):
        for row in rows:
            if row.region == region:
                return row
    return None


def standards_visible(user: User) -> list[SubsidyStandard]:
    """Every standard row (history included) of the province and the user's cities."""
    rows = db.session.scalars(
        select(SubsidyStandard).order_by(
            SubsidyStandard.occupation,
            SubsidyStandard.level,
            SubsidyStandard.kind,
            SubsidyStandard.region,
            SubsidyStandard.effective_from.desc(),
            SubsidyStandard.id.desc(),
        )
    ).all()
    scope = user.region_scope or PROVINCE
    return [r for r in rows if r.region == PROVINCE or scope_covers(scope, r.region)]


def standard_json(row: SubsidyStandard) -> dict:
    return {
        "id": row.id,
        "region": row.region,
        "occupation": row.occupation,
        "level": row.level,
        "kind": row.kind,
        "amount_fen": row.amount_fen,
        "per_hour": row.per_hour,
        "effective_from": row.effective_from.isoformat(),
        "is_example": row.is_example,
        "note": row.note,
    }
