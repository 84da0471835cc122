"""The facts the rules decide on, read from the database: the class, its standard and
enterprise (:func:`class_facts`), and each trainee's registration, completion, key groups,
employment, past subsidies and certificates (:func:`trainee_facts`)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from skilltrace.courses.models import TrainingClass
from skilltrace.extensions import db
from skilltrace.faces.models import EnrollmentStatus, FaceEnrollment
from skilltrace.identity.models import ConsentRecord, User
from skilltrace.subsidy import rules
from skilltrace.subsidy.completion import completions
from skilltrace.subsidy.evidence import confirmed_groups, employment_rate
from skilltrace.subsidy.models import (
    CompanyRecord,
    EmploymentRecord,
    OccupationalCertificate,
    SubsidyAward,
)
from skilltrace.subsidy.standards import standard_for

# The standard a certificate's occupation is paid at, for 以工代训 with a certificate.
CERTIFICATE_STANDARD_KIND = rules.Kind.UPGRADING


def _registered(learner_ids: list[int]) -> dict[int, tuple[bool, bool, bool]]:
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(learner_ids)))}
    consented = set(
        db.session.scalars(
            select(ConsentRecord.user_id).where(ConsentRecord.user_id.in_(learner_ids))
        )
    )
    enrolled = set(
        db.session.scalars(
            select(FaceEnrollment.learner_id).where(
                FaceEnrollment.learner_id.in_(learner_ids),
                FaceEnrollment.status == EnrollmentStatus.ACTIVE,
            )
        )
    )
    return {
        i: (bool(users[i].id_number_lookup), i in consented, i in enrolled) for i in learner_ids
    }


def surveyed_unaware_share(class_: TrainingClass) -> float:
    """The share of trainees regulators' surveys found unaware of their 以工代训 training at the
    class's provider in the class's year, from the source oversight registers in
    ``app.extensions["skilltrace.unaware_share"]`` (``fn(provider_id, year) -> float``)."""
    source = current_app.extensions.get("skilltrace.unaware_share")
    return float(source(class_.provider_id, class_.end_date.year)) if source else 0.0


def class_facts(class_: TrainingClass, kind: str, company_code: str | None) -> rules.ClassFacts:
    course, provider = class_.course, class_.provider
    standard = standard_for(
        provider.city_code, course.occupation, course.skill_level, kind, class_.end_date
    )
    done = completions(class_)
    groups = confirmed_groups([i for i, c in done.items() if c.completed] or [0])
    employed, completed = employment_rate(class_)
    company = rules.Company(surveyed_unaware_share=surveyed_unaware_share(class_))
    if company_code:
        record = db.session.scalar(
            select(CompanyRecord).where(CompanyRecord.credit_code == company_code)
        )
        if record is not None:
            company = rules.Company(
                record.arrears_since_2020,
                record.sampled,
                record.unaware,
                record.min_wage_fen,
                company.surveyed_unaware_share,
            )
    certs = db.session.scalars(
        select(OccupationalCertificate).where(OccupationalCertificate.learner_id.in_(list(done)))
    ).all()
    cert_standards = []
    for occ, lvl in {(c.occupation, c.level) for c in certs}:
        row = standard_for(provider.city_code, occ, lvl, CERTIFICATE_STANDARD_KIND, class_.end_date)
        if row is not None and not row.per_hour:
            cert_standards.append((occ, lvl, row.amount_fen))
    return rules.ClassFacts(
        kind=kind,
        occupation=course.occupation,
        level=course.skill_level,
        year=class_.end_date.year,
        standard_fen=standard.amount_fen if standard else None,
        per_hour=bool(standard and standard.per_hour),
        required_hours=course.required_tenths / 10,
        key_group_class=any(groups.get(i) for i in groups),
        completed=completed,
        employed=employed,
        company=company,
        certificate_standards=tuple(sorted(cert_standards)),
    )


def trainee_facts(
    class_: TrainingClass, learner_ids: list[int], wages: dict[int, int | None]
) -> list[rules.Trainee]:
    done = completions(class_)
    registered = _registered(learner_ids)
    groups = confirmed_groups(learner_ids)
    employed = set(
        db.session.scalars(
            select(EmploymentRecord.learner_id).where(EmploymentRecord.class_id == class_.id)
        )
    )
    past: dict[int, list[rules.PastSubsidy]] = {i: [] for i in learner_ids}
    awarded_here = set()
    for award in db.session.scalars(
        select(SubsidyAward).where(SubsidyAward.learner_id.in_(learner_ids))
    ):
        if award.class_id == class_.id:
            awarded_here.add(award.learner_id)
            continue
        past[award.learner_id].append(
            rules.PastSubsidy(
                award.year,
                award.kind,
                award.occupation,
                award.level,
                award.while_student,
                award.allowance_fen,
            )
        )
    certs: dict[int, list[rules.Certificate]] = {i: [] for i in learner_ids}
    for c in db.session.scalars(
        select(OccupationalCertificate).where(OccupationalCertificate.learner_id.in_(learner_ids))
    ):
        certs[c.learner_id].append(rules.Certificate(c.occupation, c.level, c.issued_on))
    trainees = []
    for i in learner_ids:
        completion = done.get(i)
        real_name, consented, enrolled = registered[i]
        trainees.append(
            rules.Trainee(
                learner_id=i,
                real_name=real_name,
                consented=consented,
                face_enrolled=enrolled,
                completed=bool(completion and completion.completed),
                key_groups=groups[i],
                employed=i in employed,
                study_days=completion.study_days if completion else 0,
                attested_hours=completion.attested_hours if completion else 0.0,
                past=tuple(past[i]),
                certificates=tuple(certs[i]),
                wage_fen=wages.get(i),
                awarded_in_class=i in awarded_here,
            )
        )
    return trainees
