"""Voucher API: batches (regulators), claim / my vouchers / QR / use / leave (learners),
counters and targets."""

from __future__ import annotations

from flask import Response, g

from skilltrace.api.frame import api_auth, api_blueprint, json_body
from skilltrace.api.openapi import responses
from skilltrace.clock import current_clock
from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.vouchers import counters, services
from skilltrace.vouchers.messages import refuse
from skilltrace.vouchers.models import Voucher, VoucherBatch
from skilltrace.vouchers.qr import voucher_svg

bp = api_blueprint("vouchers_api", __name__)

BATCH_SCHEMA = {
    "required": ["name", "target_group", "quantity", "validity_days"],
    "properties": {
        "name": {"type": "string", "maxLength": 200},
        "target_group": {"type": "string", "maxLength": 24, "description": "a key group or all"},
        "quantity": {"type": "integer"},
        "validity_days": {"type": "integer"},
        "face_value_fen": {"type": "integer", "description": "omit for 'the standard'"},
        "per_learner_limit": {"type": "integer"},
        "occupation": {"type": "string", "maxLength": 100},
        "kind": {
            "type": "string",
            "maxLength": 16,
            "description": "training kind only (employment, upgrading, startup, yigong, "
            "apprentice, school); omit for any. Checked when the subsidy is approved",
        },
        "providers": {"type": "array", "description": "provider ids; omit for any active"},
    },
}


def batch_json(batch: VoucherBatch) -> dict:
    return {
        "id": batch.id,
        "name": batch.name,
        "region": batch.region,
        "target_group": batch.target_group,
        "occupation": batch.occupation,
        "kind": batch.kind,
        "providers": batch.providers,
        "face_value_fen": batch.face_value_fen,
        "validity_days": batch.validity_days,
        "quantity": batch.quantity,
        "claimed": batch.claimed,
        "per_learner_limit": batch.per_learner_limit,
        "status": batch.status,
    }


def voucher_json(voucher: Voucher) -> dict:
    return {
        "code": voucher.code,
        "batch_id": voucher.batch_id,
        "status": voucher.status,
        "claimed_at": voucher.claimed_at.isoformat(),
        "expires_at": voucher.expires_at.isoformat(),
        "class_id": voucher.class_id,
        "face_value_fen": voucher.batch.face_value_fen,
    }


@bp.post("/vouchers/batches")
@api_auth(Role.REGULATOR)
@json_body(BATCH_SCHEMA)
@responses({201: "Issued", 403: "Not a regulator", 422: "Invalid"})
def issue(body: dict):
    """Issue a voucher batch in the regulator's scope."""
    batch = services.issue_batch(
        g.api_user,
        body["name"],
        body["target_group"],
        body["quantity"],
        body["validity_days"],
        body.get("face_value_fen"),
        body.get("per_learner_limit", 1),
        body.get("occupation"),
        body.get("providers"),
        kind=body.get("kind"),
    )
    return {"batch": batch_json(batch)}, 201


@bp.post("/vouchers/batches/<int:batch_id>/close")
@api_auth(Role.REGULATOR)
@responses({200: "Closed", 403: "Outside your scope", 404: "No such batch"})
def close(batch_id: int):
    """Close a batch; its unclaimed quantity returns to nobody."""
    batch = db.session.get(VoucherBatch, batch_id)
    if batch is None:
        raise refuse("batch_not_found", 404)
    return {"batch": batch_json(services.close_batch(g.api_user, batch))}


@bp.get("/vouchers/batches")
@api_auth()
def batches():
    """Open batches (learners) or batches in scope (regulators)."""
    user = g.api_user
    found = (
        services.open_batches_for(user)
        if user.role == Role.LEARNER
        else services.batches_in_scope(user)
    )
    return {"batches": [batch_json(b) for b in found]}


@bp.post("/vouchers/batches/<int:batch_id>/claim")
@api_auth(Role.LEARNER)
@responses(
    {201: "Claimed", 404: "No such batch", 409: "Closed, exhausted, not your group or limit"}
)
def claim(batch_id: int):
    """Claim (领用) a voucher from an open batch."""
    return {"voucher": voucher_json(services.claim_voucher(g.api_user, batch_id))}, 201


@bp.get("/vouchers/mine")
@api_auth(Role.LEARNER)
def mine():
    """My vouchers with state and validity (expired ones are marked on read)."""
    vouchers = db.session.scalars(
        db.select(Voucher).where(Voucher.learner_id == g.api_user.id).order_by(Voucher.id)
    ).all()
    if any(services.expire_if_due(v) for v in vouchers):
        db.session.commit()
    return {"vouchers": [voucher_json(v) for v in vouchers]}


@bp.get("/vouchers/<code>/qr.svg")
@api_auth(Role.LEARNER)
@responses({200: "SVG QR code", 404: "Not your voucher"})
def qr(code: str):
    """The voucher's QR code (SVG) for a phone."""
    voucher = services.own_voucher(g.api_user, code)
    return Response(voucher_svg(voucher.code), mimetype="image/svg+xml")


@bp.post("/vouchers/use")
@api_auth(Role.LEARNER)
@json_body(
    {
        "required": ["code", "class_code"],
        "properties": {
            "code": {"type": "string", "maxLength": 40},
            "class_code": {"type": "string", "maxLength": 20},
        },
    }
)
@responses(
    {
        200: "Joined; voucher reserved for the class",
        403: "Provider not eligible",
        404: "Not your voucher / no such class",
        409: "Expired, used, not your key group or occupation not covered",
    }
)
def use(body: dict):
    """Join a class with a voucher: it is reserved for that class."""
    voucher, class_ = services.use_voucher(g.api_user, body["code"], body["class_code"])
    return {"voucher": voucher_json(voucher), "class_id": class_.id}


@bp.post("/vouchers/leave")
@api_auth(Role.LEARNER)
@json_body({"required": ["class_id"], "properties": {"class_id": {"type": "integer"}}})
@responses({200: "Left; voucher released", 404: "Not in the class", 409: "Class closed"})
def leave(body: dict):
    """Leave a class that is not closed; a voucher reserved for it is released."""
    voucher = services.leave_class(g.api_user, body["class_id"])
    return {"voucher": voucher_json(voucher) if voucher else None}


@bp.get("/vouchers/counters")
@api_auth(Role.REGULATOR, Role.ADMIN)
def counts():
    """Issued / claimed / used / written off / expired per batch, city and province."""
    return counters.summary(current_clock().now().year)


@bp.put("/vouchers/targets/<int:year>")
@api_auth(Role.REGULATOR)
@json_body(
    {
        "required": ["issued", "used"],
        "properties": {"issued": {"type": "integer"}, "used": {"type": "integer"}},
    }
)
@responses({200: "Saved", 403: "Province regulators only", 422: "Invalid"})
def set_targets(year: int, body: dict):
    """Edit the year's targets (province regulators)."""
    counters.set_targets(g.api_user, year, body["issued"], body["used"])
    return {"targets": counters.targets(year)}
