"""Face endpoints: a learner's enrollment (photo upload or camera capture) and its status."""

from __future__ import annotations

from flask import g, request

from skilltrace.api.frame import api_auth, api_blueprint
from skilltrace.api.openapi import responses
from skilltrace.faces.messages import ENROLLMENT_REFUSALS, HELD_MESSAGES
from skilltrace.faces.models import EnrollmentStatus, FaceEnrollment
from skilltrace.faces.services import EnrollmentState, enrollment_service
from skilltrace.faces.uploads import uploaded_images
from skilltrace.identity.models import Role

bp = api_blueprint("faces_api", __name__)

ENROLLMENT_FORM = {
    "required": ["image"],
    "properties": {
        "image": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "items": {"type": "string", "format": "binary"},
            "description": "1 to 3 JPEG, PNG or WebP photos of the learner alone, facing the "
            "camera (repeat the field; each at most 5 MB and 4096 pixels a side). With several "
            "photos (e.g. camera captures a second apart) every one must show the same person; "
            "checks compare with the nearest.",
        },
        "source": {
            "type": "string",
            "enum": ["upload", "camera"],
            "description": "How the photo was taken (default upload).",
        },
    },
}


def enrollment_json(enrollment: FaceEnrollment | None) -> dict | None:
    if enrollment is None:
        return None
    return {
        "id": enrollment.id,
        "status": enrollment.status,
        "source": enrollment.source,
        "created_at": enrollment.created_at.isoformat(),
        "decided_at": enrollment.decided_at.isoformat() if enrollment.decided_at else None,
        "quality": enrollment.quality,
        "photos": len(enrollment.photo_paths),
        "model": enrollment.model,
    }


def state_json(state: EnrollmentState) -> dict:
    return {
        "status": state.status,
        "can_study": state.can_study,
        "active": enrollment_json(state.active),
        "latest": enrollment_json(state.latest),
    }


@bp.post("/me/face/enrollment")
@api_auth(Role.LEARNER)
@responses(
    {
        201: "Enrolled: the new template is active",
        202: "Held for a regulator: status pending_review (re-enrollment after study time) "
        "or duplicate_identity_review (the face of another account)",
        403: "consent_required: no consent to face data processing",
        409: "enrollment_under_review: the previous photo awaits a decision",
        422: "Photo refused: "
        + ", ".join(ENROLLMENT_REFUSALS)
        + ". error.photos gives a verdict per photo (number, accepted, code, message); "
        "error.message names the first refused photo when several were sent",
    },
    multipart=ENROLLMENT_FORM,
)
def enroll():
    """Enroll my face from 1 to 3 photos (multipart field image, repeated).

    The server finds exactly one face, checks its quality and compares it with every enrolled
    account. The photo and template are stored encrypted.
    """
    image = uploaded_images("image")
    source = "camera" if request.form.get("source") == "camera" else "upload"
    enrollment = enrollment_service().enroll(g.api_user, image, source=source)
    body = {"status": enrollment.status, "enrollment": enrollment_json(enrollment)}
    if enrollment.status == EnrollmentStatus.ACTIVE:
        return body, 201
    body.update(code=enrollment.status, message=str(HELD_MESSAGES[enrollment.status]))
    return body, 202


@bp.get("/me/face/enrollment")
@api_auth(Role.LEARNER)
@responses(
    {
        200: "My enrollment status: not_enrolled, active, pending_review, "
        "duplicate_identity_review or rejected"
    }
)
def enrollment_status():
    """My face enrollment status."""
    return state_json(enrollment_service().state_of(g.api_user.id))
