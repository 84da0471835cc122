"""Subsidy data: completions (结业), certificates, employment, key groups, standards, claims.

Money is integer fen everywhere. ``SubsidyAward`` is the single source of "this trainee was
paid for this class": its unique (class, learner) makes a second approval impossible, and it is
the history the rules read (annual limit, duplicates, 以工代训 once, allowance once a year).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skilltrace.audit import TransitionMixin
from skilltrace.extensions import db
from skilltrace.identity.models import Provider, User, utcnow


class ClassCompletion(db.Model):
    """A learner's completion (结业) of a closed class, with the reasons when not completed."""

    __tablename__ = "class_completions"
    __table_args__ = (UniqueConstraint("class_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    completed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    attested_hours: Mapped[float]
    study_days: Mapped[int] = mapped_column(Integer, default=0)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    learner: Mapped[User] = relationship()


class OfflineExam(db.Model):
    """An offline exam score the provider records, with evidence (replaces the quizzes)."""

    __tablename__ = "offline_exams"
    __table_args__ = (UniqueConstraint("class_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingCertificate(db.Model):
    """A training certificate (培训合格证书) issued to a completed learner of a class."""

    __tablename__ = "training_certificates"
    __table_args__ = (UniqueConstraint("class_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(24), unique=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number_masked: Mapped[str] = mapped_column(String(18))
    course_title: Mapped[str] = mapped_column(String(200))
    occupation: Mapped[str] = mapped_column(String(100))
    skill_level: Mapped[str] = mapped_column(String(1))
    start_date: Mapped[date]
    end_date: Mapped[date]
    provider_name: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date]
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class OccupationalCertificate(db.Model):
    """A certificate obtained elsewhere (职业技能等级/职业资格/专项能力), recorded as evidence."""

    __tablename__ = "occupational_certificates"
    __table_args__ = (UniqueConstraint("kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # skill_level | qualification | special
    number: Mapped[str] = mapped_column(String(40))
    occupation: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(1))
    issued_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class EmploymentRecord(db.Model):
    """Post-training employment of a trainee of a class (就业跟踪), with its evidence."""

    __tablename__ = "employment_records"
    __table_args__ = (UniqueConstraint("class_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    employer: Mapped[str] = mapped_column(String(200))
    employer_credit_code: Mapped[str] = mapped_column(String(18))
    start_date: Mapped[date]
    evidence_kind: Mapped[str] = mapped_column(String(24))  # contract | social_insurance | licence
    evidence: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class KeyGroupRecord(db.Model):
    """A learner's key group (重点群体) with evidence: recorded by a provider, confirmed by a
    regulator (pending → confirmed | rejected)."""

    __tablename__ = "key_group_records"
    __table_args__ = (UniqueConstraint("learner_id", "group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    group: Mapped[str] = mapped_column(String(24))
    evidence: Mapped[str] = mapped_column(Text)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(Text, default="")

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    provider: Mapped[Provider] = relationship()


class SubsidyStandard(db.Model):
    """A subsidy standard (补贴标准) from a date on; editing adds a row, so history stays."""

    __tablename__ = "subsidy_standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(4), index=True)  # "61" province or a city
    occupation: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(1))
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)
    per_hour: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_from: Mapped[date]
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CompanyRecord(db.Model):
    """What a regulator recorded about an enterprise for 以工代训 (arrears, spot checks)."""

    __tablename__ = "company_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    arrears_since_2020: Mapped[bool] = mapped_column(Boolean, default=False)
    sampled: Mapped[int] = mapped_column(Integer, default=0)
    unaware: Mapped[int] = mapped_column(Integer, default=0)
    min_wage_fen: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubsidyClaim(db.Model):
    """A claim (补贴申领) for a closed class: draft → submitted → decided → paid."""

    __tablename__ = "subsidy_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    company_credit_code: Mapped[str | None] = mapped_column(String(18))
    # Who is paid (收款方): the provider, or an enterprise (以工代训 / 企业新型学徒 only),
    # with the name and unified social credit code as they were when the claim was built.
    payee_kind: Mapped[str] = mapped_column(
        String(16), default="provider", server_default="provider"
    )
    payee_name: Mapped[str | None] = mapped_column(String(200))
    payee_credit_code: Mapped[str | None] = mapped_column(String(18))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    total_fen: Mapped[int] = mapped_column(Integer, default=0)

    lines: Mapped[list[ClaimLine]] = relationship(order_by="ClaimLine.id", back_populates="claim")
    transitions: Mapped[list[ClaimTransition]] = relationship(order_by="ClaimTransition.id")
    provider: Mapped[Provider] = relationship()


class ClaimLine(db.Model):
    """One trainee of a claim: the engine's decision, then the regulator's."""

    __tablename__ = "claim_lines"
    __table_args__ = (UniqueConstraint("claim_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    eligible: Mapped[bool] = mapped_column(Boolean)
    amount_fen: Mapped[int] = mapped_column(Integer)
    allowance_fen: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    wage_fen: Mapped[int | None] = mapped_column(Integer)
    review: Mapped[str] = mapped_column(String(16), default="pending")  # approve|partial|reject
    approved_fen: Mapped[int] = mapped_column(Integer, default=0)
    approved_allowance_fen: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str] = mapped_column(Text, default="")

    claim: Mapped[SubsidyClaim] = relationship(back_populates="lines")
    learner: Mapped[User] = relationship()


class ClaimTransition(TransitionMixin, db.Model):
    """One step of a claim: create, submit, decide, pay, withdraw."""

    __tablename__ = "claim_transitions"
    subject_column = "claim_id"

    claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)


class SubsidyAward(db.Model):
    """A trainee's approved subsidy for a class: at most one per (class, learner)."""

    __tablename__ = "subsidy_awards"
    __table_args__ = (UniqueConstraint("class_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("subsidy_claims.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    occupation: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(1))
    while_student: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_fen: Mapped[int] = mapped_column(Integer)
    allowance_fen: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)
