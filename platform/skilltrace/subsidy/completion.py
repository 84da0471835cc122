"""Closing a class (结业): each learner's completion with reasons, offline exams, and the
training certificates (培训合格证书) issued to completed learners, revocation and verification."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import func, select

from skilltrace.audit import transition
from skilltrace.courses import rules as course_rules
from skilltrace.courses.classes import local_today
from skilltrace.courses.messages import from_rule
from skilltrace.courses.models import ClassMember, ClassTransition, TrainingClass
from skilltrace.courses.services import actor_of, is_staff_of, owner_of, regulates
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, User, utcnow
from skilltrace.subsidy import rules
from skilltrace.subsidy.ledger import LearnerLedger, class_ledger
from skilltrace.subsidy.messages import refuse
from skilltrace.subsidy.models import ClassCompletion, OfflineExam, TrainingCertificate
from skilltrace.traces.services import TraceLog

VERIFY_MAX_PER_WINDOW = 60
VERIFY_WINDOW_S = 600


def member_ids(class_: TrainingClass) -> list[int]:
    return list(
        db.session.scalars(
            select(ClassMember.learner_id)
            .where(ClassMember.class_id == class_.id)
            .order_by(ClassMember.id)
        )
    )


def completion_facts(class_: TrainingClass, ledger: LearnerLedger, exam: OfflineExam | None):
    return rules.CompletionFacts(
        lesson_coverage=tuple(lesson.ratio for lesson in ledger.lessons),
        attested_hours=ledger.attested_hours,
        required_hours=class_.course.required_tenths / 10,
        has_quizzes=ledger.has_quizzes,
        quizzes_passed=ledger.quizzes_passed,
        offline_exam_passed=None if exam is None else exam.score >= exam.pass_mark,
    )


def close_class(user: User, class_: TrainingClass, today: date | None = None) -> TrainingClass:
    """The provider closes a class on or after its end date; every learner is evaluated."""
    try:
        to = course_rules.class_transition(
            class_.status,
            "close",
            actor_of(user),
            owner_of(class_.provider),
            class_.start_date,
            today or local_today(),
            end=class_.end_date,
        )
    except course_rules.RuleError as err:
        if err.code == "class_not_ended":
            raise refuse("class_not_ended", 409) from None
        raise from_rule(err) from None
    transition(class_, ClassTransition, user, "close", to)
    evaluate(class_, member_ids(class_))
    db.session.commit()
    return class_


def evaluate(class_: TrainingClass, learner_ids: list[int]) -> list[ClassCompletion]:
    """(Re)decide completion for these learners and issue certificates (not committed)."""
    ratio = current_app.config["LESSON_COMPLETION_RATIO"]
    ledgers = class_ledger(class_, learner_ids)
    exams = {
        e.learner_id: e
        for e in db.session.scalars(
            select(OfflineExam).where(
                OfflineExam.class_id == class_.id, OfflineExam.learner_id.in_(learner_ids)
            )
        )
    }
    rows = []
    for learner_id in learner_ids:
        ledger = ledgers[learner_id]
        reasons = rules.completion_reasons(
            completion_facts(class_, ledger, exams.get(learner_id)), ratio
        )
        row = db.session.scalar(
            select(ClassCompletion).where(
                ClassCompletion.class_id == class_.id, ClassCompletion.learner_id == learner_id
            )
        ) or ClassCompletion(class_id=class_.id, learner_id=learner_id)
        row.completed = not reasons
        row.reasons = list(reasons)
        row.attested_hours = round(ledger.attested_hours, 2)
        row.study_days = len(ledger.study_days)
        row.decided_at = utcnow()
        db.session.add(row)
        if row.completed:
            issue_certificate(class_, db.session.get(User, learner_id))
        rows.append(row)
    return rows


def record_exam(
    user: User, class_: TrainingClass, learner_id: int, score: int, pass_mark: int, evidence: str
) -> OfflineExam:
    """The provider records an offline exam score with evidence; a closed class re-decides."""
    if not is_staff_of(user, class_.provider_id):
        raise refuse("forbidden", 403)
    if learner_id not in member_ids(class_):
        raise refuse("not_in_class", 404, field="learner_id")
    if not (0 <= score <= 100 and 0 <= pass_mark <= 100):
        raise refuse("score_invalid", field="score")
    evidence = (evidence or "").strip()
    if not 1 <= len(evidence) <= 2000:
        raise refuse("evidence_required", field="evidence")
    exam = db.session.scalar(
        select(OfflineExam).where(
            OfflineExam.class_id == class_.id, OfflineExam.learner_id == learner_id
        )
    ) or OfflineExam(class_id=class_.id, learner_id=learner_id)
    exam.score, exam.pass_mark, exam.evidence = score, pass_mark, evidence
    exam.recorded_by_id, exam.at = user.id, utcnow()
    db.session.add(exam)
    db.session.flush()
    if class_.status == course_rules.ClassStatus.CLOSED:
        evaluate(class_, [learner_id])
    db.session.commit()
    return exam


def completions(class_: TrainingClass) -> dict[int, ClassCompletion]:
    return {
        c.learner_id: c
        for c in db.session.scalars(
            select(ClassCompletion).where(ClassCompletion.class_id == class_.id)
        )
    }


# -- certificates ------------------------------------------------------------------------------
def serial_prefix(provider: Provider, year: int) -> str:
    """``61`` + city (2 digits) + year + provider (5 digits); a 5-digit sequence follows."""
    return f"61{provider.city_code[2:4]}{year:04d}{provider.id:05d}"


def issue_certificate(class_: TrainingClass, learner: User) -> TrainingCertificate:
    """The learner's certificate for this class (issued once; not committed)."""
    found = db.session.scalar(
        select(TrainingCertificate).where(
            TrainingCertificate.class_id == class_.id,
            TrainingCertificate.learner_id == learner.id,
        )
    )
    if found is not None:
        return found
    provider = db.session.get(Provider, class_.provider_id, with_for_update=True)
    issued = local_today()
    prefix = serial_prefix(provider, issued.year)
    count = db.session.scalar(
        select(func.count())
        .select_from(TrainingCertificate)
        .where(TrainingCertificate.serial.startswith(prefix))
    )
    course = class_.course
    cert = TrainingCertificate(
        serial=f"{prefix}{count + 1:05d}",
        class_id=class_.id,
        learner_id=learner.id,
        name=learner.name,
        id_number_masked=learner.id_number_masked or "",
        course_title=course.title,
        occupation=course.occupation,
        skill_level=course.skill_level,
        start_date=class_.start_date,
        end_date=class_.end_date,
        provider_name=provider.name,
        issued_on=issued,
    )
    db.session.add(cert)
    db.session.flush()
    TraceLog(db.session).append(
        learner.id, "certificate_issued", {"class_id": class_.id, "serial": cert.serial}
    )
    return cert


