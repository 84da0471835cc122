"""The monthly report (按月通报): aggregates kept by the scheduled job, read by the page and XLSX.

:func:`aggregate_month` recomputes one month's figures per city into ``monthly_aggregates``
(idempotent; the job refreshes this month and the last). Figures owned by other domains (claims,
vouchers, certificates, employment) come from sources registered in
``app.extensions["skilltrace.report_sources"]``: ``name -> fn(start, end) -> {city: value}``.
:func:`monthly_report` reads only the aggregates and the targets, so the page stays fast.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import delete, func, select

from skilltrace.extensions import db
from skilltrace.identity.models import Provider, utcnow
from skilltrace.oversight.models import ClassCategory, MonthlyAggregate
from skilltrace.oversight.targets import CATEGORIES, METRICS, RATE_METRICS, targets_for
from skilltrace.regions import SHAANXI, SHAANXI_CITIES
from skilltrace.timefmt import BEIJING, beijing_date


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of ``YYYY-MM`` in Beijing time."""
    year, number = (int(x) for x in month.split("-"))
    start = datetime(year, number, 1, tzinfo=BEIJING)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=BEIJING)
    return start, end


def this_month(now: datetime | None = None) -> str:
    return (now or utcnow()).astimezone(BEIJING).strftime("%Y-%m")


