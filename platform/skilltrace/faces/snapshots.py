"""Face-check snapshots: stored encrypted, read only with a log entry, purged after retention."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from skilltrace.errors import DomainError
from skilltrace.faces.access import check_reader, covers_snapshot, log_read
from skilltrace.faces.models import FaceSnapshot
from skilltrace.faces.storage import EncryptedFileStore, track_new_file
from skilltrace.identity.models import User, utcnow

SNAPSHOT_LABEL = b"faces.snapshot"
SNAPSHOT_FOLDER = "snapshots"
SNAPSHOT_MAX_BYTES = 5 * 1024 * 1024
JPEG_SIGNATURE = b"\xff\xd8\xff"
PURGE_BATCH = 500


class SnapshotService:
    """Stores, reads and purges check snapshots; receives its collaborators."""

    def __init__(self, session: Session, files: EncryptedFileStore):
        self.session = session
        self.files = files

    def store(self, learner_id: int, jpeg_bytes: bytes, kind: str = "check"):
        """Encrypt ``jpeg_bytes`` to a file and add its row (flushed, not committed).

        If the caller's transaction rolls back, the file is deleted again.
        """
        if not isinstance(jpeg_bytes, bytes | bytearray) or not jpeg_bytes.startswith(
            JPEG_SIGNATURE
        ):
            raise ValueError("a snapshot is JPEG bytes")
        if len(jpeg_bytes) > SNAPSHOT_MAX_BYTES:
            raise ValueError("a snapshot is at most 5 MB")
        path = self.files.put(SNAPSHOT_FOLDER, bytes(jpeg_bytes), SNAPSHOT_LABEL)
        track_new_file(self.session, self.files, path)
        snapshot = FaceSnapshot(
            learner_id=learner_id, kind=kind, file_path=path, byte_size=len(jpeg_bytes)
        )
        self.session.add(snapshot)
        self.session.flush()
        return snapshot

    def read(
        self,
        snapshot_id: int,
        reader: User,
        client_ip: str | None = None,
        purpose: str = "review",
    ) -> bytes:
        """The snapshot's JPEG for ``reader``; logs the read and commits the log entry.

        404 when unknown, 403 for readers other than regulators and the learner pictured,
        410 ``snapshot_purged`` once past retention.
        """
        snapshot = self.session.get(FaceSnapshot, snapshot_id)
        if snapshot is None:
            raise DomainError("not_found", _l("No such face picture."), status=404)
        check_reader(self.session, reader, snapshot.learner_id)
        if not covers_snapshot(self.session, reader, snapshot.learner_id, snapshot.id):
            raise DomainError("forbidden", _l("You are not allowed to do this."), status=403)
        if snapshot.file_path is None:
            raise _purged()
        try:
            data = self.files.get(snapshot.file_path, SNAPSHOT_LABEL)
        except FileNotFoundError:
            raise _purged() from None
        log_read(
            self.session, reader, snapshot.learner_id, "snapshot", snapshot.id, purpose, client_ip
        )
        self.session.commit()
        return data

    def recent(self, learner_id: int, limit: int = 100) -> list[FaceSnapshot]:
        """The learner's latest snapshots (purged ones included), newest first."""
        return list(
            self.session.scalars(
                select(FaceSnapshot)
                .where(FaceSnapshot.learner_id == learner_id)
                .order_by(FaceSnapshot.id.desc())
                .limit(limit)
            )
        )

    def purge(self, older_than_days: int) -> int:
        """Delete the files of snapshots older than ``older_than_days`` days; rows stay with
        ``file_path`` NULL and ``purged_at`` set. Returns how many were purged."""
        if older_than_days < 0:
            raise ValueError("older_than_days must be >= 0")
        cutoff = utcnow() - timedelta(days=older_than_days)
        purged = 0
        while True:
            batch = self.session.scalars(
                select(FaceSnapshot)
                .where(FaceSnapshot.file_path.is_not(None), FaceSnapshot.created_at < cutoff)
                .order_by(FaceSnapshot.id)
                .limit(PURGE_BATCH)
            ).all()
            if not batch:
                return purged
            now = utcnow()
            for snapshot in batch:
                self.files.delete(snapshot.file_path)
                snapshot.file_path = None
                snapshot.purged_at = now
            self.session.commit()
            purged += len(batch)


def _purged() -> DomainError:
    return DomainError(
        "snapshot_purged",
        _l("This picture was deleted after its retention period."),
        status=410,
    )


def snapshot_service() -> SnapshotService:
    """The snapshot service wired to the current app."""
    from skilltrace.extensions import db
    from skilltrace.faces.runtime import file_store

    return SnapshotService(db.session, file_store())
