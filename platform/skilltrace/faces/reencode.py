"""``flask faces reencode``: recompute templates of another face model from stored photos.

Templates carry the model that computed them (``FaceEnrollment.model``). When the engine's
model changes, checks and the duplicate index ignore the old templates until this recomputes
them from the encrypted reference photos (quality gates are not applied again: the photos
were accepted when enrolled).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from skilltrace.faces.models import EnrollmentStatus, FaceEnrollment
from skilltrace.faces.services import PHOTO_LABEL, TEMPLATE_CONTEXT, EnrollmentService
from skilltrace.faces.vectors import pack_encoding


def reencode_templates(service: EnrollmentService) -> tuple[int, int]:
    """Re-encode every enrollment of another model; commits per enrollment and tells the
    other processes' indexes about active ones. Returns (re-encoded, skipped: no face)."""
    engine = service.engine
    done = skipped = 0
    stale = select(FaceEnrollment).where(FaceEnrollment.model != engine.model_id)
    for enrollment in list(service.session.scalars(stale)):
        vectors = []
        for path in enrollment.photo_paths:
            rgb = engine.decode(service.store.get(path, PHOTO_LABEL))
            faces = engine.countable(engine.detect(rgb))
            if len(faces) == 1:
                vectors.append(engine.encode(rgb, faces[0]))
        if not vectors:
            skipped += 1
            continue
        enrollment.template_encrypted = service.cipher.encrypt(
            pack_encoding(np.stack(vectors)), TEMPLATE_CONTEXT
        )
        enrollment.model = engine.model_id
        service.session.commit()
        if enrollment.status == EnrollmentStatus.ACTIVE:
            service.directory.changed(service.state, enrollment.learner_id, vectors[0])
        done += 1
    return done, skipped
