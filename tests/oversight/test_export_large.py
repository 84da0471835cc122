"""A 10,000-learner class exports to CSV and XLSX in bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import insert

LEARNERS = 10_000
PEAK_LIMIT = 16 * 1024 * 1024  # an in-memory workbook of this class takes several times this


def big_class(make_user):
    from skilltrace.courses.models import ClassMember, Course, TrainingClass
    from skilltrace.extensions import db
    from skilltrace.identity.models import Role, User

    provider = make_user.provider(city="6101")
    staff = make_user(Role.PROVIDER_STAFF, provider=provider)
    course = Course(
        provider_id=provider.id, title="大班课程", occupation="电工", skill_level="5",
        description="", required_tenths=80, status="approved",
    )  # fmt: skip
    db.session.add(course)
    db.session.flush()
    class_ = TrainingClass(
        provider_id=provider.id, course_id=course.id, name="万人班", code="BIG00001",
        start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), capacity=LEARNERS,
        status="approved", created_by_id=staff.id,
    )  # fmt: skip
    db.session.add(class_)
    db.session.flush()
    rows = [
        {
            "role": "learner",
            "name": "=cmd|' /C calc'!A0" if n == 0 else f"学员{n}",
            "id_number_lookup": f"bulk{n:010d}",
            "id_number_masked": f"610102********{n % 10000:04d}",
            "mobile": f"188{n:08d}",
            "password_hash": "x",
        }
        for n in range(LEARNERS)
    ]
    ids = db.session.scalars(insert(User).returning(User.id), rows).all()
    db.session.execute(
        insert(ClassMember),
        [{"class_id": class_.id, "learner_id": i, "via": "roster"} for i in ids],
    )
    db.session.commit()
    return class_


def _export(class_):
    from skilltrace.oversight.export import csv_stream, file_blocks, xlsx_file

    tracemalloc.start()
    try:
        lines = 0
        for chunk in csv_stream(class_.id):
            lines += chunk.count(b"\n")
        csv_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        data = b"".join(file_blocks(xlsx_file(class_)))
        xlsx_peak = tracemalloc.get_traced_memory()[1] - len(data)
    finally:
        tracemalloc.stop()
    return lines, csv_peak, xlsx_peak, data


def test_ten_thousand_rows_in_bounded_memory(app, make_user):
    class_ = big_class(make_user)
    with app.test_request_context():
        lines, csv_peak, xlsx_peak, data = _export(class_)
    assert lines == LEARNERS + 1
    assert csv_peak < PEAK_LIMIT and xlsx_peak < PEAK_LIMIT, (csv_peak, xlsx_peak)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == LEARNERS + 1
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    print(f"peaks: csv {csv_peak / 1e6:.1f} MB, xlsx {xlsx_peak / 1e6:.1f} MB")
