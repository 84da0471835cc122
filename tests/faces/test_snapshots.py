"""Check snapshots: stored encrypted, every read logged, files purged after retention."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.faces.models import FaceAccessLog, FaceSnapshot
from skilltrace.faces.services import purge_snapshots, read_snapshot, store_snapshot
from skilltrace.identity.models import utcnow

from .enroll_support import photo, signed_in


def snapshot_file(app, snapshot: FaceSnapshot) -> Path:
    return Path(app.config["MEDIA_ROOT"]) / snapshot.file_path


def stored(learner_id: int, data: bytes, age_days: float = 0) -> FaceSnapshot:
    snapshot = store_snapshot(learner_id, data)
    snapshot.created_at = utcnow() - timedelta(days=age_days)
    db.session.commit()
    return snapshot


def logged_reads() -> list[tuple]:
    return db.session.execute(
        select(
            FaceAccessLog.reader_id,
            FaceAccessLog.learner_id,
            FaceAccessLog.object_kind,
            FaceAccessLog.object_id,
        ).order_by(FaceAccessLog.id)
    ).all()


def test_snapshot_is_encrypted_and_reads_are_logged(app, make_user, shared_faces):
    learner, regulator = make_user("learner"), make_user("regulator")
    jpeg = photo(shared_faces, "obama/obama1.jpg")
    snapshot = stored(learner.id, jpeg)
    assert snapshot.kind == "check" and snapshot.file_path.startswith("snapshots/")
    on_disk = snapshot_file(app, snapshot).read_bytes()
    assert b"\xff\xd8\xff" not in on_disk and b"JFIF" not in on_disk and jpeg[:2048] not in on_disk

    assert logged_reads() == []
    assert read_snapshot(snapshot.id, regulator, client_ip="10.0.0.9") == jpeg
    assert read_snapshot(snapshot.id, learner) == jpeg  # the learner pictured
    assert logged_reads() == [
        (regulator.id, learner.id, "snapshot", snapshot.id),
        (learner.id, learner.id, "snapshot", snapshot.id),
    ]
    entry = db.session.scalar(select(FaceAccessLog).order_by(FaceAccessLog.id))
    assert entry.client_ip == "10.0.0.9" and entry.accessed_at is not None


def test_others_may_not_read_a_snapshot(app, make_user, shared_faces):
    learner = make_user("learner")
    snapshot = stored(learner.id, photo(shared_faces, "obama/obama1.jpg"))
    city_regulator = make_user("regulator", scope="6103")  # the learner has no class there
    for reader in (
        make_user("provider_staff"),
        make_user("admin"),
        make_user("learner"),
        city_regulator,
    ):
        with pytest.raises(DomainError) as refused:
            read_snapshot(snapshot.id, reader)
        assert refused.value.status == 403, reader.role
    assert logged_reads() == []


def test_only_jpeg_bytes_are_stored(app, make_user):
    learner = make_user("learner")
    with pytest.raises(ValueError):
        store_snapshot(learner.id, b"\x89PNG\r\n\x1a\nnot a jpeg")
    with pytest.raises(ValueError):
        store_snapshot(learner.id, b"")


def test_a_rolled_back_snapshot_leaves_no_file(app, make_user, shared_faces):
    learner = make_user("learner")
    snapshot = store_snapshot(learner.id, photo(shared_faces, "obama/obama1.jpg"))
    path = snapshot_file(app, snapshot)
    assert path.exists()
    db.session.rollback()
    assert not path.exists()
    assert db.session.scalar(select(func.count()).select_from(FaceSnapshot)) == 0


def test_purge_deletes_old_files_and_keeps_rows(app, make_user, shared_faces):
    learner, regulator = make_user("learner"), make_user("regulator")
    jpeg = photo(shared_faces, "obama/obama1.jpg")
    old = stored(learner.id, jpeg, age_days=200)
    recent = stored(learner.id, jpeg, age_days=10)
    old_path, recent_path = snapshot_file(app, old), snapshot_file(app, recent)

    assert purge_snapshots(180) == 1

    db.session.expire_all()
    assert not old_path.exists() and recent_path.exists()
    old, recent = db.session.get(FaceSnapshot, old.id), db.session.get(FaceSnapshot, recent.id)
    assert old.file_path is None and old.purged_at is not None
    assert recent.file_path is not None and recent.purged_at is None
    with pytest.raises(DomainError) as gone:
        read_snapshot(old.id, regulator)
    assert (gone.value.status, gone.value.code) == (410, "snapshot_purged")
    assert purge_snapshots(180) == 0  # idempotent


def test_purge_command(app, make_user, shared_faces):
    learner = make_user("learner")
    old = stored(learner.id, photo(shared_faces, "obama/obama1.jpg"), age_days=40)
    path = snapshot_file(app, old)
    result = app.test_cli_runner().invoke(args=["faces", "purge", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    assert "purged 1 snapshot(s)" in result.output
    assert not path.exists()
    db.session.expire_all()
    assert db.session.get(FaceSnapshot, old.id).purged_at is not None
    result = app.test_cli_runner().invoke(args=["faces", "purge", "--older-than", "-1"])
    assert result.exit_code != 0


def test_snapshot_page_serves_the_picture_uncached_and_logs_it(app, make_user, login, shared_faces):
    learner = make_user("learner")
    jpeg = photo(shared_faces, "obama/obama1.jpg")
    snapshot = stored(learner.id, jpeg)
    regulator, client, _token = signed_in(app, make_user, login, "regulator")

    response = client.get(f"/faces/snapshots/{snapshot.id}")

    assert response.status_code == 200 and response.data == jpeg
    assert response.mimetype == "image/jpeg"
    assert "no-store" in response.headers["Cache-Control"]
    assert logged_reads() == [(regulator.id, learner.id, "snapshot", snapshot.id)]
    assert client.get("/faces/snapshots/999999").status_code == 404

    _provider, provider_client, _ = signed_in(app, make_user, login, "provider_staff")
    assert provider_client.get(f"/faces/snapshots/{snapshot.id}").status_code == 403
    assert len(logged_reads()) == 1
