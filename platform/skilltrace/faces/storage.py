"""Encrypted picture files under ``MEDIA_ROOT``: no face picture is ever on disk in clear.

Each file is ``DataCipher.encrypt(picture, context=b"<label>:<relative path>")``, so a file
moved or copied onto another row's path no longer decrypts. Names are random; rows keep the
relative path (e.g. ``faces/3f9c….bin``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from skilltrace.crypto import DataCipher


class EncryptedFileStore:
    """Writes, reads and deletes encrypted files below one root folder."""

    def __init__(self, root: str | Path, cipher: DataCipher):
        self.root = Path(root).resolve()
        self.cipher = cipher

    def put(self, folder: str, data: bytes, label: bytes) -> str:
        """Encrypt ``data`` into a new file in ``folder``; returns its relative path."""
        relative = f"{folder}/{secrets.token_hex(16)}.bin"
        path = self._path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = self.cipher.encrypt(data, self._context(label, relative))
        partial = path.with_suffix(".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(partial, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise
        return relative

    def get(self, relative: str, label: bytes) -> bytes:
        """The decrypted content (FileNotFoundError if gone, ValueError/InvalidTag if altered)."""
        return self.cipher.decrypt(
            self._path(relative).read_bytes(), self._context(label, relative)
        )

    def delete(self, relative: str) -> bool:
        """Remove a file; returns whether it existed."""
        try:
            self._path(relative).unlink()
        except FileNotFoundError:
            return False
        return True

    def exists(self, relative: str) -> bool:
        return self._path(relative).is_file()

    def absolute(self, relative: str) -> Path:
        """Where a stored file lives (for tests and operators)."""
        return self._path(relative)

    def _path(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"path outside the media root: {relative!r}")
        return path

    @staticmethod
    def _context(label: bytes, relative: str) -> bytes:
        return label + b":" + relative.encode("utf-8")


# -- files written inside a database transaction --------------------------------------------
_NEW_FILES = "skilltrace.faces.new_files"


def track_new_file(session: Session, store: EncryptedFileStore, relative: str) -> None:
    """Delete ``relative`` again if ``session``'s transaction rolls back instead of committing."""
    session.info.setdefault(_NEW_FILES, []).append((store, relative))


@event.listens_for(Session, "after_commit")
def _keep_new_files(session: Session) -> None:
    session.info.pop(_NEW_FILES, None)


@event.listens_for(Session, "after_rollback")
def _drop_new_files(session: Session) -> None:
    for store, relative in session.info.pop(_NEW_FILES, []):
        store.delete(relative)