def revoke_certificate(user: User, cert: TrainingCertificate, reason: str) -> None:
    """The provider (or a regulator in scope) revokes a certificate with a reason."""
    class_ = db.session.get(TrainingClass, cert.class_id)
    if not (is_staff_of(user, class_.provider_id) or regulates(user, class_.provider)):
        raise refuse("forbidden", 403)
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= 2000:
        raise refuse("reason_required", field="reason")
    if cert.revoked_at is not None:
        raise refuse("already_revoked", 409)
    cert.revoked_at, cert.revoke_reason, cert.revoked_by_id = utcnow(), reason, user.id
    TraceLog(db.session).append(
        cert.learner_id, "certificate_revoked", {"serial": cert.serial, "reason": reason}
    )
    db.session.commit()


def verify_certificate(serial: str, name: str, client: str = "") -> dict:
    """Public verification by serial and name: valid/revoked and masked fields only."""
    from skilltrace.state import current_state

    state = current_state()
    key = f"subsidy:verify:{client}"
    if state.incr(key, ttl=VERIFY_WINDOW_S) > VERIFY_MAX_PER_WINDOW:
        raise refuse("too_many_requests", 429)
    serial, name = (serial or "").strip().upper(), (name or "").strip()
    cert = db.session.scalar(
        select(TrainingCertificate).where(TrainingCertificate.serial == serial)
    )
    if cert is None or not name or cert.name != name:
        raise refuse("certificate_not_found", 404)
    return certificate_public(cert)


def certificate_public(cert: TrainingCertificate) -> dict:
    return {
        "serial": cert.serial,
        "status": "revoked" if cert.revoked_at else "valid",
        "name": cert.name,
        "id_number_masked": cert.id_number_masked,
        "course_title": cert.course_title,
        "occupation": cert.occupation,
        "skill_level": cert.skill_level,
        "start_date": cert.start_date.isoformat(),
        "end_date": cert.end_date.isoformat(),
        "provider_name": cert.provider_name,
        "issued_on": cert.issued_on.isoformat(),
        "revoked_on": cert.revoked_at.date().isoformat() if cert.revoked_at else None,
    }
