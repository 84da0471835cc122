"""Evidence the rules read: key groups (recorded by providers, confirmed by regulators),
occupational certificates obtained elsewhere, employment follow-up and enterprise records."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from skilltrace.courses.models import ClassMember, TrainingClass
from skilltrace.courses.rules import SkillLevel
from skilltrace.courses.services import is_staff_of, regulates
from skilltrace.extensions import db
from skilltrace.identity.codes import CodeError, normalize_credit_code
from skilltrace.identity.models import Provider, Role, User, utcnow
from skilltrace.subsidy.messages import refuse
from skilltrace.subsidy.models import (
    ClassCompletion,
    CompanyRecord,
    EmploymentRecord,
    KeyGroupRecord,
    OccupationalCertificate,
)
from skilltrace.subsidy.rules import KeyGroup

CERTIFICATE_KINDS = ("skill_level", "qualification", "special")  # 等级/资格/专项能力
EVIDENCE_KINDS = ("contract", "social_insurance", "business_licence")


def _evidence(text: str) -> str:
    text = (text or "").strip()
    if not 1 <= len(text) <= 2000:
        raise refuse("evidence_required", field="evidence")
    return text


def _learner_of_provider(user: User, learner_id: int) -> User:
    """A learner in one of the staff member's provider's classes (else 404, not disclosed)."""
    if user.role != Role.PROVIDER_STAFF:
        raise refuse("forbidden", 403)
    member = db.session.scalar(
        select(ClassMember.id)
        .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
        .where(ClassMember.learner_id == learner_id, TrainingClass.provider_id == user.provider_id)
        .limit(1)
    )
    if member is None:
        raise refuse("not_in_class", 404, field="learner_id")
    return db.session.get(User, learner_id)


def credit_code(raw: str) -> str:
    try:
        return normalize_credit_code(raw)
    except CodeError:
        raise refuse("credit_code_invalid", field="credit_code") from None


def parse_date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise refuse("date_invalid", field="date") from None


# -- key groups --------------------------------------------------------------------------------
def record_key_group(user: User, learner_id: int, group: str, evidence: str) -> KeyGroupRecord:
    """A provider records a learner's key group with evidence; it waits for a regulator."""
    learner = _learner_of_provider(user, learner_id)
    if group not in {g.value for g in KeyGroup}:
        raise refuse("group_invalid", field="group")
    evidence = _evidence(evidence)
    record = db.session.scalar(
        select(KeyGroupRecord).where(
            KeyGroupRecord.learner_id == learner.id, KeyGroupRecord.group == group
        )
    )
    if record is not None and record.status == "confirmed":
        raise refuse("already_decided", 409)
    record = record or KeyGroupRecord(learner_id=learner.id, group=group)
    record.evidence, record.provider_id, record.recorded_by_id = evidence, user.provider_id, user.id
    record.status, record.recorded_at, record.decided_by_id = "pending", utcnow(), None
    db.session.add(record)
    db.session.commit()
    return record


def decide_key_group(user: User, record: KeyGroupRecord, confirm: bool, comment: str = ""):
    """A regulator in scope of the recording provider confirms or rejects (with a comment)."""
    if not regulates(user, record.provider):
        raise refuse("forbidden", 403)
    if record.status != "pending":
        raise refuse("already_decided", 409)
    comment = (comment or "").strip()
    if not confirm and not comment:
        raise refuse("reason_required", field="comment")
    record.status = "confirmed" if confirm else "rejected"
    record.decided_by_id, record.decided_at, record.comment = user.id, utcnow(), comment[:2000]
    db.session.commit()
    return record


def confirmed_groups(learner_ids: list[int]) -> dict[int, frozenset[str]]:
    found: dict[int, set[str]] = {i: set() for i in learner_ids}
    for rec in db.session.scalars(
        select(KeyGroupRecord).where(
            KeyGroupRecord.learner_id.in_(learner_ids), KeyGroupRecord.status == "confirmed"
        )
    ):
        found[rec.learner_id].add(rec.group)
    return {i: frozenset(g) for i, g in found.items()}


def pending_key_groups(user: User) -> list[KeyGroupRecord]:
    from skilltrace.courses.services import cities_in_scope

    return list(
        db.session.scalars(
            select(KeyGroupRecord)
            .join(Provider, Provider.id == KeyGroupRecord.provider_id)
            .where(
                KeyGroupRecord.status == "pending",
                Provider.city_code.in_(cities_in_scope(user.region_scope)),
            )
            .order_by(KeyGroupRecord.recorded_at)
        )
    )


