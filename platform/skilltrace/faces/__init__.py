"""Faces (人脸核验): enrollment, one person = one account, review, check snapshots.

The pure engine lives in ``engine.py`` and its helpers; the Flask side in ``services.py``
(enrollment, :func:`~skilltrace.faces.services.face_engine`), ``review.py``, ``snapshots.py``,
``api.py``, ``views.py`` and ``cli.py``. dlib models load on the first face analysis, never at
import time or in ``create_app``.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from skilltrace import demo
    from skilltrace.faces import api, cli, models, views  # noqa: F401  (models: metadata)
    from skilltrace.faces.demo import seed_faces
    from skilltrace.faces.messages import STATUS_LABELS
    from skilltrace.identity.models import Role
    from skilltrace.identity.views import HOME_PANELS
    from skilltrace.web import add_nav

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.faces_cli)
    add_nav((Role.LEARNER,), "faces.enroll", _l("Face enrollment"))
    add_nav((Role.REGULATOR,), "faces.review", _l("Face reviews"))
    for role, panel in (
        (Role.LEARNER, "faces/_panel_learner.html"),
        (Role.REGULATOR, "faces/_panel_regulator.html"),
    ):
        if panel not in HOME_PANELS[role]:
            HOME_PANELS[role].append(panel)
    if not any(name == "faces" for _o, name, _s in demo.SEED_STEPS):
        demo.SEED_STEPS.append((10, "faces", seed_faces))
    app.add_template_global(_enrollment_state, "face_enrollment_state")
    app.add_template_global(_open_case_count, "face_open_case_count")
    app.add_template_global(lambda s: STATUS_LABELS.get(s, s), "face_status_label")
    _init_appeals(app)


def _init_appeals(app: Flask) -> None:
    """Appeals of face checks and accommodations (see ``appeals.py``, ``accommodations.py``)."""
    from skilltrace.faces import appeal_models, appeals_api, appeals_views  # noqa: F401

    appeals_views.init_app(app)
    app.register_blueprint(appeals_api.bp)


def _enrollment_state(user):
    from skilltrace.faces.services import enrollment_service

    return enrollment_service().state_of(user.id)


def _open_case_count(regulator) -> int:
    from skilltrace.faces.review import review_service

    return review_service().open_count(regulator)
