"""A claim as an XLSX workbook (openpyxl): roster with attested 学时, face sign-in records,
certificates, each trainee's decision with reasons, and the claim with its payee (收款方).
The workbook is in Chinese whatever the reader's UI language: statuses, decisions and kinds
are the domains' labels rendered in zh, beside the reason codes kept for machines."""

from __future__ import annotations

import io

from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import select

from skilltrace.courses.models import TrainingClass
from skilltrace.extensions import db
from skilltrace.study.labels import CHECK_STATUSES, check_reason_text
from skilltrace.study.models import CheckKind, FaceCheck, StudySession
from skilltrace.subsidy.completion import completions
from skilltrace.subsidy.messages import (
    CLAIM_STATUSES,
    KIND_LABELS,
    LINE_REVIEWS,
    reason_text,
)
from skilltrace.subsidy.models import SubsidyClaim, TrainingCertificate
from skilltrace.timefmt import beijing_time

PAYEE_KINDS = {"provider": "培训机构", "enterprise": "企业"}


def _local(at) -> str:
    return beijing_time(at, seconds=True) if at else ""


def _word(table: dict, code: str | None) -> str:
    return str(table.get(code, code or ""))


def claim_workbook(claim: SubsidyClaim) -> bytes:
    """The workbook's bytes, its words in Chinese."""
    with force_locale("zh"):
        return _workbook(claim)


def _workbook(claim: SubsidyClaim) -> bytes:
    class_ = db.session.get(TrainingClass, claim.class_id)
    lines = list(claim.lines)
    ids = [line.learner_id for line in lines]
    done = completions(class_)
    book = Workbook()
    roster = book.active
    roster.title = "花名册"
    roster.append(
        ["学员ID", "姓名", "身份证号（脱敏）", "认证学时", "学习天数", "结业", "未结业原因"]
    )
    for line in lines:
        c = done.get(line.learner_id)
        roster.append(
            [
                line.learner_id,
                line.learner.name,
                line.learner.id_number_masked or "",
                c.attested_hours if c else 0,
                c.study_days if c else 0,
                "是" if c and c.completed else "否",
                "；".join(reason_text(r) for r in (c.reasons if c else [])),
            ]
        )
    signins = book.create_sheet("人脸签到记录")
    signins.append(["学员ID", "课次", "签到时间（北京时间）", "结果", "原因"])
    checks = db.session.execute(
        select(FaceCheck, StudySession.lesson_id)
        .join(StudySession, StudySession.id == FaceCheck.session_id)
        .where(
            StudySession.class_id == class_.id,
            StudySession.learner_id.in_(ids),
            FaceCheck.kind == CheckKind.SIGN_IN,
        )
        .order_by(FaceCheck.issued_at)
    )
    for check, lesson_id in checks:
        signins.append(
            [
                check.learner_id,
                lesson_id,
                _local(check.issued_at),
                _word(CHECK_STATUSES, check.status),
                str(check_reason_text(check.reason)),
            ]
        )
    certs = book.create_sheet("培训合格证书")
    certs.append(["学员ID", "证书编号", "姓名", "发证日期", "状态"])
    for cert in db.session.scalars(
        select(TrainingCertificate).where(TrainingCertificate.class_id == class_.id)
    ):
        certs.append(
            [
                cert.learner_id,
                cert.serial,
                cert.name,
                cert.issued_on.isoformat(),
                "已撤销" if cert.revoked_at else "有效",
            ]
        )
    decisions = book.create_sheet("补贴核定")
    decisions.append(
        [
            "学员ID",
            "姓名",
            "符合条件",
            "培训补贴（分）",
            "生活交通补贴（分）",
            "原因代码",
            "原因",
            "审核",
            "核准补贴（分）",
            "核准生活交通补贴（分）",
            "审核意见",
        ]
    )
    for line in lines:
        decisions.append(
            [
                line.learner_id,
                line.learner.name,
                "是" if line.eligible else "否",
                line.amount_fen,
                line.allowance_fen,
                ",".join(line.reasons or []),
                "；".join(reason_text(r) for r in line.reasons or []),
                _word(LINE_REVIEWS, line.review),
                line.approved_fen,
                line.approved_allowance_fen,
                line.comment,
            ]
        )
    info = book.create_sheet("申领信息")
    info.append(
        ["申领编号", "培训班ID", "培训类别", "状态", "收款方类型", "收款方名称", "统一社会信用代码"]
    )
    info.append(
        [
            claim.id,
            claim.class_id,
            _word(KIND_LABELS, claim.kind),
            _word(CLAIM_STATUSES, claim.status),
            PAYEE_KINDS.get(claim.payee_kind, claim.payee_kind),
            claim.payee_name or claim.provider.name,
            claim.payee_credit_code or claim.provider.credit_code,
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
