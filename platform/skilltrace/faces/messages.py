"""Translatable messages of the face domain.

:data:`ENGINE_MESSAGES` repeats the engine's English messages (``errors.MESSAGES``) as
``lazy_gettext`` literals so the catalogue extracts and translates them; a test keeps both in
step. :func:`face_error` turns an engine refusal code into a :class:`DomainError`.
"""

from __future__ import annotations

import json

from flask_babel import gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l

from skilltrace.errors import DomainError
from skilltrace.faces.errors import MESSAGES

ENGINE_MESSAGES = {
    "unsupported_image": _l("This picture could not be read. Send a JPEG, PNG or WebP photo."),
    "image_too_large": _l(
        "This picture is too large. Send a photo of at most 5 MB and 4096 pixels a side."
    ),
    "frame_too_large": _l("This camera picture is too large. Send frames of at most 1920x1080."),
    "no_face": _l("No face found. Face the camera in good light and try again."),
    "multiple_faces": _l("More than one face is visible. Make sure you are alone in the picture."),
    "face_too_small": _l("Your face is too small in the picture. Move closer to the camera."),
    "too_blurry": _l("The picture is blurry. Hold still and make sure the camera is in focus."),
    "too_dark": _l("The picture is too dark. Turn on a light or face a window and try again."),
    "too_bright": _l("The picture is too bright. Avoid strong light behind or on the camera."),
    "not_frontal": _l("Look straight at the camera and keep your whole face inside the picture."),
    "no_match": _l(
        "Your face could not be confirmed. Face the camera in good light and try again."
    ),
    "impostor": _l("The face in the picture does not match the enrolled learner."),
    "not_enough_matches": _l(
        "Your face could not be confirmed. Face the camera in good light and try again."
    ),
    "too_many_frames": _l("Too many camera pictures were sent at once. Reload the page."),
    "replayed_frames": _l(
        "The camera pictures are identical copies. Use a live camera and try again."
    ),
    "liveness_failed": _l("The pictures show a photo, not a live person in front of the camera."),
    "challenge_not_met": _l(
        "We did not see your head turn as asked. Look at the screen, then turn your head "
        "slowly to the side shown and try again."
    ),
    "enrollment_photos_differ": _l(
        "The enrollment photos do not show the same person. Take all photos of yourself."
    ),
    "too_many_photos": _l("Send at most 3 enrollment photos."),
    "no_template": _l("No face is enrolled for this learner."),
}

# The refusals an enrollment photo can get (API 422 codes).
ENROLLMENT_REFUSALS = (
    "no_face",
    "multiple_faces",
    "face_too_small",
    "too_blurry",
    "too_dark",
    "too_bright",
    "not_frontal",
    "unsupported_image",
    "image_too_large",
    "enrollment_photos_differ",
    "too_many_photos",
)

STATUS_LABELS = {
    "not_enrolled": _l("Not enrolled"),
    "active": _l("Enrolled"),
    "pending_review": _l("Awaiting a regulator's approval"),
    "duplicate_identity_review": _l("Awaiting a regulator's identity check"),
    "superseded": _l("Replaced"),
    "rejected": _l("Rejected"),
}

HELD_MESSAGES = {
    "pending_review": _l(
        "You already have study time, so a new face photo must be approved by a regulator. "
        "Your previous photo stays in use until then."
    ),
    "duplicate_identity_review": _l(
        "This face looks like the face of another account. A regulator will check it; "
        "you can study once it is approved."
    ),
}

CASE_STATUS_LABELS = {
    "open": _l("Waiting for review"),
    "approved": lazy_pgettext("face case", "Approved"),
    "rejected": _l("Rejected"),
}
CASE_KIND_LABELS = {
    "duplicate_identity": _l("Possible duplicate identity"),
    "reenrollment": _l("Re-enrollment after study time"),
}


def engine_message(code: str):
    """The translated message of an engine code (the English text for unknown codes)."""
    if code in ENGINE_MESSAGES:  # no truth test on a lazy string: it would render it
        return ENGINE_MESSAGES[code]
    return MESSAGES.get(code, code)


def face_error(code: str, status: int = 422) -> DomainError:
    """A DomainError for an engine refusal, attached to the ``image`` field."""
    return DomainError(code, engine_message(code), status=status, field="image")


def photo_message(number: int, total: int, code: str):
    """The refusal of one of several photos, naming it ("Photo 2 of 3: ...")."""
    return _l(
        "Photo %(number)s of %(total)s: %(reason)s",
        number=number,
        total=total,
        reason=engine_message(code),
    )


def photos_error(verdicts: list[str | None]) -> DomainError:
    """A refusal of an enrollment's photos: the first refused photo's code, a message naming
    it (none when one reason covers them all) and ``photos``, a verdict per photo."""
    from skilltrace.faces.photo_rules import first_refused, one_reason

    first = first_refused(verdicts)
    code = verdicts[first]
    total = len(verdicts)
    message = (
        engine_message(code) if one_reason(verdicts) else photo_message(first + 1, total, code)
    )
    photos = [
        {
            "number": index + 1,
            "accepted": verdict is None,
            "code": verdict,
            "message": None if verdict is None else engine_message(verdict),
        }
        for index, verdict in enumerate(verdicts)
    ]
    error = face_error(code)
    error.message, error.details = message, {"photos": photos}
    return error


def refusal_lines(error: DomainError) -> list[str]:
    """A refusal as form errors: a line per refused photo when their reasons differ, else the
    error's message."""
    from skilltrace.faces.photo_rules import one_reason

    photos = error.details.get("photos") or []
    if not photos or one_reason([photo["code"] for photo in photos]):
        return [str(error.message)]
    return [
        str(photo_message(photo["number"], len(photos), photo["code"]))
        for photo in photos
        if not photo["accepted"]
    ]


def distances_text(distances) -> str:
    """Face distances explained: smaller is more alike; the same person is at most the
    engine's match threshold (``FACE_MATCH_THRESHOLD``, as the checks use it)."""
    from flask import current_app

    from skilltrace.faces.runtime import engine_settings

    if isinstance(distances, str):  # FaceCheck.distances_json
        try:
            distances = json.loads(distances)
        except ValueError:
            return ""
    if isinstance(distances, dict):
        distances = list(distances.values())
    if not isinstance(distances, list):
        return ""
    values = [d for d in distances if isinstance(d, int | float) and not isinstance(d, bool)]
    if not values:
        return ""
    return gettext(
        "face distance %(values)s (the same person is at most %(limit).2f)",
        values="、".join(f"{d:.2f}" for d in values),
        limit=engine_settings(current_app.config).match_threshold,
    )
