"""Subsidy API, the evidence side: closing classes (结业) and completions, offline exams,
employment follow-up, key groups, occupational certificates, standards, enterprise records,
training certificates (PDF, revocation) and the learner's own subsidies."""

from __future__ import annotations

import io

from flask import g, send_file

from skilltrace.api.frame import api_auth, json_body
from skilltrace.api.openapi import responses
from skilltrace.courses.classes import class_service
from skilltrace.courses.models import TrainingClass
from skilltrace.courses.services import is_staff_of, regulates
from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.subsidy import completion, evidence, standards
from skilltrace.subsidy.api import bp
from skilltrace.subsidy.claims import learner_awards
from skilltrace.subsidy.messages import reason_text, refuse
from skilltrace.subsidy.models import KeyGroupRecord, TrainingCertificate

STAFF_ROLES = (Role.PROVIDER_STAFF, Role.REGULATOR, Role.ADMIN)


def _class(class_id: int) -> TrainingClass:
    class_ = db.session.get(TrainingClass, class_id)
    if class_ is None or not class_service().can_see(g.api_user, class_):
        raise refuse("class_not_found", 404)
    return class_


def _int(body: dict, name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise refuse(
            "score_invalid" if name in ("score", "pass_mark") else "not_in_class", 422, field=name
        )
    return value


@bp.post("/subsidy/classes/<int:class_id>/close")
@api_auth(Role.PROVIDER_STAFF)
@responses({200: "Closed; completions decided", 403: "Not yours", 409: "Not ended or not open"})
def close_class(class_id: int):
    """Close a class (结业) on or after its end date; every learner's completion is decided."""
    class_ = completion.close_class(g.api_user, _class(class_id))
    return completions(class_.id)


@bp.get("/subsidy/classes/<int:class_id>/completions")
@api_auth(*STAFF_ROLES)
@responses({200: "Completions and the employment rate", 404: "No such class visible to you"})
def completions(class_id: int):
    """Each learner's completion with reasons, and the class's employment rate."""
    class_ = _class(class_id)
    employed, completed = evidence.employment_rate(class_)
    done_ids = evidence.employed_ids(class_)
    return {
        "class_id": class_.id,
        "status": class_.status,
        "employment": {
            "employed": employed,
            "completed": completed,
            "rate": round(employed / completed, 4) if completed else None,
        },
        "learners": [
            {
                "learner_id": c.learner_id,
                "completed": c.completed,
                "reasons": list(c.reasons),
                "reason_texts": [reason_text(r) for r in c.reasons],
                "attested_hours": c.attested_hours,
                "study_days": c.study_days,
                "employed": c.learner_id in done_ids,
            }
            for c in completion.completions(class_).values()
        ],
    }


@bp.post("/subsidy/classes/<int:class_id>/exams")
@api_auth(Role.PROVIDER_STAFF)
@json_body(
    {
        "required": ["learner_id", "score", "pass_mark", "evidence"],
        "properties": {
            "learner_id": {"type": "integer"},
            "score": {"type": "integer"},
            "pass_mark": {"type": "integer"},
            "evidence": {"type": "string", "maxLength": 2000},
        },
    }
)
@responses({201: "Recorded", 403: "Not yours", 404: "Not in the class", 422: "Invalid"})
def record_exam(class_id: int, body: dict):
    """Record an offline exam score with evidence (a closed class re-decides the learner)."""
    exam = completion.record_exam(
        g.api_user,
        _class(class_id),
        _int(body, "learner_id"),
        _int(body, "score"),
        _int(body, "pass_mark"),
        body["evidence"],
    )
    return {
        "exam": {"learner_id": exam.learner_id, "score": exam.score, "pass_mark": exam.pass_mark}
    }, 201


@bp.post("/subsidy/classes/<int:class_id>/employment")
@api_auth(Role.PROVIDER_STAFF)
@json_body(
    {
        "required": ["learner_id", "employer", "credit_code", "start_date", "evidence_kind"],
        "properties": {
            "learner_id": {"type": "integer"},
            "employer": {"type": "string", "maxLength": 200},
            "credit_code": {"type": "string", "maxLength": 18},
            "start_date": {"type": "string", "maxLength": 10},
            "evidence_kind": {
                "type": "string",
                "description": "contract|social_insurance|business_licence",
            },
            "evidence": {"type": "string", "maxLength": 2000},
        },
    }
)
@responses({201: "Recorded", 403: "Not yours", 409: "Not completed", 422: "Invalid"})
def record_employment(class_id: int, body: dict):
    """Record a completed trainee's employment within EMPLOYMENT_FOLLOWUP_DAYS."""
    record = evidence.record_employment(
        g.api_user,
        _class(class_id),
        _int(body, "learner_id"),
        body["employer"],
        body["credit_code"],
        body["start_date"],
        body["evidence_kind"],
        body.get("evidence", ""),
    )
    return {
        "employment": {
            "learner_id": record.learner_id,
            "employer": record.employer,
            "start_date": record.start_date.isoformat(),
        }
    }, 201


@bp.post("/subsidy/key-groups")
@api_auth(Role.PROVIDER_STAFF)
@json_body(
    {
        "required": ["learner_id", "group", "evidence"],
        "properties": {
            "learner_id": {"type": "integer"},
            "group": {"type": "string", "maxLength": 24},
            "evidence": {"type": "string", "maxLength": 2000},
        },
    }
)
@responses({201: "Recorded, pending confirmation", 404: "Not your learner", 422: "Invalid"})
def record_key_group(body: dict):
    """Record a learner's key group (重点群体) with evidence; a regulator confirms it."""
    record = evidence.record_key_group(
        g.api_user, _int(body, "learner_id"), body["group"], body["evidence"]
    )
    return {"key_group": key_group_json(record)}, 201


def key_group_json(record: KeyGroupRecord) -> dict:
    return {
        "id": record.id,
        "learner_id": record.learner_id,
        "group": record.group,
        "status": record.status,
        "evidence": record.evidence,
        "comment": record.comment,
    }


@bp.get("/subsidy/key-groups/pending")
@api_auth(Role.REGULATOR)
def pending_key_groups():
    """Key-group records waiting for confirmation in the regulator's scope."""
    return {"key_groups": [key_group_json(r) for r in evidence.pending_key_groups(g.api_user)]}


@bp.post("/subsidy/key-groups/<int:record_id>/decision")
@api_auth(Role.REGULATOR)
@json_body(
    {
        "required": ["confirm"],
        "properties": {
            "confirm": {"type": "boolean"},
            "comment": {"type": "string", "maxLength": 2000},
        },
    }
)
@responses({200: "Decided", 403: "Outside your scope", 404: "No such record", 409: "Decided"})
def decide_key_group(record_id: int, body: dict):
    """Confirm or reject (with a comment) a key-group record."""
    record = db.session.get(KeyGroupRecord, record_id)
    if record is None:
        raise refuse("record_not_found", 404)
    record = evidence.decide_key_group(g.api_user, record, body["confirm"], body.get("comment"))
    return {"key_group": key_group_json(record)}


@bp.post("/subsidy/occupational-certificates")
@api_auth(Role.PROVIDER_STAFF)
@json_body(
    {
        "required": ["learner_id", "kind", "number", "occupation", "level", "issued_on"],
        "properties": {
            "learner_id": {"type": "integer"},
            "kind": {"type": "string", "description": "skill_level|qualification|special"},
            "number": {"type": "string", "maxLength": 40},
            "occupation": {"type": "string", "maxLength": 100},
            "level": {"type": "string"},
            "issued_on": {"type": "string", "maxLength": 10},
        },
    }
)
@responses({201: "Recorded", 404: "Not your learner", 409: "Already recorded", 422: "Invalid"})
def record_certificate(body: dict):
    """Record an occupational certificate a learner obtained elsewhere, as evidence."""
    cert = evidence.record_occupational_certificate(
        g.api_user,
        _int(body, "learner_id"),
        body["kind"],
        body["number"],
        body["occupation"],
        body["level"],
        body["issued_on"],
    )
    return {"certificate": {"id": cert.id, "number": cert.number}}, 201


@bp.get("/subsidy/standards")
@api_auth(*STAFF_ROLES)
def list_standards():
    """Subsidy standards with their history (province and the caller's cities)."""
    return {
        "standards": [standards.standard_json(s) for s in standards.standards_visible(g.api_user)]
    }


@bp.post("/subsidy/standards")
@api_auth(Role.REGULATOR)
@json_body(
    {
        "required": ["region", "occupation", "level", "kind", "amount_fen"],
        "properties": {
            "region": {"type": "string", "maxLength": 4},
            "occupation": {"type": "string", "maxLength": 100},
            "level": {"type": "string"},
            "kind": {"type": "string"},
            "amount_fen": {"type": "integer"},
            "per_hour": {"type": "boolean"},
            "effective_from": {"type": "string", "maxLength": 10},
            "note": {"type": "string", "maxLength": 2000},
        },
    }
)
@responses(
    {201: "A new standard row (earlier rows stay as history)", 403: "Outside scope", 422: "Invalid"}
)
def set_standard(body: dict):
    """Set a subsidy standard from a date on (yuan per person or per 学时, in fen)."""
    row = standards.set_standard(
        g.api_user,
        body["region"],
        body["occupation"],
        body["level"],
        body["kind"],
        body["amount_fen"],
        body.get("per_hour", False),
        body.get("effective_from"),
        body.get("note", ""),
    )
    return {"standard": standards.standard_json(row)}, 201


@bp.post("/subsidy/companies")
@api_auth(Role.REGULATOR)
@json_body(
    {
        "required": ["credit_code"],
        "properties": {
            "credit_code": {"type": "string", "maxLength": 18},
            "name": {"type": "string", "maxLength": 200},
            "arrears_since_2020": {"type": "boolean"},
            "sampled": {"type": "integer"},
            "unaware": {"type": "integer"},
            "min_wage_fen": {"type": "integer"},
        },
    }
)
@responses({201: "Recorded", 422: "Invalid"})
def record_company(body: dict):
    """Record an enterprise's wage arrears, spot-check survey and local minimum wage."""
    facts = {k: body.get(k) for k in ("arrears_since_2020", "sampled", "unaware", "min_wage_fen")}
    record = evidence.record_company(g.api_user, body["credit_code"], body.get("name", ""), **facts)
    return {
        "company": {
            "credit_code": record.credit_code,
            "sampled": record.sampled,
            "unaware": record.unaware,
        }
    }, 201


def _certificate(serial: str) -> TrainingCertificate:
    cert = db.session.scalar(
        db.select(TrainingCertificate).where(TrainingCertificate.serial == serial)
    )
    user = g.api_user
    if cert is not None:
        class_ = db.session.get(TrainingClass, cert.class_id)
        if (
            user.id == cert.learner_id
            or user.role == Role.ADMIN
            or is_staff_of(user, class_.provider_id)
            or regulates(user, class_.provider)
        ):
            return cert
    raise refuse("certificate_not_found", 404)


@bp.get("/subsidy/certificates/<serial>/pdf")
@api_auth()
@responses({200: "PDF", 404: "No such certificate of yours"})
def certificate_pdf(serial: str):
    """The training certificate as PDF (its learner, the provider, regulators in scope)."""
    from skilltrace.subsidy.pdf import certificate_pdf as render

    cert = _certificate(serial)
    return send_file(
        io.BytesIO(render(cert)), mimetype="application/pdf", download_name=f"{cert.serial}.pdf"
    )


@bp.post("/subsidy/certificates/<serial>/revoke")
@api_auth(Role.PROVIDER_STAFF, Role.REGULATOR)
@json_body(
    {"required": ["reason"], "properties": {"reason": {"type": "string", "maxLength": 2000}}}
)
@responses({200: "Revoked", 404: "No such certificate", 409: "Already revoked"})
def revoke(serial: str, body: dict):
    """Revoke a training certificate with a reason."""
    cert = _certificate(serial)
    completion.revoke_certificate(g.api_user, cert, body["reason"])
    return {"certificate": completion.certificate_public(cert)}


@bp.get("/subsidy/mine")
@api_auth(Role.LEARNER)
def mine():
    """The learner's approved subsidies and training certificates."""
    certs = db.session.scalars(
        db.select(TrainingCertificate).where(TrainingCertificate.learner_id == g.api_user.id)
    )
    return {
        "subsidies": [
            {
                "class_id": a.class_id,
                "amount_fen": a.amount_fen,
                "allowance_fen": a.allowance_fen,
                "year": a.year,
                "kind": a.kind,
            }
            for a in learner_awards(g.api_user.id)
        ],
        "certificates": [completion.certificate_public(c) for c in certs],
    }