# -- occupational certificates -----------------------------------------------------------------
def record_occupational_certificate(
    user: User, learner_id: int, kind: str, number: str, occupation: str, level: str, issued_on
) -> OccupationalCertificate:
    learner = _learner_of_provider(user, learner_id)
    if kind not in CERTIFICATE_KINDS:
        raise refuse("certificate_kind_invalid", field="kind")
    number, occupation = (number or "").strip(), (occupation or "").strip()
    if not 1 <= len(number) <= 40:
        raise refuse("certificate_number_invalid", field="number")
    if not 1 <= len(occupation) <= 100:
        raise refuse("occupation_invalid", field="occupation")
    if level not in {lvl.value for lvl in SkillLevel}:
        raise refuse("level_invalid", field="level")
    issued = parse_date(issued_on)
    exists = db.session.scalar(
        select(OccupationalCertificate.id).where(
            OccupationalCertificate.kind == kind, OccupationalCertificate.number == number
        )
    )
    if exists:
        raise refuse("certificate_duplicate", 409, field="number")
    cert = OccupationalCertificate(
        learner_id=learner.id,
        provider_id=user.provider_id,
        kind=kind,
        number=number,
        occupation=occupation,
        level=level,
        issued_on=issued,
        recorded_by_id=user.id,
    )
    db.session.add(cert)
    db.session.commit()
    return cert


# -- employment follow-up ----------------------------------------------------------------------
def record_employment(
    user: User,
    class_: TrainingClass,
    learner_id: int,
    employer: str,
    code: str,
    start,
    evidence_kind: str,
    evidence: str = "",
) -> EmploymentRecord:
    """Employment of a completed trainee, starting within EMPLOYMENT_FOLLOWUP_DAYS of the end."""
    if not is_staff_of(user, class_.provider_id):
        raise refuse("forbidden", 403)
    done = db.session.scalar(
        select(ClassCompletion).where(
            ClassCompletion.class_id == class_.id, ClassCompletion.learner_id == learner_id
        )
    )
    if done is None or not done.completed:
        raise refuse("not_completed_learner", 409, field="learner_id")
    employer = (employer or "").strip()
    if not 1 <= len(employer) <= 200:
        raise refuse("employer_invalid", field="employer")
    code = credit_code(code)
    if evidence_kind not in EVIDENCE_KINDS:
        raise refuse("evidence_kind_invalid", field="evidence_kind")
    start = parse_date(start)
    if not in_followup_window(class_, start):
        raise refuse("followup_window", field="start_date")
    record = db.session.scalar(
        select(EmploymentRecord).where(
            EmploymentRecord.class_id == class_.id, EmploymentRecord.learner_id == learner_id
        )
    ) or EmploymentRecord(class_id=class_.id, learner_id=learner_id)
    record.employer, record.employer_credit_code, record.start_date = employer, code, start
    record.evidence_kind, record.evidence = evidence_kind, (evidence or "").strip()[:2000]
    record.recorded_by_id, record.at = user.id, utcnow()
    db.session.add(record)
    db.session.commit()
    return record


def in_followup_window(class_: TrainingClass, start: date) -> bool:
    days = current_app.config["EMPLOYMENT_FOLLOWUP_DAYS"]
    return class_.start_date <= start <= class_.end_date + timedelta(days=days)


def employed_ids(class_: TrainingClass) -> set[int]:
    return set(
        db.session.scalars(
            select(EmploymentRecord.learner_id).where(EmploymentRecord.class_id == class_.id)
        )
    )


def employment_rate(class_: TrainingClass) -> tuple[int, int]:
    """(employed, completed) of a closed class; employed counts completed trainees only."""
    done = set(
        db.session.scalars(
            select(ClassCompletion.learner_id).where(
                ClassCompletion.class_id == class_.id, ClassCompletion.completed.is_(True)
            )
        )
    )
    return len(employed_ids(class_) & done), len(done)


# -- enterprises (以工代训) ----------------------------------------------------------------------
def record_company(user: User, code: str, name: str, **facts) -> CompanyRecord:
    """A regulator records an enterprise's wage arrears, spot-check survey and minimum wage."""
    if user.role != Role.REGULATOR:
        raise refuse("forbidden", 403)
    code = credit_code(code)
    record = db.session.scalar(
        select(CompanyRecord).where(CompanyRecord.credit_code == code)
    ) or CompanyRecord(
        credit_code=code,
        name=(name or code)[:200],
        arrears_since_2020=False,
        sampled=0,
        unaware=0,
        min_wage_fen=0,
    )
    for key in ("arrears_since_2020", "sampled", "unaware", "min_wage_fen"):
        if key in facts and facts[key] is not None:
            setattr(record, key, facts[key])
    if record.sampled < 0 or not 0 <= record.unaware <= record.sampled:
        raise refuse("amount_invalid", field="unaware")
    if record.min_wage_fen < 0:
        raise refuse("amount_invalid", field="min_wage_fen")
    record.recorded_by_id, record.updated_at = user.id, utcnow()
    db.session.add(record)
    db.session.commit()
    return record
