"""Subsidy API: claims (build with preview, submit, review, paid, XLSX) and the public
certificate verification. Evidence and completion endpoints are in :mod:`.api_evidence`."""

from __future__ import annotations

import io

from flask import g, request, send_file

from skilltrace.api.frame import api_auth, api_blueprint, json_body
from skilltrace.api.openapi import responses
from skilltrace.courses.models import TrainingClass
from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.subsidy import claims as claim_service
from skilltrace.subsidy.completion import verify_certificate
from skilltrace.subsidy.messages import reason_text, refuse
from skilltrace.subsidy.models import SubsidyClaim
from skilltrace.subsidy.payee import Payee, PayeeKind

bp = api_blueprint("subsidy_api", __name__)

CLAIM_SCHEMA = {
    "required": ["class_id"],
    "properties": {
        "class_id": {"type": "integer"},
        "kind": {
            "type": "string",
            "maxLength": 16,
            "description": "employment (default), upgrading, startup, yigong, apprentice, school",
        },
        "company_credit_code": {"type": "string", "maxLength": 18},
        "payee_kind": {
            "type": "string",
            "maxLength": 16,
            "description": "who is paid: provider (default) or enterprise (yigong, apprentice)",
        },
        "payee_name": {"type": "string", "maxLength": 200, "description": "the enterprise"},
        "payee_credit_code": {
            "type": "string",
            "maxLength": 18,
            "description": "the enterprise's unified social credit code (yigong: defaults to "
            "company_credit_code)",
        },
        "wages": {
            "type": "array",
            "description": "以工代训: [{learner_id, wage_fen}] monthly wages in fen",
        },
    },
}
REVIEW_SCHEMA = {
    "required": ["decisions"],
    "properties": {
        "decisions": {
            "type": "array",
            "description": "one per trainee: {learner_id, decision: approve|partial|reject, "
            "amount_fen (partial), allowance_fen (partial), comment (partial/reject)}",
        }
    },
}


def line_json(line) -> dict:
    return {
        "learner_id": line.learner_id,
        "name": line.learner.name,
        "eligible": line.eligible,
        "amount_fen": line.amount_fen,
        "allowance_fen": line.allowance_fen,
        "reasons": list(line.reasons or []),
        "reason_texts": [reason_text(r) for r in line.reasons or []],
        "review": line.review,
        "approved_fen": line.approved_fen,
        "approved_allowance_fen": line.approved_allowance_fen,
        "comment": line.comment,
    }


def claim_json(claim: SubsidyClaim, lines: bool = True) -> dict:
    data = {
        "id": claim.id,
        "class_id": claim.class_id,
        "provider_id": claim.provider_id,
        "kind": claim.kind,
        "company_credit_code": claim.company_credit_code,
        "payee": {
            "kind": claim.payee_kind,
            "name": claim.payee_name,
            "credit_code": claim.payee_credit_code,
        },
        "status": claim.status,
        "total_fen": claim.total_fen,
        "created_at": claim.created_at.isoformat(),
    }
    if lines:
        data["trainees"] = [line_json(line) for line in claim.lines]
        data["transitions"] = [t.as_dict() for t in claim.transitions]
    return data


def _claim(claim_id: int) -> SubsidyClaim:
    claim = db.session.get(SubsidyClaim, claim_id)
    if claim is None or not claim_service.can_see(g.api_user, claim):
        raise refuse("claim_not_found", 404)
    return claim


def _wages(raw) -> dict[int, int]:
    wages = {}
    for item in raw or []:
        if not isinstance(item, dict) or not isinstance(item.get("learner_id"), int):
            raise refuse("wage_invalid", field="wages")
        wages[item["learner_id"]] = item.get("wage_fen")
    return wages


