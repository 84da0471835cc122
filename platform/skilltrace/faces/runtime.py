"""The face domain's per-process parts: the engine, the template index, the file store.

Built lazily from the current app's settings; nothing here loads dlib models (the engine does
on its first analysis) or touches the database.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from flask import current_app

from skilltrace.faces.index import TemplateDirectory
from skilltrace.faces.storage import EncryptedFileStore

if TYPE_CHECKING:  # the engine (OpenCV, numpy) is imported on first use, not with the app
    from skilltrace.faces.engine import EngineSettings, FaceEngine

_ENGINE_KEY = "skilltrace.faces.engine"
_DIRECTORY_KEY = "skilltrace.faces.directory"
_engine_lock = threading.Lock()


def engine_settings(config) -> EngineSettings:
    """Engine settings with FACE_MATCH_THRESHOLD / FACE_DUPLICATE_THRESHOLD when non-zero."""
    from skilltrace.faces.engine import EngineSettings

    defaults = EngineSettings()
    match = float(config.get("FACE_MATCH_THRESHOLD") or 0) or defaults.match_threshold
    duplicate = float(config.get("FACE_DUPLICATE_THRESHOLD") or 0) or defaults.duplicate_threshold
    return replace(
        defaults,
        match_threshold=match,
        impostor_threshold=max(defaults.impostor_threshold, match),
        duplicate_threshold=duplicate,
    )


def face_engine() -> FaceEngine:
    """The app's one FaceEngine (its dlib models load on first use, once per process)."""
    app = current_app._get_current_object()
    engine = app.extensions.get(_ENGINE_KEY)
    if engine is None:
        with _engine_lock:
            engine = app.extensions.get(_ENGINE_KEY)
            if engine is None:
                from skilltrace.faces.engine import FaceEngine

                engine = app.extensions[_ENGINE_KEY] = FaceEngine(engine_settings(app.config))
    return engine


def template_directory() -> TemplateDirectory:
    """The app's in-memory index of active templates."""
    return current_app.extensions.setdefault(_DIRECTORY_KEY, TemplateDirectory())


def file_store() -> EncryptedFileStore:
    """Encrypted files under the app's MEDIA_ROOT."""
    return EncryptedFileStore(
        current_app.config["MEDIA_ROOT"], current_app.extensions["skilltrace.cipher"]
    )
