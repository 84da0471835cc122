"""``flask faces compare``, ``enroll`` and ``reencode`` on real photos."""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.faces.models import FaceEnrollment
from skilltrace.faces.services import active_template
from skilltrace.identity.services import account_service


def run(app, *args):
    return app.test_cli_runner().invoke(args=["faces", *args])


def test_compare_prints_one_json_line_per_probe(app, shared_faces):
    people = shared_faces / "people"
    probes = [
        people / "obama/obama2.jpg",
        people / "biden/biden.jpg",
        shared_faces / "cases/two_faces_obama_biden.jpg",
    ]
    result = run(app, "compare", str(people / "obama/obama.jpg"), *map(str, probes))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["probe"] for line in lines] == [str(p) for p in probes]
    genuine, impostor, refused = lines
    assert genuine["match"] is True and genuine["reason"] is None
    assert 0 < genuine["distance"] <= 1.04  # the match threshold (docs/faces.md)
    assert impostor["match"] is False and impostor["distance"] > 1.15  # the impostor one
    assert refused == {
        "probe": str(probes[2]),
        "match": False,
        "distance": None,
        "reason": "multiple_faces",
    }


def test_compare_with_a_refused_reference_fails_with_its_code(app, shared_faces):
    result = run(
        app,
        "compare",
        str(shared_faces / "cases/obama-240p.jpg"),
        str(shared_faces / "people/obama/obama.jpg"),
    )
    assert result.exit_code != 0
    assert result.stdout == ""
    assert "face_too_small" in result.stderr


def test_enroll_an_existing_learner_by_id_number(app, make_user, shared_faces):
    learner = make_user("learner")
    id_number = account_service().reveal_id_number(learner)
    image = str(shared_faces / "people/rose_leslie/img2.jpg")
    result = run(app, "enroll", id_number, image)
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert line["learner_id"] == learner.id and line["status"] == "active"
    assert db.session.scalar(select(FaceEnrollment.source)) == "cli"
    assert active_template(learner.id) is not None

    unknown = run(app, "enroll", "11010519491231002X", image)
    assert unknown.exit_code != 0 and "no learner" in unknown.stderr
    refused = run(app, "enroll", id_number, str(shared_faces / "cases/two_faces_kit_rose.jpg"))
    assert refused.exit_code != 0 and "multiple_faces" in refused.stderr


def test_reencode_recomputes_templates_of_another_model(app, make_user, shared_faces):
    from flask import current_app

    from skilltrace.faces.services import TEMPLATE_CONTEXT, enrollment_service
    from skilltrace.faces.vectors import pack_encoding

    learner = make_user("learner")
    photos = [
        (shared_faces / f"people/obama/{n}").read_bytes() for n in ("obama.jpg", "obama3.jpg")
    ]
    enrollment = enrollment_service().enroll(learner, photos)
    fresh = active_template(learner.id)
    # as a template of the old dlib engine would be: another model, other numbers
    cipher = current_app.extensions["skilltrace.cipher"]
    enrollment.model = "dlib-resnet-128@1"
    enrollment.template_encrypted = cipher.encrypt(
        pack_encoding(np.full((1, 128), 0.05, np.float32)), TEMPLATE_CONTEXT
    )
    db.session.commit()
    assert active_template(learner.id) is None  # a check never compares across models

    result = run(app, "reencode")
    assert result.exit_code == 0, result.output
    assert "re-encoded 1 enrollment(s)" in result.stdout
    db.session.expire_all()
    assert db.session.get(FaceEnrollment, enrollment.id).model.startswith("sface")
    recomputed = active_template(learner.id)
    assert recomputed.shape == fresh.shape == (2, 128)
    # from the stored reference photos (re-encoded JPEG, at most 1024 px): the same faces
    assert all(np.linalg.norm(a - b) < 0.25 for a, b in zip(recomputed, fresh, strict=True))
    assert "re-encoded 0" in run(app, "reencode").stdout  # nothing left to do
