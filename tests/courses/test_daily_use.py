"""Provider and regulator pages as people use them: counts that link, confirmations, hints,
roster templates and readable refusals, one duration rounding, the face-data access log."""

import io
from datetime import UTC, date, datetime

import pytest

from skilltrace.courses.labels import duration
from skilltrace.courses.roster import (
    RosterRow,
    check_rows,
    parse_roster,
    refused_id_shown,
    roster_template,
)
from skilltrace.extensions import db
from skilltrace.faces.access_report import AccessFilter, matches


@pytest.mark.parametrize(
    ("seconds", "shown"), [(9.6, "0:09"), (9.99, "0:09"), (10.0, "0:10"), (3725.2, "1:02:05")]
)
def test_one_duration_rounding_as_players_show_it(seconds, shown):
    from skilltrace.oversight.readable import clock

    assert duration(seconds) == shown
    assert clock(seconds) == shown  # video positions in the readable trace


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_roster_template_is_read_back_by_the_importer(fmt):
    data, _mime = roster_template(fmt)
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data))
        book.active.append(["张三", "610113198506150011", "13912345678"])
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    else:
        data += "张三,610113198506150011,13912345678\r\n".encode()
    rows = parse_roster(f"roster.{fmt}", data)
    assert [(r.name, r.mobile) for r in rows] == [("张三", "13912345678")]


def test_refused_rows_show_the_value_once_labelled():
    from skilltrace.identity.codes import id_check_digit

    good = "61011319850615001" + id_check_digit("61011319850615001")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    rows = [
        RosterRow(2, "李四", bad, "13912345678"),
        RosterRow(3, "王五", good, "1391234"),
        RosterRow(4, "赵", good, "13912345679"),
    ]
    outcomes = check_rows(rows, date(2026, 11, 30))
    assert [(o.status, o.refused) for o in outcomes] == [
        ("invalid_id", "610113********" + bad[-4:]),
        ("invalid_mobile", "1391234"),
        ("invalid_name", "赵"),
    ]
    assert refused_id_shown("") == "—" and refused_id_shown("12345") == "12345"


@pytest.mark.parametrize(
    ("flt", "fits"),
    [
        (AccessFilter(), True),
        (AccessFilter(reader="李"), True),
        (AccessFilter(reader="王"), False),
        (AccessFilter(learner="6101"), True),
        (AccessFilter(learner="张三"), True),
        (AccessFilter(kind="snapshot"), False),
        (AccessFilter(day_from=date(2026, 11, 30)), True),
        (AccessFilter(day_from=date(2026, 12, 1)), False),
        (AccessFilter(day_to=date(2026, 11, 29)), False),
    ],
)
def test_access_log_filter(flt, fits):
    args = ("李监管", "张三", "610102********1231", "enrollment_photo", date(2026, 11, 30))
    assert matches(flt, *args) is fits


