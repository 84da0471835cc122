"""Roster import (CSV and XLSX): per-row report, nothing written for bad rows, seats claimed."""

import io

import pytest
from sqlalchemy import func, select

from skilltrace.courses.models import ClassInvite, ClassMember
from skilltrace.courses.roster import parse_roster, roster_importer
from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.codes import id_check_digit
from skilltrace.identity.services import account_service


def new_id(n: int) -> str:
    first17 = f"61011319850615{n:03d}"
    return first17 + id_check_digit(first17)


def bad_checksum(id_number: str) -> str:
    last = "0" if id_number[-1] != "0" else "1"
    return id_number[:-1] + last


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def csv_bytes(rows, header=("姓名", "身份证号", "手机号"), encoding="utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, header=("Name", "ID number", "Mobile")) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def mixed(world):
    """A class with room for 10 and a roster of good and bad rows; returns (class, rows)."""
    class_ = world.open_class(world.course(), capacity=10)
    learner = world.users["learner"]
    taken = world.users["other_learner"]
    registered_id = account_service().reveal_id_number(learner)
    rows = [
        (learner.name, registered_id.lower(), "13700009999"),  # registered → added
        ("张新", new_id(1), "13700000001"),  # not registered → seat reserved
        ("李错", bad_checksum(new_id(2)), "13700000002"),  # bad ID
        ("王号", new_id(3), "12345"),  # bad mobile
        ("张新二", new_id(1), "13700000004"),  # same ID as row 2
        ("赵占", new_id(5), taken.mobile),  # mobile belongs to another account
        ("", new_id(6), "13700000006"),  # no name
        ("钱同", new_id(7), "13700000001"),  # same mobile as row 2
    ]
    return class_, rows


EXPECTED = [
    (2, "added", ""),
    (3, "invited", ""),
    (4, "invalid_id", "id_number_checksum"),
    (5, "invalid_mobile", "mobile_format"),
    (6, "duplicate_in_file", ""),
    (7, "mobile_taken", ""),
    (8, "invalid_name", ""),
    (9, "duplicate_in_file", ""),
]


@pytest.mark.parametrize(
    ("make_file", "filename"),
    [
        (lambda rows: csv_bytes(rows), "roster.csv"),
        (lambda rows: csv_bytes(rows, encoding="gb18030"), "名单.csv"),
        (lambda rows: csv_bytes(rows, header=("name", "id_number", "mobile")), "r.csv"),
        (lambda rows: xlsx_bytes(rows), "roster.xlsx"),
        (lambda rows: xlsx_bytes(rows, header=("学员姓名", "身份证号码", "手机号码")), "r.xlsx"),
    ],
)
def test_mixed_roster_report_and_writes(world, mixed, make_file, filename):
    class_, rows = mixed
    report = roster_importer().run(world.users["staff_a"], class_, filename, make_file(rows))
    assert [(r.line, r.status, r.detail) for r in report.rows] == EXPECTED
    assert report.rows[1].id_masked == new_id(1)[:6] + "********" + new_id(1)[-4:]
    assert count(ClassMember) == 1 and count(ClassInvite) == 1
    member = db.session.scalar(select(ClassMember))
    assert (member.learner_id, member.via) == (world.users["learner"].id, "roster")
    invite = db.session.scalar(select(ClassInvite))
    assert (invite.name, invite.mobile) == ("张新", "13700000001")
    # importing the same file again changes nothing
    again = roster_importer().run(world.users["staff_a"], class_, filename, make_file(rows))
    assert [r.status for r in again.rows][:2] == ["already_member", "already_invited"]
    assert count(ClassMember) == 1 and count(ClassInvite) == 1


def test_capacity_counts_members_and_reserved_seats(world):
    class_ = world.open_class(world.course(), capacity=2)
    world.join(world.users["learner"], class_)
    rows = [("甲一", new_id(1), "13700000001"), ("乙二", new_id(2), "13700000002")]
    report = roster_importer().run(world.users["staff_a"], class_, "r.csv", csv_bytes(rows))
    assert [r.status for r in report.rows] == ["invited", "class_full"]
    assert count(ClassInvite) == 1
    # the reserved seat counts: nobody else may join by code
    with pytest.raises(DomainError) as info:
        world.join(world.users["other_learner"], class_)
    assert info.value.code == "class_full"


def test_an_invited_person_joins_when_they_register(world, app, login):
    class_ = world.open_class(world.course())
    rows = [("孙新", new_id(9), "13700000009")]
    roster_importer().run(world.users["staff_a"], class_, "r.csv", csv_bytes(rows))
    client = app.test_client()
    response = client.post(
        "/api/v1/auth/register",
        json={
            "name": "孙新",
            "id_number": new_id(9),
            "mobile": "13600000009",
            "password": "a-long-password",
            "consent": True,
        },
    )
    assert response.status_code == 201
    listed = client.get("/api/v1/classes").get_json()["classes"]
    assert [c["id"] for c in listed] == [class_.id]
    assert count(ClassInvite) == 0
    member = db.session.scalar(select(ClassMember))
    assert member.via == "invite"


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "r.csv", "roster_empty"),
        (csv_bytes([]), "r.csv", "roster_empty"),
        ("姓名,手机号\n张三,13700000001\n".encode(), "r.csv", "roster_columns"),
        (b"\x00\x01\x02\xff\xfe" * 50, "r.csv", "roster_unreadable"),
        (b"PK\x03\x04 not really a zip", "r.xlsx", "roster_unreadable"),
    ],
)
def test_unreadable_rosters_are_refused_whole(world, data, filename, code):
    class_ = world.open_class(world.course())
    with pytest.raises(DomainError) as info:
        roster_importer().run(world.users["staff_a"], class_, filename, data)
    assert info.value.code == code
    assert count(ClassInvite) == 0 and count(ClassMember) == 0


def test_only_the_classes_provider_imports(world):
    class_ = world.open_class(world.course())
    with pytest.raises(DomainError) as info:
        roster_importer().run(world.users["staff_b"], class_, "r.csv", csv_bytes([]))
    assert info.value.status == 403


def test_numeric_cells_and_blank_lines_are_tolerated():
    data = xlsx_bytes([(None, None, None), ("周一", new_id(1), 13700000001)])
    rows = parse_roster("r.xlsx", data)
    assert [(r.line, r.id_number, r.mobile) for r in rows] == [(3, new_id(1), "13700000001")]


def test_the_import_page_shows_the_report(world, app, login, mixed):
    class_, rows = mixed
    client = app.test_client()
    token = login(client, world.users["staff_a"])
    response = client.post(
        f"/provider/classes/{class_.id}?lang=en",
        data={"csrf_token": token, "roster": (io.BytesIO(xlsx_bytes(rows)), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Not registered yet: seat reserved until they register" in page
    assert "Duplicate: the mobile number belongs to another account" in page
    assert new_id(1) not in page  # ID numbers are masked in the report
