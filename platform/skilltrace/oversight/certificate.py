"""Learning-hours certificates (学时证明): the figures of one learner in one class, a PDF made
with reportlab (its built-in STSong-Light CID font renders Chinese with no font file), and a
verification code anyone can check against the trace.

The code packs (learner, class, trace seq, attested tenths of a 学时) with an HMAC over them
and the hash of the trace event at that seq, under the app's SECRET_KEY. Verifying decodes it,
checks the MAC against the event still in the chain, and that the chain is intact — nothing
about a certificate is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import struct
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from skilltrace.courses.models import TrainingClass
from skilltrace.extensions import db
from skilltrace.identity.models import User, utcnow
from skilltrace.study.crediting import CreditingRules, attested_units
from skilltrace.study.models import CreditedTime, FaceCheck, StudySession
from skilltrace.timefmt import beijing_time
from skilltrace.traces.models import TraceEvent, TraceHead
from skilltrace.traces.services import verify_learner

PAYLOAD = struct.Struct(">IIII")  # learner id, class id, trace seq, attested tenths
MAC_BYTES = 10


@dataclass(frozen=True)
class Certificate:
    learner_name: str
    id_number_masked: str
    class_name: str
    course_title: str
    provider_name: str
    required_hours: float
    attested_hours: float
    by_day: list[tuple[str, float]]  # (local day, attested 学时)
    checks_passed: int
    head_seq: int
    head_hash: str
    code: str
    issued_at: datetime


def _mac(payload: bytes, event_hash: str) -> bytes:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = b"skilltrace.certificate:" + payload + event_hash.encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]


def make_code(learner_id: int, class_id: int, seq: int, tenths: int, event_hash: str) -> str:
    payload = PAYLOAD.pack(learner_id, class_id, seq, tenths)
    raw = base64.b32encode(payload + _mac(payload, event_hash)).decode().rstrip("=")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def certificate(learner: User, class_: TrainingClass) -> Certificate:
    """The figures of ``learner`` in ``class_`` now, and their verification code."""
    rules = CreditingRules.from_config(current_app.config)
    per_day: dict[str, float] = defaultdict(float)
    for day, seconds in db.session.execute(
        select(CreditedTime.day, func.sum(CreditedTime.seconds))
        .where(CreditedTime.learner_id == learner.id, CreditedTime.course_id == class_.course_id)
        .group_by(CreditedTime.day)
    ):
        per_day[day] += seconds
    total = sum(per_day.values())
    passed = db.session.scalar(
        select(func.count(FaceCheck.id))
        .join(StudySession, StudySession.id == FaceCheck.session_id)
        .where(
            FaceCheck.learner_id == learner.id,
            StudySession.class_id == class_.id,
            FaceCheck.status == "passed",
        )
    )
    head = db.session.get(TraceHead, learner.id)
    seq, head_hash = (head.last_seq, head.last_hash) if head else (0, "")
    attested = attested_units(total, rules)
    tenths = int(attested * 10 + 1e-9)  # certified tenths: never rounded up
    return Certificate(
        learner_name=learner.name,
        id_number_masked=learner.id_number_masked or "",
        class_name=class_.name,
        course_title=class_.course.title,
        provider_name=class_.provider.name,
        required_hours=class_.course.required_tenths / 10,
        attested_hours=tenths / 10,
        by_day=[(day, round(attested_units(s, rules), 2)) for day, s in sorted(per_day.items())],
        checks_passed=passed or 0,
        head_seq=seq,
        head_hash=head_hash,
        code=make_code(learner.id, class_.id, seq, tenths, head_hash),
        issued_at=utcnow(),
    )


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str  # ok | malformed | unknown | chain_broken
    learner_name: str = ""
    id_number_masked: str = ""
    class_name: str = ""
    course_title: str = ""
    attested_hours: float = 0.0
    seq: int = 0
    event_hash: str = ""


def verify_code(code: str) -> Verification:
    """Check a certificate code against the trace."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except ValueError:
        return Verification(False, "malformed")
    if len(raw) != PAYLOAD.size + MAC_BYTES:
        return Verification(False, "malformed")
    payload, mac = raw[: PAYLOAD.size], raw[PAYLOAD.size :]
    learner_id, class_id, seq, tenths = PAYLOAD.unpack(payload)
    event_hash = db.session.scalar(
        select(TraceEvent.hash).where(TraceEvent.learner_id == learner_id, TraceEvent.seq == seq)
    )
    if event_hash is None or not hmac.compare_digest(mac, _mac(payload, event_hash)):
        return Verification(False, "unknown")
    learner = db.session.get(User, learner_id)
    class_ = db.session.get(TrainingClass, class_id)
    if learner is None or class_ is None:
        return Verification(False, "unknown")
    if verify_learner(db.session, learner_id).broken is not None:
        return Verification(False, "chain_broken")
    return Verification(
        True,
        "ok",
        learner_name=mask_name(learner.name),
        id_number_masked=learner.id_number_masked or "",
        class_name=class_.name,
        course_title=class_.course.title,
        attested_hours=tenths / 10,
        seq=seq,
        event_hash=event_hash,
    )


def mask_name(name: str) -> str:
    """张* / 欧阳** : the first character only (the public page shows no full names)."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def pdf_bytes(cert: Certificate) -> bytes:
    """The certificate as an A4 PDF (text not compressed, so it can be searched and checked)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    song = ParagraphStyle("song", fontName="STSong-Light", fontSize=11, leading=17)
    title = ParagraphStyle("title", parent=song, fontSize=20, leading=28, alignment=1)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        title=_("Learning-hours certificate"),
        pageCompression=0,
    )
    issued = beijing_time(cert.issued_at)
    facts = [
        (_("Name"), cert.learner_name),
        (_("ID number"), cert.id_number_masked),
        (_("Training provider"), cert.provider_name),
        (_("Class"), cert.class_name),
        (_("Course"), cert.course_title),
        (_("Required hours"), f"{cert.required_hours:.1f}"),
        (_("Attested hours"), f"{cert.attested_hours:.1f}"),
        (_("Face checks passed"), str(cert.checks_passed)),
        (_("Issued (Beijing time)"), issued),
    ]
    latin = ParagraphStyle("latin", fontName="Helvetica", fontSize=11, leading=17)

    def cell(text: str):
        return Paragraph(text, latin if text.isascii() else song)

    rows = [[cell(str(k)), cell(str(v))] for k, v in facts]
    days = [[cell(_("Day")), cell(_("Attested hours"))]] + [
        [cell(day), cell(f"{hours:.2f}")] for day, hours in cert.by_day
    ]
    grid = TableStyle(
        [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    )
    story = [
        Paragraph(_("Learning-hours certificate"), title),
        Spacer(1, 6 * mm),
        Table(rows, colWidths=[45 * mm, 120 * mm], style=grid),
        Spacer(1, 6 * mm),
        Paragraph(_("Attested hours by day"), song),
        Table(days or [[""]], colWidths=[45 * mm, 40 * mm], style=grid),
        Spacer(1, 6 * mm),
        Paragraph(_("Trace head: event %(seq)s, hash", seq=cert.head_seq), song),
        Paragraph(cert.head_hash, ParagraphStyle("mono", fontName="Courier", fontSize=8)),
        Spacer(1, 4 * mm),
        Paragraph(_("Verification code (check it on the verification page):"), song),
        Paragraph(cert.code, ParagraphStyle("code", fontName="Courier-Bold", fontSize=12)),
    ]
    doc.build(story)
    return buffer.getvalue()
