"""Face-engine refusal codes and the learner-facing English message for each.

The messages are English msgids; the Flask layer translates them (Chinese UI by default).
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # Image decoding (images.decode_image).
    "unsupported_image": "This picture could not be read. Send a JPEG, PNG or WebP photo.",
    "image_too_large": (
        "This picture is too large. Send a photo of at most 5 MB and 4096 pixels a side."
    ),
    "frame_too_large": "This camera picture is too large. Send frames of at most 1920x1080.",
    # Face analysis (FaceEngine.analyze).
    "no_face": "No face found. Face the camera in good light and try again.",
    "multiple_faces": "More than one face is visible. Make sure you are alone in the picture.",
    "face_too_small": "Your face is too small in the picture. Move closer to the camera.",
    "too_blurry": "The picture is blurry. Hold still and make sure the camera is in focus.",
    "too_dark": "The picture is too dark. Turn on a light or face a window and try again.",
    "too_bright": "The picture is too bright. Avoid strong light behind or on the camera.",
    "not_frontal": ("Look straight at the camera and keep your whole face inside the picture."),
    # Face checks (FaceEngine.verify_burst); per-frame and overall reasons.
    "no_match": "Your face could not be confirmed. Face the camera in good light and try again.",
    "impostor": "The face in the picture does not match the enrolled learner.",
    "not_enough_matches": (
        "Your face could not be confirmed. Face the camera in good light and try again."
    ),
    "too_many_frames": "Too many camera pictures were sent at once. Reload the page.",
    "replayed_frames": (
        "The camera pictures are identical copies. Use a live camera and try again."
    ),
    "liveness_failed": "The pictures show a photo, not a live person in front of the camera.",
    "challenge_not_met": (
        "We did not see your head turn as asked. Look at the screen, then turn your head "
        "slowly to the side shown and try again."
    ),
    "enrollment_photos_differ": (
        "The enrollment photos do not show the same person. Take all photos of yourself."
    ),
    "too_many_photos": "Send at most 3 enrollment photos.",
    "no_template": "No face is enrolled for this learner.",
}


class FaceError(Exception):
    """A refusal from the face engine, identified by a stable snake_case ``code``."""

    def __init__(self, code: str):
        if code not in MESSAGES:
            raise ValueError(f"unknown face error code: {code!r}")
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        """The English message telling the learner what to do."""
        return MESSAGES[self.code]

    def __repr__(self) -> str:
        return f"FaceError({self.code!r})"
