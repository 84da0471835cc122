"""Vouchers' figures for the monthly report (``fn(start, end) -> {city: value}``), registered by
:func:`skilltrace.vouchers.init_app` in ``app.extensions["skilltrace.report_sources"]``.

Issued vouchers count in the issuing batch's city (a province-wide batch's vouchers count in the
city of the class they were used in, else under the province code); used vouchers are write-offs
(核销) in the month, in the city of the class's provider.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from skilltrace.courses.models import TrainingClass
from skilltrace.extensions import db
from skilltrace.identity.models import Provider
from skilltrace.vouchers.models import Voucher, VoucherBatch, VoucherWriteOff


def vouchers_issued(start: datetime, end: datetime) -> dict[str, float]:
    city = case(
        (func.length(VoucherBatch.region) == 4, VoucherBatch.region),
        else_=func.coalesce(Provider.city_code, VoucherBatch.region),
    ).label("city")
    rows = db.session.execute(
        select(city, func.count())
        .select_from(Voucher)
        .join(VoucherBatch, VoucherBatch.id == Voucher.batch_id)
        .outerjoin(TrainingClass, TrainingClass.id == Voucher.class_id)
        .outerjoin(Provider, Provider.id == TrainingClass.provider_id)
        .where(Voucher.claimed_at >= start, Voucher.claimed_at < end)
        .group_by(city)
    )
    return {region: float(count) for region, count in rows}


def vouchers_used(start: datetime, end: datetime) -> dict[str, float]:
    rows = db.session.execute(
        select(Provider.city_code, func.count(func.distinct(VoucherWriteOff.voucher_id)))
        .select_from(VoucherWriteOff)
        .join(TrainingClass, TrainingClass.id == VoucherWriteOff.class_id)
        .join(Provider, Provider.id == TrainingClass.provider_id)
        .where(VoucherWriteOff.at >= start, VoucherWriteOff.at < end)
        .group_by(Provider.city_code)
    )
    return {city: float(count) for city, count in rows}


SOURCES = {"vouchers_issued": vouchers_issued, "vouchers_used": vouchers_used}
