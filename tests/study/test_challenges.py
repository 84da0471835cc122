"""The liveness challenge: chosen by the server per check (pure rule, then through the API)."""

import pytest

from skilltrace.study.challenges import CHALLENGES, burst_plan, choose_challenge


def trace_data(learner_id, kind) -> list[dict]:
    import json

    from sqlalchemy import select

    from skilltrace.extensions import db
    from skilltrace.traces.models import TraceEvent

    rows = db.session.scalars(
        select(TraceEvent.event_json)
        .where(TraceEvent.learner_id == learner_id, TraceEvent.kind == kind)
        .order_by(TraceEvent.seq)
    )
    return [json.loads(r)["data"] for r in rows]


@pytest.mark.parametrize(
    ("setting", "mode", "expected"),
    [
        ("turn_left", "challenge", "turn_left"),
        ("turn_right", "challenge", "turn_right"),
        ("none", "challenge", None),
        ("turn_left", "match_only", None),
        ("random", "match_only", None),
        ("none", "match_only", None),
    ],
)
def test_fixed_choices(setting, mode, expected):
    assert choose_challenge(setting, mode) == expected


def test_random_uses_the_given_choice_over_both_turns():
    seen = []
    assert choose_challenge("random", "challenge", lambda options: seen.append(options) or "x")
    assert seen == [CHALLENGES]
    assert {choose_challenge("random", "challenge") for _ in range(60)} == set(CHALLENGES)


@pytest.mark.parametrize(("setting", "mode"), [("sideways", "challenge"), ("none", "nap")])
def test_unknown_values_are_refused(setting, mode):
    with pytest.raises(ValueError):
        choose_challenge(setting, mode)


@pytest.mark.parametrize(
    ("challenge", "frames", "neutral", "turned"),
    [(None, 3, 3, 0), ("turn_left", 5, 2, 3), ("turn_right", 5, 2, 3)],
)
def test_burst_plan(challenge, frames, neutral, turned):
    plan = burst_plan(challenge)
    assert (plan["frames"], plan["neutral_frames"], plan["turned_frames"]) == (
        frames,
        neutral,
        turned,
    )
    assert (plan["instruction"] is None) == (challenge is None)


def test_the_check_carries_the_servers_challenge(study, app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_CHALLENGE", "turn_left")
    started = study.start().get_json()
    check = started["check"]
    assert check["challenge"] == "turn_left" and check["frames"] == 5
    assert "左" in check["instruction"]  # Chinese instruction by default
    study.answer(check)
    issued = trace_data(study.room.learner.id, "check_issued")[0]
    assert issued["challenge"] == "turn_left"
    decided = trace_data(study.room.learner.id, "check_passed") or trace_data(
        study.room.learner.id, "check_failed"
    )
    assert decided[0]["challenge"] == "turn_left"
    assert decided[0]["liveness"]["challenge"] == "turn_left"  # what the verifier was asked


def test_match_only_learners_get_no_challenge(study, app, monkeypatch):
    from dataclasses import replace

    from skilltrace.study.models import FaceCheck
    from skilltrace.study.services import StudyService
    from skilltrace.study.wiring import study_service

    monkeypatch.setitem(app.config, "FACE_CHALLENGE", "random")
    asked = []

    def match_only(learner_id, class_id, now):
        asked.append((learner_id, class_id))
        return "match_only"

    service = StudyService(replace(study_service().c, check_mode=match_only))
    session, check, _nonce = service.start(study.room.learner, study.room.lesson.id)
    assert check.challenge is None
    assert asked == [(study.room.learner.id, study.room.class_.id)]
    assert service.c.db.get(FaceCheck, check.id).challenge is None
    assert session.id
