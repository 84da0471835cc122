"""The monthly report: aggregates by the job, the page with charts, XLSX, targets."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from skilltrace.extensions import db
from skilltrace.identity.models import Role, utcnow
from skilltrace.oversight.models import ClassCategory, MonthlyAggregate
from skilltrace.oversight.report import (
    aggregate_month,
    month_bounds,
    monthly_report,
    previous_month,
    run_report_job,
    this_month,
)
from skilltrace.oversight.targets import TARGETS_2021, seed_targets
from skilltrace.study.models import CreditedTime, FaceCheck, StudySession


def test_month_arithmetic():
    start, end = month_bounds("2026-12")
    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-01T00:00:00+08:00",
        "2027-01-01T00:00:00+08:00",
    )
    assert previous_month("2026-01") == "2025-12" and previous_month("2026-11") == "2026-10"


def _activity(world):
    """12 trainings in the world's class (category key groups), 2 学时 credited, 4 checks."""
    db.session.add(
        ClassCategory(class_id=world.class_.id, category="key_groups", set_by_id=world.regulator.id)
    )
    day = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date().isoformat()
    for learner in world.learners[:2]:
        db.session.add(
            CreditedTime(
                learner_id=learner.id,
                lesson_id=world.lesson.id,
                course_id=world.course.id,
                day=day,
                seconds=45 * 60.0,
                capped_seconds=0.0,
            )
        )
    session = StudySession(
        learner_id=world.learners[0].id,
        lesson_id=world.lesson.id,
        class_id=world.class_.id,
        course_id=world.course.id,
        state="ended",
        started_at=utcnow(),
    )
    db.session.add(session)
    db.session.flush()
    for status in ("passed", "passed", "failed", "missed"):
        db.session.add(
            FaceCheck(
                session_id=session.id,
                learner_id=world.learners[0].id,
                kind="random",
                nonce_hash="0" * 64,
                issued_at=utcnow(),
                deadline_at=utcnow() + timedelta(minutes=1),
                status=status,
            )
        )
    db.session.commit()


def test_job_aggregates_the_month_idempotently(app, world):
    _activity(world)
    assert app.extensions["skilltrace.jobs"]["oversight.report"][0] is run_report_job
    month = this_month()
    first = aggregate_month(month)
    assert aggregate_month(month) == first  # rerun replaces, never doubles
    figures = {
        (a.city_code, a.metric): a.value
        for a in db.session.query(MonthlyAggregate).filter_by(month=month)
    }
    assert figures[("6101", "trainings")] == 12
    assert figures[("6101", "trainings_key_groups")] == 12
    assert figures[("6101", "attested_hours")] == 2.0
    assert figures[("6101", "checks_decided")] == 4 and figures[("6101", "checks_failed")] == 2
    report = monthly_report(int(month[:4]), "61")
    assert report.totals["trainings"] == 12 and report.failure_rate == 0.5
    assert monthly_report(int(month[:4]), "6102").totals["trainings"] == 0


def test_page_charts_and_xlsx_show_the_same_figures(app, world, login):
    _activity(world)
    month = this_month()
    year = int(month[:4])
    seed_targets(year)
    app.test_cli_runner().invoke(args=["oversight", "aggregate", "--month", month])
    client = app.test_client()
    login(client, world.regulator)
    page = client.get(f"/oversight/report?year={year}&region=61")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "vendor/echarts/echarts.min.js" in text and "js/oversight-report.js" in text
    assert "<script>" not in text  # no inline script: the chart code is a static file
    data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    assert '"trainings": [' in data.group(1)
    row = re.search(r'data-metric="trainings"><td>[^<]*</td><td>([^<]*)</td>', text).group(1)
    assert row == "12"

    export = client.get(f"/oversight/report.xlsx?year={year}&region=61")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    summary = book.worksheets[0]
    values = {r[0].value: (r[1].value, r[2].value) for r in summary.iter_rows(min_row=2)}
    labels = [r[0].value for r in summary.iter_rows(min_row=2)]
    assert values[labels[0]] == (12, TARGETS_2021["trainings"])
    monthly = book.worksheets[1]
    assert monthly.cell(1, 1 + int(month[5:])).value == month


def test_only_the_province_regulator_edits_targets(app, world, make_user, login):
    client = app.test_client()
    login(client, world.regulator)  # scope 61
    page = client.get("/oversight/targets?year=2027&region=61").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/oversight/targets?year=2027&region=61",
        data={"csrf_token": token, "trainings": "550000", "key_group_employment_rate": "0.35"},
    )
    assert response.status_code == 302
    report = monthly_report(2027, "61")
    assert report.targets == {"trainings": 550000.0, "key_group_employment_rate": 0.35}
    client.post(
        "/oversight/targets?year=2027&region=61",
        data={"csrf_token": token, "trainings": "-5"},
    )
    assert monthly_report(2027, "61").targets["trainings"] == 550000.0

    city = app.test_client()
    login(city, make_user(Role.REGULATOR, scope="6101"))
    assert city.get("/oversight/report?region=6101").status_code == 200
    assert city.get("/oversight/report?region=6102").status_code == 404
    page = city.get("/oversight/targets?year=2027&region=6101").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    city.post(
        "/oversight/targets?year=2027&region=6101", data={"csrf_token": token, "trainings": "1"}
    )
    assert monthly_report(2027, "6101").targets == {}


def test_the_2021_targets_are_the_notices(app):
    assert seed_targets(2021) == 11
    report = monthly_report(2021, "61")
    assert report.targets["trainings"] == 500_000
    assert report.targets["trainings_apprentices"] == 15_000
    assert report.targets["vouchers_used"] == 20_000


def test_regulators_set_class_categories_that_the_report_counts(app, world, make_user, login):
    client = app.test_client()
    login(client, world.regulator)
    page = client.get("/oversight/categories").get_data(as_text=True)
    assert world.class_.code in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "class_id": str(world.class_.id)}
    client.post("/oversight/categories", data={**form, "category": "migrant_workers"})
    client.post("/oversight/categories", data={**form, "category": "nonsense"})
    assert db.session.get(ClassCategory, world.class_.id).category == "migrant_workers"
    aggregate_month(this_month())
    report = monthly_report(int(this_month()[:4]), "6101")
    assert report.totals["trainings_migrant_workers"] == 12

    other = app.test_client()
    login(other, make_user(Role.REGULATOR, scope="6102"))
    assert world.class_.code not in other.get("/oversight/categories").get_data(as_text=True)
    other.post("/oversight/categories", data={**form, "category": "startup"})
    db.session.expire_all()
    assert db.session.get(ClassCategory, world.class_.id).category == "migrant_workers"
