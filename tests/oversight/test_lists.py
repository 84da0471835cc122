"""Lists in scope (learners, classes, courses), class progress and its exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from skilltrace.errors import DomainError
from skilltrace.oversight.export import neutralise
from skilltrace.oversight.lists import LEARNER_STATES, mask_mobile, parse_filters


@pytest.mark.parametrize(
    "args,field",
    [
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"city": "1101"}, "city"),
        ({"state": "asleep"}, "state"),
        ({"q": "a" * 65}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"from": "2026-13-01"}, "from"),
        ({"class": "-1"}, "class"),
        ({"course": "99999999999"}, "course"),
    ],
)
def test_bad_filters_are_refused_by_field(args, field):
    with pytest.raises(DomainError) as caught:
        parse_filters(args, LEARNER_STATES)
    assert caught.value.code == "filter_invalid" and caught.value.field == field


def test_good_filters_parse():
    got = parse_filters({"q": " 张 ", "city": "6101", "page": "2", "from": "2026-11-01"}, ())
    assert (got.q, got.city, got.page, got.date_from.isoformat()) == ("张", "6101", 2, "2026-11-01")


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("张三", "张三"),
        (-2, -2),
        (1.5, 1.5),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(value, expected):
    assert neutralise(value) == expected


def test_mask_mobile():
    assert mask_mobile("13900000001") == "139****0001"


def _ids(client, url, key="learners"):
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()[key]]


def test_lists_show_what_is_in_scope_only(world, app, login):
    learner = world.learner
    xian, baoji = world.xian_class.id, world.baoji_class.id
    clients = {}
    for name, user in world.viewers.items():
        clients[name] = app.test_client()
        login(clients[name], user)
    province = clients["province"]
    for q in (learner.name[1:], learner.mobile[-4:], learner.id_number_masked[:6]):
        assert learner.id in _ids(province, f"/api/v1/learners?q={q}"), q
    assert _ids(province, "/api/v1/learners?state=studying") == [learner.id]
    assert _ids(province, "/api/v1/learners?state=completed") == []
    assert _ids(province, f"/api/v1/learners?class={baoji}") == [learner.id]
    paged = province.get("/api/v1/learners?per_page=1&page=2").get_json()
    assert paged["total"] == 2 and paged["pages"] == 2 and len(paged["learners"]) == 1
    assert _ids(clients["yanan_regulator"], f"/api/v1/learners?q={learner.name}") == []
    assert _ids(clients["xian_staff"], "/api/v1/learners") == [learner.id]
    assert _ids(clients["baoji_regulator"], "/api/v1/learners?state=studying") == []
    assert clients["admin"].get("/api/v1/learners").status_code == 403
    expected = {
        "province": {xian, baoji},
        "xian_regulator": {xian},
        "baoji_regulator": {baoji},
        "yanan_regulator": set(),
        "xian_staff": {xian},
        "admin": {xian, baoji},
    }
    for name, classes in expected.items():
        assert set(_ids(clients[name], "/api/v1/lists/classes", "classes")) == classes, name
        courses = set(_ids(clients[name], "/api/v1/lists/courses", "courses"))
        assert len(courses) == len(classes), name
    assert _ids(province, "/api/v1/lists/classes?city=6103", "classes") == [baoji]
    assert _ids(province, "/api/v1/lists/classes?state=approved", "classes") == [xian]
    assert province.get("/api/v1/lists/classes?city=9999").status_code == 422
    page = province.get(f"/oversight/learners?q={learner.name}").get_data(as_text=True)
    assert learner.id_number_masked in page
    page = clients["baoji_regulator"].get("/oversight/classes").get_data(as_text=True)
    assert world.baoji_class.name in page and world.xian_class.name not in page


def test_class_progress_and_exports_equal_the_ledger(world, app, login):
    from skilltrace.extensions import db

    learner = world.learner
    xian = world.xian_class.id
    regulator = app.test_client()
    login(regulator, world.viewers["xian_regulator"])
    ledger = regulator.get(f"/api/v1/learners/{learner.id}/ledger").get_json()["courses"][0]
    progress = regulator.get(f"/api/v1/classes/{xian}/progress").get_json()
    (row,) = progress["learners"]
    assert row["credited_seconds"] == ledger["credited_seconds"] > 0
    assert row["attested_hours"] == round(ledger["attested_hours"], 2)
    assert row["coverage"] == [lesson["coverage_ratio"] for lesson in ledger["lessons"]]
    assert regulator.get(f"/oversight/classes/{xian}").status_code == 200
    learner.name = "=HYPERLINK(1)"  # as if a name slipped through: the export must defuse it
    db.session.commit()
    text = regulator.get(f"/oversight/classes/{xian}/progress.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "'=HYPERLINK(1)" and float(rows[1][4]) == ledger["credited_seconds"]
    book = load_workbook(io.BytesIO(regulator.get(f"/oversight/classes/{xian}/progress.xlsx").data))
    sheet = list(book.active.iter_rows(values_only=True))
    assert sheet[1][0] == "'=HYPERLINK(1)" and sheet[1][4] == ledger["credited_seconds"]
    for name, status in (("baoji_regulator", 404), ("yanan_regulator", 404), ("admin", 403)):
        other = app.test_client()
        login(other, world.viewers[name])
        assert other.get(f"/api/v1/classes/{xian}/progress").status_code == status, name
        assert other.get(f"/oversight/classes/{xian}/progress.csv").status_code == status, name


@pytest.mark.parametrize("viewer", ["province", "xian_regulator", "xian_staff"])
def test_the_csv_export_is_read_after_its_request_has_ended(world, app, login, viewer):
    """Flask ends the request's app context, and its database session, before the streamed
    body is read (the test client runs each request as a server does)."""
    client = app.test_client()
    login(client, world.viewers[viewer])
    response = client.get(f"/oversight/classes/{world.xian_class.id}/progress.csv")
    status, body = response.status_code, response.get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert status == 200 and len(rows) == 2
    assert rows[1][:2] == [world.learner.name, world.learner.id_number_masked]
