"""Subsidy's figures for the monthly report: ``fn(start, end) -> {city: value}`` callables that
:func:`skilltrace.subsidy.init_app` registers in ``app.extensions["skilltrace.report_sources"]``
(oversight reads them; nothing here imports oversight)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from skilltrace.courses.models import TrainingClass
from skilltrace.extensions import db
from skilltrace.identity.models import Provider
from skilltrace.regions import SHAANXI
from skilltrace.subsidy.models import (
    ClaimTransition,
    EmploymentRecord,
    KeyGroupRecord,
    SubsidyClaim,
    TrainingCertificate,
)
from skilltrace.timefmt import beijing_date


def claims(start: datetime, end: datetime) -> dict[str, float]:
    """Claims submitted in the month, by the provider's city."""
    rows = db.session.execute(
        select(Provider.city_code, func.count(func.distinct(SubsidyClaim.id)))
        .select_from(ClaimTransition)
        .join(SubsidyClaim, SubsidyClaim.id == ClaimTransition.claim_id)
        .join(Provider, Provider.id == SubsidyClaim.provider_id)
        .where(
            ClaimTransition.to_status == "submitted",
            ClaimTransition.at >= start,
            ClaimTransition.at < end,
        )
        .group_by(Provider.city_code)
    )
    return {city: float(count) for city, count in rows}


def claims_amount(start: datetime, end: datetime) -> dict[str, float]:
    """Yuan approved in claims decided in the month, by the provider's city."""
    rows = db.session.execute(
        select(Provider.city_code, func.sum(SubsidyClaim.total_fen))
        .select_from(ClaimTransition)
        .join(SubsidyClaim, SubsidyClaim.id == ClaimTransition.claim_id)
        .join(Provider, Provider.id == SubsidyClaim.provider_id)
        .where(
            ClaimTransition.to_status == "decided",
            ClaimTransition.at >= start,
            ClaimTransition.at < end,
        )
        .group_by(Provider.city_code)
    )
    return {city: (total or 0) / 100 for city, total in rows}


def certificates(start: datetime, end: datetime) -> dict[str, float]:
    """Training certificates issued (not revoked) in the month, by the provider's city."""
    first, last = beijing_date(start), beijing_date(end)
    rows = db.session.execute(
        select(Provider.city_code, func.count())
        .select_from(TrainingCertificate)
        .join(TrainingClass, TrainingClass.id == TrainingCertificate.class_id)
        .join(Provider, Provider.id == TrainingClass.provider_id)
        .where(
            TrainingCertificate.issued_on >= first,
            TrainingCertificate.issued_on < last,
            TrainingCertificate.revoked_at.is_(None),
        )
        .group_by(Provider.city_code)
    )
    return {city: float(count) for city, count in rows}


def key_group_employment_rate(start: datetime, end: datetime) -> dict[str, float]:
    """Share of key-group trainees certified in the month who have an employment record, per
    city and for the whole province (under the province code)."""
    first, last = beijing_date(start), beijing_date(end)
    confirmed = select(KeyGroupRecord.learner_id).where(KeyGroupRecord.status == "confirmed")
    hired = (
        select(EmploymentRecord.id)
        .where(
            EmploymentRecord.class_id == TrainingCertificate.class_id,
            EmploymentRecord.learner_id == TrainingCertificate.learner_id,
        )
        .exists()
    )
    rows = db.session.execute(
        select(Provider.city_code, func.count(), func.count().filter(hired))
        .select_from(TrainingCertificate)
        .join(TrainingClass, TrainingClass.id == TrainingCertificate.class_id)
        .join(Provider, Provider.id == TrainingClass.provider_id)
        .where(
            TrainingCertificate.issued_on >= first,
            TrainingCertificate.issued_on < last,
            TrainingCertificate.revoked_at.is_(None),
            TrainingCertificate.learner_id.in_(confirmed),
        )
        .group_by(Provider.city_code)
    )
    rates, done, hired = {}, 0, 0
    for city, count, employed in rows:
        rates[city] = employed / count
        done, hired = done + count, hired + employed
    if done:
        rates[SHAANXI] = hired / done  # the province's own rate (rates do not add up)
    return rates


SOURCES = {
    "claims": claims,
    "claims_amount": claims_amount,
    "certificates": certificates,
    "key_group_employment_rate": key_group_employment_rate,
}
