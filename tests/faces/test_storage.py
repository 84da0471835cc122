"""Face data at rest: reference photos and templates are encrypted, files bound to their path."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, text

from skilltrace.extensions import db
from skilltrace.faces.models import FaceEnrollment
from skilltrace.faces.services import PHOTO_LABEL, enrollment_service, file_store
from skilltrace.faces.storage import EncryptedFileStore, track_new_file
from skilltrace.faces.vectors import pack_encoding

from .enroll_support import photo, post_enrollment, signed_in

SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG", b"JFIF", b"Exif", b"RIFF", b"WEBP")


def test_photo_and_template_are_encrypted_at_rest(app, make_user, login, shared_faces):
    learner, client, token = signed_in(app, make_user, login)
    original = photo(shared_faces, "obama/obama.jpg")
    assert post_enrollment(client, token, original).status_code == 201

    enrollment = db.session.scalar(select(FaceEnrollment))
    path = Path(app.config["MEDIA_ROOT"]) / enrollment.photo_path
    assert enrollment.photo_path.startswith("faces/") and path.suffix == ".bin"
    stored = path.read_bytes()
    for signature in SIGNATURES:
        assert signature not in stored
    assert original[:4096] not in stored
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    template = enrollment_service().active_template(learner.id)
    assert template.dtype == np.float32 and template.shape == (128,)
    raw_column = db.session.execute(
        text("SELECT template_encrypted FROM face_enrollments")
    ).scalar()
    raw_column = bytes(raw_column)
    assert pack_encoding(template) not in raw_column
    assert template.astype(np.float64).tobytes() not in raw_column
    assert template[:8].tobytes() not in raw_column

    # decrypted on demand, the photo is a re-encoded JPEG (no EXIF kept)
    decrypted = enrollment_service().photo(enrollment)
    assert decrypted.startswith(b"\xff\xd8\xff") and b"Exif" not in decrypted[:64]


def test_store_round_trip_and_tamper_evidence(app, tmp_path):
    store = EncryptedFileStore(tmp_path, app.extensions["skilltrace.cipher"])
    first = store.put("faces", b"\xff\xd8\xffpicture", PHOTO_LABEL)
    second = store.put("faces", b"\xff\xd8\xffother", PHOTO_LABEL)
    assert first != second and store.get(first, PHOTO_LABEL) == b"\xff\xd8\xffpicture"
    # a file copied onto another row's path no longer decrypts
    (tmp_path / second).write_bytes((tmp_path / first).read_bytes())
    with pytest.raises(Exception):  # noqa: B017  (cryptography's InvalidTag)
        store.get(second, PHOTO_LABEL)
    with pytest.raises(Exception):  # noqa: B017
        store.get(first, b"faces.snapshot")
    assert store.delete(first) and not store.exists(first) and not store.delete(first)
    with pytest.raises(FileNotFoundError):
        store.get(first, PHOTO_LABEL)


@pytest.mark.parametrize("relative", ["../outside.bin", "/etc/passwd", "faces/../../x.bin", ""])
def test_store_refuses_paths_outside_its_root(app, tmp_path, relative):
    store = EncryptedFileStore(tmp_path / "media", app.extensions["skilltrace.cipher"])
    with pytest.raises(ValueError):
        store.get(relative, PHOTO_LABEL)


def test_files_written_in_a_rolled_back_transaction_are_deleted(app):
    store = file_store()
    kept = store.put("faces", b"kept", PHOTO_LABEL)
    track_new_file(db.session, store, kept)
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    dropped = store.put("faces", b"dropped", PHOTO_LABEL)
    track_new_file(db.session, store, dropped)
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    assert store.exists(kept) and not store.exists(dropped)
    store.delete(kept)
