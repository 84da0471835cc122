"""Roster import: a provider fills a class from a CSV or XLSX file (name, ID number, mobile).

Registered learners are added to the class. People not registered yet get a reserved seat
(:class:`~skilltrace.courses.models.ClassInvite`, no account): no account is made without the
person's own consent; when they register under their real name and open "My classes" the seat
becomes a membership. Invalid rows write nothing; the report says what happened to each row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from skilltrace.courses import rules
from skilltrace.courses.classes import is_member, local_today, lock_class, seats_taken
from skilltrace.courses.messages import refuse
from skilltrace.courses.models import ClassInvite, ClassMember, TrainingClass
from skilltrace.courses.services import is_staff_of
from skilltrace.crypto import DataCipher
from skilltrace.extensions import db
from skilltrace.identity.codes import (
    CodeError,
    mask_id_number,
    normalize_id_number,
    normalize_mobile,
)
from skilltrace.identity.models import Role, User

MAX_ROWS = 2000
HEADERS = {
    "name": {"name", "realname", "姓名", "学员姓名", "真实姓名"},
    "id_number": {
        "idnumber",
        "id",
        "idno",
        "身份证号",
        "身份证号码",
        "身份证",
        "证件号码",
        "公民身份号码",
    },
    "mobile": {"mobile", "phone", "mobilenumber", "手机", "手机号", "手机号码", "联系电话"},
}
# Rows with these outcomes wrote something (or were already in place).
WRITTEN = ("added", "invited")
FINE = ("added", "invited", "already_member", "already_invited")


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    id_number: str
    mobile: str


@dataclass
class RowOutcome:
    """What happened to one row; ``detail`` refines ``status`` (e.g. the ID error code)."""

    line: int
    name: str
    id_masked: str
    status: str
    detail: str = ""
    refused: str = ""  # the value the row was refused for (an ID number partly masked)
    id_number: str = field(default="", repr=False)
    mobile: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.status in FINE


@dataclass
class RosterReport:
    rows: list[RowOutcome]

    def count(self, *statuses: str) -> int:
        return sum(1 for row in self.rows if row.status in statuses)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_key(text: str) -> str | None:
    key = "".join(ch for ch in text.lower() if ch not in " _-*（）()")
    return next((name for name, spellings in HEADERS.items() if key in spellings), None)


def _table(filename: str, data: bytes) -> list[list[str]]:
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception:  # openpyxl raises many types for broken files
            raise refuse("roster_unreadable", field="roster") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise refuse("roster_unreadable", field="roster")
    if "\x00" in text:
        raise refuse("roster_unreadable", field="roster")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def parse_roster(filename: str, data: bytes) -> list[RosterRow]:
    """Rows of a roster file under a header row (Chinese or English column names)."""
    table = [row for row in _table(filename, data)]
    numbered = [(i + 1, row) for i, row in enumerate(table) if any(row)]
    if not numbered:
        raise refuse("roster_empty", field="roster")
    _line, header = numbered[0]
    columns = {}
    for index, text in enumerate(header):
        key = _header_key(text)
        if key and key not in columns:
            columns[key] = index
    if set(columns) != set(HEADERS):
        raise refuse("roster_columns", field="roster")
    body = numbered[1:]
    if not body:
        raise refuse("roster_empty", field="roster")
    if len(body) > MAX_ROWS:
        raise refuse("roster_too_long", field="roster")

    def get(row, key):
        i = columns[key]
        return row[i] if i < len(row) else ""

    return [
        RosterRow(line, get(row, "name"), get(row, "id_number"), get(row, "mobile"))
        for line, row in body
    ]


def refused_id_shown(raw: str) -> str:
    """A refused ID number as the report shows it: enough to find the row and the typo
    (first 6 and last 4 characters), the birth date in between hidden."""
    raw = (raw or "").strip()
    if not raw:
        return "—"
    if len(raw) <= 10:
        return raw
    return raw[:6] + "*" * (len(raw) - 10) + raw[-4:]


def check_rows(rows: list[RosterRow], today: date) -> list[RowOutcome]:
    """Format and in-file duplicate checks (pure): status '' means 'still to be placed'."""
    outcomes, seen_ids, seen_mobiles = [], set(), set()
    for row in rows:
        out = RowOutcome(row.line, row.name[:64], "", "")
        outcomes.append(out)
        if not 2 <= len(row.name) <= 64:
            out.status, out.refused = "invalid_name", row.name[:64] or "—"
            continue
        try:
            out.id_number = normalize_id_number(row.id_number, today)
        except CodeError as err:
            out.status, out.detail = "invalid_id", err.code
            out.refused = refused_id_shown(row.id_number)
            continue
        out.id_masked = mask_id_number(out.id_number)
        try:
            out.mobile = normalize_mobile(row.mobile)
        except CodeError as err:
            out.status, out.detail, out.refused = "invalid_mobile", err.code, row.mobile or "—"
            continue
        if out.id_number in seen_ids or out.mobile in seen_mobiles:
            out.status = "duplicate_in_file"
            continue
        seen_ids.add(out.id_number)
        seen_mobiles.add(out.mobile)
    return outcomes


class RosterImporter:
    """Applies a checked roster to a class in one transaction; receives the data cipher."""

    def __init__(self, cipher: DataCipher):
        self.cipher = cipher

    def run(
        self, user: User, class_: TrainingClass, filename: str, data: bytes, today=None
    ) -> RosterReport:
        today = today or local_today()
        if not is_staff_of(user, class_.provider_id):
            raise refuse("forbidden", 403)
        class_ = lock_class(class_.id)
        refusal = rules.join_refusal(
            class_status=class_.status,
            end=class_.end_date,
            today=today,
            seats_taken=0,
            capacity=1,
            provider=class_.provider.status,
        )
        if refusal:
            raise refuse(refusal, 403 if refusal == "provider_suspended" else 409)
        outcomes = check_rows(parse_roster(filename, data), today)
        free = class_.capacity - seats_taken(class_)
        for out in outcomes:
            if not out.status:
                out.status = self._place(class_, out, free)
                free -= out.status in WRITTEN
        db.session.commit()
        return RosterReport(outcomes)

    def _place(self, class_: TrainingClass, out: RowOutcome, free: int) -> str:
        lookup = self.cipher.lookup_hash(out.id_number)
        user = db.session.scalar(select(User).where(User.id_number_lookup == lookup))
        holder = db.session.scalar(select(User).where(User.mobile == out.mobile))
        if user is not None and user.role != Role.LEARNER:
            return "not_a_learner"
        if holder is not None and holder is not user:
            return "mobile_taken"
        if user is not None and is_member(user, class_.id):
            return "already_member"
        invited = db.session.scalar(
            select(ClassInvite.id).where(
                ClassInvite.class_id == class_.id, ClassInvite.id_number_lookup == lookup
            )
        )
        if invited:
            return "already_invited"
        if free <= 0:
            return "class_full"
        if user is not None:
            db.session.add(ClassMember(class_id=class_.id, learner_id=user.id, via="roster"))
            return "added"
        db.session.add(
            ClassInvite(
                class_id=class_.id,
                name=out.name,
                id_number_lookup=lookup,
                id_number_masked=out.id_masked,
                mobile=out.mobile,
            )
        )
        return "invited"


def roster_importer() -> RosterImporter:
    from flask import current_app

    return RosterImporter(current_app.extensions["skilltrace.cipher"])


TEMPLATE_HEADER = ("姓名", "身份证号", "手机号")


def roster_template(fmt: str) -> tuple[bytes, str]:
    """An empty roster with the header row, as (bytes, MIME type): 'xlsx' or 'csv'."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "roster"
        sheet.append(TEMPLATE_HEADER)
        for column, width in zip("ABC", (12, 22, 14), strict=True):
            sheet.column_dimensions[column].width = width
            for cell in sheet[column]:
                cell.number_format = "@"  # text: keeps leading digits and the X of ID numbers
        out = io.BytesIO()
        book.save(out)
        return (
            out.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return ("\ufeff" + ",".join(TEMPLATE_HEADER) + "\r\n").encode("utf-8"), "text/csv"
