"""Demo seed step (order 10): enroll the demo learners from ../shared/faces/people."""

from __future__ import annotations

from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.faces.models import FaceEnrollment
from skilltrace.faces.services import enrollment_service
from skilltrace.identity.services import account_service

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def seed_faces(echo) -> None:
    """Enroll each demo learner with the first of their photos that passes the quality gate.

    Learners with any enrollment are left alone; a missing shared folder is skipped silently.
    """
    from skilltrace.demo import demo_learner_ids, shared_faces_dir
    from skilltrace.extensions import db

    people = shared_faces_dir() / "people"
    if not people.is_dir():
        return
    service = enrollment_service()
    for _mobile, id_number, folder in demo_learner_ids():
        learner = account_service().find_by_id_number(id_number)
        photos = sorted(
            p for p in (people / folder).glob("*") if p.suffix.lower() in PHOTO_SUFFIXES
        )
        if learner is None or not photos:
            continue
        enrolled = select(FaceEnrollment.id).where(FaceEnrollment.learner_id == learner.id)
        if db.session.scalar(enrolled.limit(1)) is not None:
            continue
        for photo in photos:
            try:
                enrollment = service.enroll(learner, photo.read_bytes(), source="demo")
            except DomainError:
                db.session.rollback()
                continue
            echo(f"  face        {learner.name}: {photo.name} ({enrollment.status})")
            break