def test_provider_home_counts_link_and_lessons_hide_codec_details(world, client, login):
    course = world.course(status="draft")
    login(client, world.users["staff_a"])
    home = client.get("/provider/").get_data(as_text=True)
    assert "/provider/courses?status=draft" in home
    drafts = client.get("/provider/courses?status=draft").get_data(as_text=True)
    assert course.title in drafts
    assert course.title not in client.get("/provider/courses?status=approved").get_data(
        as_text=True
    )
    page = client.get(f"/provider/courses/{course.id}").get_data(as_text=True)
    assert "vp80" not in page.lower() and "×270" not in page
    assert "data-confirm=" in page  # removing a lesson asks first
    assert "js/confirm.js" in page and "onclick" not in page
    quiz = client.get(f"/provider/lessons/{course.lessons[0].id}/quiz").get_data(as_text=True)
    assert "1" in quiz and ("Count from 1" in quiz or "从 1" in quiz)
    template = client.get("/provider/roster-template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"


def test_blacklisting_asks_first(world, client, login):
    world.users.provider("6101")
    login(client, world.users["regulator"])
    page = client.get("/regulator/providers").get_data(as_text=True)
    assert 'class="status-form" data-confirm=' in page


def test_access_log_filters_and_exports(world, client, login):
    from skilltrace.faces.models import FaceAccessLog

    regulator = world.users["regulator"]
    learner = world.users["learner"]
    db.session.add_all(
        [
            FaceAccessLog(
                reader_id=regulator.id,
                learner_id=learner.id,
                object_kind=kind,
                object_id=n,
                purpose="review",
                client_ip="10.0.0.1",
                accessed_at=datetime(2026, 11, 30, 6, n, tzinfo=UTC),
            )
            for n, kind in enumerate(("enrollment_photo", "snapshot", "snapshot"), 1)
        ]
    )
    db.session.commit()
    login(client, regulator)
    everything = client.get("/faces/access-log").get_data(as_text=True)
    assert everything.count("#") >= 3
    photos = client.get("/faces/access-log?kind=enrollment_photo").get_data(as_text=True)
    assert "#1<" in photos and "#2<" not in photos
    export = client.get("/faces/access-log.csv?kind=snapshot")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert len(lines) == 3  # header + two snapshots
    assert lines[1].startswith("2026-11-30 14:0")  # Beijing time


def test_one_term_for_course_and_class_approval_on_the_pages(world, client, login):
    """备案 for courses and classes (nav, badges, queues); 审核/批准 stay with face cases."""
    world.course(status="approved")
    waiting = world.course(status="submitted")
    login(client, world.users["staff_a"])
    listing = client.get("/provider/courses").get_data(as_text=True)
    assert "已备案" in listing and "待备案" in listing
    assert "已批准" not in listing and "待审核" not in listing
    login(client, world.users["regulator"])
    home = client.get("/regulator/").get_data(as_text=True)
    assert "课程备案" in home and "开班备案" in home
    assert "课程审核" not in home and "开班审核" not in home
    review = client.get(f"/regulator/courses/{waiting.id}").get_data(as_text=True)
    assert "准予备案" in review and "批准" not in review.replace("准予备案", "")


def test_face_distances_are_explained_with_the_engines_threshold(app, monkeypatch):
    """The trace and the appeal page say "the same person is at most" the threshold the checks
    use (FACE_MATCH_THRESHOLD or the engine's default), never a stale constant."""
    from flask_babel import force_locale

    from skilltrace.faces.runtime import engine_settings
    from skilltrace.oversight import readable

    limit = engine_settings(app.config).match_threshold
    with app.test_request_context(), force_locale("zh"):
        shown = readable.distances_text('{"front": 0.366, "left": 0.4}')
        assert shown == f"人脸距离 0.37、0.40（不超过 {limit:.2f} 判定为本人）"
        monkeypatch.setitem(app.config, "FACE_MATCH_THRESHOLD", 0.9)
        assert readable.distances_text([0.95]).endswith("（不超过 0.90 判定为本人）")
        assert readable.distances_text("not json") == "" and readable.distances_text([]) == ""


def test_roster_report_on_the_class_page_names_each_refusal_once(world, client, login):
    """The import report shows one message per refused row (not “身份证号无效” and then the
    reason) and the value that was refused, the ID number masked."""
    from skilltrace.identity.codes import id_check_digit

    class_ = world.open_class(world.course())
    good = "61011319850615001" + id_check_digit("61011319850615001")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    csv = f"姓名,身份证号,手机号\r\n李四,{bad},13912345678\r\n王五,{good},1391234\r\n"
    csrf = login(client, world.users["staff_a"])
    page = client.post(
        f"/provider/classes/{class_.id}",
        data={"csrf_token": csrf, "roster": (io.BytesIO(csv.encode()), "roster.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    report = page.split("<table>")[1].split("</table>")[0]
    assert report.count("身份证号校验位不正确") == 1
    assert "身份证号无效" not in report  # the reason alone, not the label and the reason
    assert "文件中的值：610113********" + bad[-4:] in report
    assert "文件中的值：1391234" in report
    assert "/provider/roster-template.csv" in page and "/provider/roster-template.xlsx" in page


def test_regulator_home_counts_link_to_their_lists(world, client, login):
    login(client, world.users["regulator"])
    home = client.get("/regulator/").get_data(as_text=True)
    for count, target in (
        ("门课程待备案", "/regulator/courses"),
        ("个开班申请待备案", "/regulator/classes"),
        ("待处理案件", "/faces/review"),
        ("待处理预警", "/oversight/warnings?status=open"),
    ):
        link = home.split(count)[0].rsplit("<a ", 1)[1]
        assert f'href="{target}"' in link, count
