"""The face-data access log as a regulator reads it: filtered, and exported as CSV.

:func:`matches` is a pure predicate over plain values; the page and the CSV apply it to the
reads the regulator may see (``faces.access.recent_reads``, which keeps the scope rule).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from skilltrace.timefmt import beijing_time, to_beijing

KINDS = ("enrollment_photo", "snapshot")
EXPORT_LIMIT = 5000


@dataclass(frozen=True)
class AccessFilter:
    """What the regulator asked for; empty fields match everything."""

    reader: str = ""
    learner: str = ""
    kind: str = ""
    day_from: date | None = None
    day_to: date | None = None

    @classmethod
    def from_args(cls, args) -> AccessFilter:
        def day(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        kind = args.get("kind", "")
        return cls(
            reader=(args.get("reader") or "").strip(),
            learner=(args.get("learner") or "").strip(),
            kind=kind if kind in KINDS else "",
            day_from=day("from"),
            day_to=day("to"),
        )

    def as_args(self) -> dict[str, str]:
        values = {
            "reader": self.reader,
            "learner": self.learner,
            "kind": self.kind,
            "from": self.day_from.isoformat() if self.day_from else "",
            "to": self.day_to.isoformat() if self.day_to else "",
        }
        return {k: v for k, v in values.items() if v}


def matches(
    flt: AccessFilter, reader_name: str, learner_name: str, learner_id_masked: str, kind: str, day
) -> bool:
    """Whether one read (reader's name, learner's name and masked ID, kind, Beijing day) fits."""
    if flt.reader and flt.reader not in reader_name:
        return False
    if flt.learner and flt.learner not in learner_name and flt.learner not in learner_id_masked:
        return False
    if flt.kind and kind != flt.kind:
        return False
    if flt.day_from and day < flt.day_from:
        return False
    return not (flt.day_to and day > flt.day_to)


def filtered(rows, flt: AccessFilter) -> list:
    return [
        r
        for r in rows
        if matches(
            flt,
            r.reader.name,
            r.learner.name,
            r.learner.id_number_masked or "",
            r.object_kind,
            to_beijing(r.accessed_at).date(),
        )
    ]


def as_csv(rows, labels: dict[str, str]) -> str:
    """The rows as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [labels[k] for k in ("when", "reader", "role", "learner", "id", "what", "object", "ip")]
    )
    for r in rows:
        writer.writerow(
            [
                beijing_time(r.accessed_at, seconds=True),
                r.reader.name,
                labels.get(f"role:{r.reader.role}", r.reader.role),
                r.learner.name,
                r.learner.id_number_masked or "",
                labels.get(f"kind:{r.object_kind}", r.object_kind),
                r.object_id,
                r.client_ip or "",
            ]
        )
    return "\ufeff" + out.getvalue()
