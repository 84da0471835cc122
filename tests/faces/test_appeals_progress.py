"""Class progress shows each learner's open and overturned appeals; the API, the page, the CSV
and the XLSX exports agree."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from .appeal_support import reviewer, voided_by_missed_check
from .test_appeals_api import appeal

OPEN, OVERTURNED = 10, 11  # export columns after the checks


def _progress(regulator, class_id) -> tuple[dict, list, list]:
    (row,) = regulator.client.get(f"/api/v1/classes/{class_id}/progress").get_json()["learners"]
    text = regulator.client.get(f"/oversight/classes/{class_id}/progress.csv").data
    (_, csv_row) = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    xlsx = regulator.client.get(f"/oversight/classes/{class_id}/progress.xlsx").data
    (_, xlsx_row) = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    return row, csv_row, list(xlsx_row)


def test_progress_and_exports_count_open_and_overturned_appeals(
    study, app, monkeypatch, make_user, login
):
    check = voided_by_missed_check(study, app, monkeypatch)
    class_id = study.room.class_.id
    first, second = reviewer(app, make_user, login), reviewer(app, make_user, login)
    row, csv_row, xlsx_row = _progress(first, class_id)
    assert (row["open_appeals"], row["overturned_appeals"]) == (0, 0)

    appeal_id = appeal(study, check.id).get_json()["id"]
    row, csv_row, xlsx_row = _progress(first, class_id)
    assert (row["open_appeals"], row["overturned_appeals"]) == (1, 0)
    assert csv_row[OPEN : OVERTURNED + 1] == ["1", "0"] and xlsx_row[OPEN : OVERTURNED + 1] == [
        1,
        0,
    ]

    path = f"/api/v1/face/appeals/{appeal_id}/decision"
    first.post(path, {"action": "overturn", "comment": "网络故障"})
    second.post(path, {"action": "confirm", "comment": "同意"})
    row, csv_row, xlsx_row = _progress(first, class_id)
    assert (row["open_appeals"], row["overturned_appeals"]) == (0, 1)
    assert csv_row[OPEN : OVERTURNED + 1] == ["0", "1"] and xlsx_row[OPEN : OVERTURNED + 1] == [
        0,
        1,
    ]
    page = first.client.get(f"/oversight/classes/{class_id}").get_data(as_text=True)
    assert "申诉改判" in page or "Overturned appeals" in page
