"""The engine per app, its settings, the translated messages, and the cross-process index."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from flask_babel import force_locale

from skilltrace.faces.engine import EngineSettings
from skilltrace.faces.errors import MESSAGES
from skilltrace.faces.index import CHANGE_KEY, TemplateDirectory
from skilltrace.faces.messages import ENGINE_MESSAGES
from skilltrace.faces.services import (
    EnrollmentService,
    engine_settings,
    enrollment_service,
    face_engine,
    file_store,
)
from skilltrace.state import current_state

from .enroll_support import photo


def test_engine_messages_are_the_engines_english_texts(app):
    assert set(ENGINE_MESSAGES) == set(MESSAGES)
    with app.test_request_context(), force_locale("en"):
        assert {code: str(text) for code, text in ENGINE_MESSAGES.items()} == MESSAGES


@pytest.mark.parametrize(
    ("config", "match", "impostor", "duplicate"),
    [
        ({}, 1.04, 1.15, 0.85),
        ({"FACE_MATCH_THRESHOLD": 0.0, "FACE_DUPLICATE_THRESHOLD": 0.0}, 1.04, 1.15, 0.85),
        ({"FACE_MATCH_THRESHOLD": 1.0, "FACE_DUPLICATE_THRESHOLD": 0.9}, 1.0, 1.15, 0.90),
        ({"FACE_MATCH_THRESHOLD": 1.2}, 1.2, 1.2, 0.85),
    ],
)
def test_settings_override_the_calibrated_thresholds(config, match, impostor, duplicate):
    settings = engine_settings(config)
    defaults = EngineSettings()
    assert (settings.match_threshold, settings.impostor_threshold) == (match, impostor)
    assert settings.duplicate_threshold == duplicate
    assert settings.min_face_px == defaults.min_face_px


def test_one_engine_per_app(app):
    assert face_engine() is face_engine()
    assert face_engine().settings == engine_settings(app.config)


def test_the_app_starts_without_loading_face_models(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from skilltrace import create_app
        app = create_app({{"DATABASE_URL": "sqlite:///{tmp_path}/x.db",
                           "MEDIA_ROOT": "{tmp_path}/media"}})
        with app.app_context():
            from skilltrace.faces.services import face_engine
            face_engine()
        import skilltrace.faces.sface as sface
        print("dlib" in sys.modules, "openvino" in sys.modules, sface._models is None)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.split() == ["False", "False", "True"]


def other_process() -> EnrollmentService:
    """An enrollment service with its own in-memory index, as another worker has."""
    service = enrollment_service()
    return EnrollmentService(
        service.session,
        service.cipher,
        file_store(),
        service.engine,
        TemplateDirectory(),
        current_state(),
    )


def test_each_process_sees_templates_enrolled_by_the_others(app, make_user, shared_faces):
    here, there = enrollment_service(), other_process()
    first = make_user("learner")
    assert here.enroll(first, photo(shared_faces, "obama/obama.jpg")).status == "active"
    # the other worker builds its index from the database and finds the duplicate
    second = make_user("learner")
    held = there.enroll(second, photo(shared_faces, "obama/obama2.jpg"))
    assert held.status == "duplicate_identity_review"
    assert there.directory.rebuilds == 1
    # it enrolls someone new; this worker's index is behind and catches up on that learner
    third = make_user("learner")
    assert there.enroll(third, photo(shared_faces, "biden/biden.jpg")).status == "active"
    rebuilds, catch_ups = here.directory.rebuilds, here.directory.catch_ups
    fourth = make_user("learner")
    assert here.enroll(fourth, photo(shared_faces, "biden/biden2.jpg")).status == (
        "duplicate_identity_review"
    )
    assert (here.directory.rebuilds, here.directory.catch_ups) == (rebuilds, catch_ups + 1)
    # its own change is applied in place: no reload at all for the next search
    fifth = make_user("learner")
    assert here.enroll(fifth, photo(shared_faces, "rose_leslie/img1.jpg")).status == "active"
    sixth = make_user("learner")
    assert here.enroll(sixth, photo(shared_faces, "kit_harington/john1.jpeg")).status == "active"
    assert (here.directory.rebuilds, here.directory.catch_ups) == (rebuilds, catch_ups + 1)
    # when the records of the changes it missed are gone, the index is rebuilt from the database
    current_state().delete_prefix(CHANGE_KEY)
    assert set(there.template_index().ids) == {first.id, third.id, fifth.id, sixth.id}
    assert there.directory.rebuilds == 2


def test_a_learners_new_template_replaces_the_old_one_everywhere(app, make_user, shared_faces):
    here, there = enrollment_service(), other_process()
    learner = make_user("learner")
    here.enroll(learner, photo(shared_faces, "obama/obama.jpg"))
    assert set(there.template_index().ids) == {learner.id}
    here.enroll(learner, photo(shared_faces, "rose_leslie/img2.jpg"))  # no study time yet
    index = there.template_index()
    assert index.ids == [learner.id] and there.directory.catch_ups == 1
    assert (index.vector(learner.id) == here.active_template(learner.id)).all()
