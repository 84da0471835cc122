"""The liveness challenge of a face check, chosen by the server when the check is issued.

The learner turns the head to their own left or right while the player captures the burst;
the face engine verifies the turn (``skilltrace.faces.checking``). ``FACE_CHALLENGE`` fixes
the choice (tests, the browser test) or turns it off; a learner granted an accommodation is
checked ``match_only`` (the ``check_mode`` collaborator).
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l

CHALLENGES = ("turn_left", "turn_right")
CHECK_MODES = ("challenge", "match_only")
SETTING_VALUES = ("random", "none", *CHALLENGES)

# What the player shows (the arrow is drawn by the player from the code).
INSTRUCTIONS = {
    "turn_left": _l("Slowly turn your head to your left, then look back at the screen."),
    "turn_right": _l("Slowly turn your head to your right, then look back at the screen."),
}

# Burst protocol: neutral frames first, then the instruction, then frames while turning.
NEUTRAL_FRAMES = 2
TURNED_FRAMES = 3
TURN_INTERVAL_MS = 400
PLAIN_FRAMES = 3
PLAIN_INTERVAL_MS = 500


def choose_challenge(setting: str, mode: str, choice=secrets.choice) -> str | None:
    """The challenge of a new check: None when checks are match only (setting ``none`` or
    the learner's ``match_only`` mode), the fixed one, or a random one per check."""
    if setting not in SETTING_VALUES:
        raise ValueError(f"FACE_CHALLENGE must be one of {SETTING_VALUES}, not {setting!r}")
    if mode not in CHECK_MODES:
        raise ValueError(f"unknown check mode {mode!r}")
    if mode == "match_only" or setting == "none":
        return None
    if setting in CHALLENGES:
        return setting
    return choice(CHALLENGES)


def default_check_mode(learner_id: int, class_id: int, now) -> str:
    """Every learner is checked with a challenge (accommodations replace this)."""
    return "challenge"


def burst_plan(challenge: str | None) -> dict:
    """What the player captures for a check (sent with it)."""
    if challenge is None:
        return {
            "challenge": None,
            "instruction": None,
            "frames": PLAIN_FRAMES,
            "frame_interval_ms": PLAIN_INTERVAL_MS,
            "neutral_frames": PLAIN_FRAMES,
            "turned_frames": 0,
        }
    return {
        "challenge": challenge,
        "instruction": str(INSTRUCTIONS[challenge]),
        "frames": NEUTRAL_FRAMES + TURNED_FRAMES,
        "frame_interval_ms": TURN_INTERVAL_MS,
        "neutral_frames": NEUTRAL_FRAMES,
        "turned_frames": TURNED_FRAMES,
    }