def previous_month(month: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def _figures(start: datetime, end: datetime) -> dict[tuple[str, str], float]:
    """(city, metric) -> value for one month, from the class rosters, the ledger and checks."""
    from skilltrace.courses.models import ClassMember, Course, TrainingClass
    from skilltrace.study.models import CreditedTime, FaceCheck, StudySession

    figures: dict[tuple[str, str], float] = {}

    def add(city: str, metric: str, value) -> None:
        figures[(city, metric)] = figures.get((city, metric), 0.0) + float(value or 0)

    for city, category, count in db.session.execute(
        select(Provider.city_code, ClassCategory.category, func.count())
        .select_from(ClassMember)
        .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
        .join(Provider, Provider.id == TrainingClass.provider_id)
        .outerjoin(ClassCategory, ClassCategory.class_id == TrainingClass.id)
        .where(ClassMember.joined_at >= start, ClassMember.joined_at < end)
        .group_by(Provider.city_code, ClassCategory.category)
    ):
        add(city, "trainings", count)
        if category in CATEGORIES:
            add(city, f"trainings_{category}", count)
    unit_s = current_app.config["MINUTES_PER_HOUR_UNIT"] * 60
    for city, seconds in db.session.execute(
        select(Provider.city_code, func.sum(CreditedTime.seconds))
        .join(Course, Course.id == CreditedTime.course_id)
        .join(Provider, Provider.id == Course.provider_id)
        .where(
            CreditedTime.day >= start.date().isoformat(), CreditedTime.day < end.date().isoformat()
        )
        .group_by(Provider.city_code)
    ):
        add(city, "attested_hours", (seconds or 0) / unit_s)
    for city, status, count in db.session.execute(
        select(Provider.city_code, FaceCheck.status, func.count())
        .join(StudySession, StudySession.id == FaceCheck.session_id)
        .join(TrainingClass, TrainingClass.id == StudySession.class_id)
        .join(Provider, Provider.id == TrainingClass.provider_id)
        .where(
            FaceCheck.issued_at >= start,
            FaceCheck.issued_at < end,
            FaceCheck.status.in_(("passed", "failed", "missed")),
        )
        .group_by(Provider.city_code, FaceCheck.status)
    ):
        add(city, "checks_decided", count)
        if status != "passed":
            add(city, "checks_failed", count)
    for metric, source in current_app.extensions.get("skilltrace.report_sources", {}).items():
        for city, value in source(start, end).items():
            add(city, metric, value)
    return figures


def aggregate_month(month: str) -> int:
    """Recompute one month's aggregates (replacing the old ones); returns rows written."""
    start, end = month_bounds(month)
    figures = _figures(start, end)
    db.session.execute(delete(MonthlyAggregate).where(MonthlyAggregate.month == month))
    now = utcnow()
    db.session.add_all(
        MonthlyAggregate(month=month, city_code=city, metric=metric, value=value, computed_at=now)
        for (city, metric), value in sorted(figures.items())
    )
    db.session.commit()
    return len(figures)


def run_report_job() -> dict:
    """The scheduled job: refresh this month's and last month's aggregates."""
    month = this_month()
    return {m: aggregate_month(m) for m in (previous_month(month), month)}


@dataclass(frozen=True)
class Report:
    year: int
    region: str
    months: list[str]
    monthly: dict[str, list[float]]  # metric -> value per month
    totals: dict[str, float]  # year to date
    targets: dict[str, float]
    computed_at: datetime | None

    def progress(self, metric: str) -> float | None:
        target = self.targets.get(metric)
        if not target or metric in RATE_METRICS:
            return None
        return self.totals.get(metric, 0.0) / target

    @property
    def failure_rate(self) -> float | None:
        decided = self.totals.get("checks_decided", 0.0)
        return self.totals.get("checks_failed", 0.0) / decided if decided else None


def monthly_report(year: int, region: str, until: str | None = None) -> Report:
    """One region's figures per month of ``year`` (up to ``until``) against its targets."""
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    if until:
        months = [m for m in months if m <= until]
    stmt = (
        select(MonthlyAggregate.month, MonthlyAggregate.metric, func.sum(MonthlyAggregate.value))
        .where(MonthlyAggregate.month.in_(months))
        .group_by(MonthlyAggregate.month, MonthlyAggregate.metric)
    )
    if region != SHAANXI:
        stmt = stmt.where(MonthlyAggregate.city_code == region)
    else:
        # the province's own rows: figures with no city (a province-wide voucher not yet used)
        stmt = stmt.where(
            MonthlyAggregate.city_code.in_([*SHAANXI_CITIES, SHAANXI]),
            # rates do not add up over cities: the province's rate is its own row
            (MonthlyAggregate.city_code == SHAANXI)
            | MonthlyAggregate.metric.not_in(list(RATE_METRICS)),
        )
    monthly = {metric: [0.0] * len(months) for metric in METRICS}
    index = {m: i for i, m in enumerate(months)}
    latest: dict[str, int] = {}  # a rate's total is its latest month with a figure
    for month, metric, value in db.session.execute(stmt):
        if metric in monthly:
            monthly[metric][index[month]] = float(value)
            latest[metric] = max(latest.get(metric, 0), index[month])
    totals = {
        metric: (values[latest.get(metric, 0)] if metric in RATE_METRICS else sum(values))
        for metric, values in monthly.items()
    }
    computed_at = db.session.scalar(
        select(func.max(MonthlyAggregate.computed_at)).where(MonthlyAggregate.month.in_(months))
    )
    return Report(year, region, months, monthly, totals, targets_for(year, region), computed_at)


def report_xlsx(report: Report, labels: dict[str, str], headers: dict[str, str]) -> bytes:
    """The report's figures as an XLSX workbook: a summary sheet and a sheet per month."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = headers["summary"][:31]
    sheet.append([headers["metric"], headers["total"], headers["target"], headers["progress"]])
    for metric in METRICS:
        progress = report.progress(metric)
        sheet.append(
            [
                labels[metric],
                round(report.totals.get(metric, 0.0), 4),
                report.targets.get(metric),
                None if progress is None else round(progress, 4),
            ]
        )
    monthly = book.create_sheet(headers["monthly"][:31])
    monthly.append([headers["metric"], *report.months])
    for metric in METRICS:
        monthly.append([labels[metric], *(round(v, 4) for v in report.monthly[metric])])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_year(today: date | None = None) -> int:
    return (today or beijing_date(utcnow())).year