@bp.post("/subsidy/claims")
@api_auth(Role.PROVIDER_STAFF)
@json_body(CLAIM_SCHEMA)
@responses(
    {
        201: "Draft claim with every trainee's decision",
        403: "Not your class, or provider suspended/blacklisted",
        404: "No such class",
        409: "Class not closed",
        422: "Invalid kind, company, wages or payee (an enterprise only for yigong/apprentice)",
    }
)
def create_claim(body: dict):
    """Build a draft claim for a closed class and preview each trainee's decision."""
    class_ = db.session.get(TrainingClass, body["class_id"])
    if class_ is None or class_.provider_id != g.api_user.provider_id:
        raise refuse("class_not_found", 404, field="class_id")
    claim = claim_service.build_claim(
        g.api_user,
        class_,
        body.get("kind") or "employment",
        body.get("company_credit_code"),
        _wages(body.get("wages")),
        Payee(
            body.get("payee_kind") or PayeeKind.PROVIDER,
            body.get("payee_name"),
            body.get("payee_credit_code"),
        ),
    )
    return {"claim": claim_json(claim)}, 201


@bp.get("/subsidy/claims")
@api_auth(Role.PROVIDER_STAFF, Role.REGULATOR, Role.ADMIN)
def list_claims():
    """Claims visible to the caller (regulators: submitted ones in scope)."""
    return {"claims": [claim_json(c, False) for c in claim_service.visible_claims(g.api_user)]}


@bp.get("/subsidy/claims/<int:claim_id>")
@api_auth(Role.PROVIDER_STAFF, Role.REGULATOR, Role.ADMIN)
@responses({200: "The claim, per trainee", 404: "No such claim visible to you"})
def get_claim(claim_id: int):
    """A claim with each trainee's {learner_id, eligible, amount_fen, allowance_fen, reasons}.

    A draft's decisions are recomputed from the current evidence on every read.
    """
    return {"claim": claim_json(claim_service.refresh(_claim(claim_id)))}


@bp.post("/subsidy/claims/<int:claim_id>/submit")
@api_auth(Role.PROVIDER_STAFF)
@responses({200: "Submitted", 403: "Not yours or provider suspended", 409: "Not a draft"})
def submit_claim(claim_id: int):
    """Submit a draft claim for review."""
    return {"claim": claim_json(claim_service.submit(g.api_user, _claim(claim_id)))}


@bp.post("/subsidy/claims/<int:claim_id>/review")
@api_auth(Role.REGULATOR)
@json_body(REVIEW_SCHEMA)
@responses(
    {
        200: "Decided",
        403: "Outside your scope",
        409: "Not submitted, decided by another regulator, or a trainee already approved",
        422: "Not every trainee decided, or an invalid partial amount / missing comment",
    }
)
def review_claim(claim_id: int, body: dict):
    """Decide every trainee of a submitted claim: approve, partial or reject."""
    claim = _claim(claim_id)
    return {"claim": claim_json(claim_service.review(g.api_user, claim, body["decisions"]))}


@bp.post("/subsidy/claims/<int:claim_id>/paid")
@api_auth(Role.REGULATOR)
@responses({200: "Marked paid", 403: "Outside your scope", 409: "Not decided"})
def pay_claim(claim_id: int):
    """Mark a decided claim paid."""
    return {"claim": claim_json(claim_service.mark_paid(g.api_user, _claim(claim_id)))}


@bp.get("/subsidy/claims/<int:claim_id>/xlsx")
@api_auth(Role.PROVIDER_STAFF, Role.REGULATOR, Role.ADMIN)
@responses({200: "XLSX workbook", 404: "No such claim visible to you"})
def claim_xlsx(claim_id: int):
    """The claim as XLSX: roster, attested hours, face sign-ins, certificates, decisions."""
    from skilltrace.subsidy.exports import claim_workbook

    data = claim_workbook(_claim(claim_id))
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"claim-{claim_id}.xlsx",
    )


@bp.get("/subsidy/certificates/verify")
@responses({200: "valid or revoked, masked fields", 404: "No match", 429: "Too many lookups"})
def verify():
    """Verify a training certificate by serial and name (public, no login)."""
    found = verify_certificate(
        request.args.get("serial", ""), request.args.get("name", ""), request.remote_addr or ""
    )
    return {"certificate": found}
