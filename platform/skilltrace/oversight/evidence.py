"""Evidence files of spot checks and sanctions: encrypted under MEDIA_ROOT/oversight/."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.faces.storage import EncryptedFileStore, track_new_file
from skilltrace.identity.models import User
from skilltrace.oversight.models import EvidenceFile

MAX_BYTES = 20 * 1024 * 1024
ALLOWED_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "audio/mpeg",
    "audio/mp4",
    "audio/wav",
    "video/mp4",
    "text/plain",
}
LABEL = b"oversight-evidence"


def _store() -> EncryptedFileStore:
    return EncryptedFileStore(
        current_app.config["MEDIA_ROOT"], current_app.extensions["skilltrace.cipher"]
    )


def add_evidence(
    user: User, owner_kind: str, owner_id: int, name: str, content_type: str, data: bytes
) -> EvidenceFile:
    """Encrypt and keep one evidence file (flushed; the caller commits, a rollback deletes it)."""
    if not data:
        raise DomainError("evidence_empty", _l("The evidence file is empty."), field="evidence")
    if len(data) > MAX_BYTES:
        raise DomainError(
            "evidence_too_large", _l("The evidence file is larger than 20 MB."), field="evidence"
        )
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in ALLOWED_TYPES:
        raise DomainError(
            "evidence_type_invalid",
            _l("Evidence must be a PDF, picture, audio or video file."),
            field="evidence",
        )
    store = _store()
    relative = store.put(f"oversight/{owner_kind}", data, LABEL)
    track_new_file(db.session, store, relative)
    row = EvidenceFile(
        owner_kind=owner_kind,
        owner_id=owner_id,
        file_path=relative,
        original_name=(name or "evidence")[-200:],
        content_type=content_type,
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def evidence_of(owner_kind: str, owner_ids: list[int]) -> dict[int, list[EvidenceFile]]:
    found: dict[int, list[EvidenceFile]] = {}
    for row in db.session.scalars(
        select(EvidenceFile)
        .where(EvidenceFile.owner_kind == owner_kind, EvidenceFile.owner_id.in_(owner_ids))
        .order_by(EvidenceFile.id)
    ):
        found.setdefault(row.owner_id, []).append(row)
    return found


def read_evidence(row: EvidenceFile) -> bytes:
    """The decrypted file; the caller has checked the reader may see its owner."""
    return _store().get(row.file_path, LABEL)
