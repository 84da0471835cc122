"""Class progress as CSV or XLSX, streamed, with spreadsheet formula injection neutralised.

CSV rows are yielded as they are read; XLSX is written by openpyxl's write-only workbook
(rows go to a temporary file as they are appended) and the finished file is streamed out in
blocks, so a 10,000-row class is exported in bounded memory.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _
from openpyxl import Workbook

from skilltrace.courses.models import Lesson, TrainingClass
from skilltrace.extensions import db
from skilltrace.oversight.progress import LearnerProgress, class_lessons, class_progress
from skilltrace.timefmt import beijing_time

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BLOCK = 64 * 1024


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def header(lessons: list[Lesson]) -> list[str]:
    return [
        _("Name"),
        _("ID number"),
        _("Attested hours"),
        _("Required hours"),
        _("Credited seconds"),
        _("Lessons completed"),
        _("Completed"),
        _("Last study (Beijing time)"),
        _("Failed checks"),
        _("Missed checks"),
        _("Open appeals"),
        _("Overturned appeals"),
        *[_("Coverage: %(title)s", title=lesson.title) for lesson in lessons],
    ]


def row(item: LearnerProgress) -> list:
    last = beijing_time(item.last_study) if item.last_study else ""
    return [
        neutralise(item.name),
        neutralise(item.id_number_masked),
        item.attested_hours,
        item.required_hours,
        item.credited_seconds,
        item.lessons_completed,
        _("Yes") if item.completed else _("No"),
        last,
        item.failed_checks,
        item.missed_checks,
        item.open_appeals,
        item.overturned_appeals,
        *item.coverage,
    ]


def rows(class_: TrainingClass) -> tuple[list[str], Iterable[list]]:
    lessons = class_lessons(class_)
    return header(lessons), (row(item) for item in class_progress(class_, lessons))


def csv_stream(class_id: int) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read Chinese correctly).

    It reads the class by id as it starts: Flask ends the request, and the database session
    that loaded the view's objects, before a server reads a streamed body."""
    class_ = db.session.get(TrainingClass, class_id)
    head, body = rows(class_)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(cell) for cell in head])
    yield b"\xef\xbb\xbf" + _drain(buffer)
    for number, values in enumerate(body, 1):
        writer.writerow(values)
        if number % 500 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def xlsx_file(class_: TrainingClass):
    """The workbook written to a temporary file (rewound); the caller streams and closes it."""
    head, body = rows(class_)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("Progress"))
    sheet.append([neutralise(cell) for cell in head])
    for values in body:
        sheet.append(values)
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (closed by file_blocks)
    book.save(spool)
    spool.seek(0)
    return spool


def file_blocks(handle) -> Iterator[bytes]:
    """Blocks of an open file, closing it at the end."""
    try:
        while block := handle.read(BLOCK):
            yield block
    finally:
        handle.close()
