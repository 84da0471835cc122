"""Accept -> verify -> apply: an answer is recorded as a pending attempt, verified by a face
worker (or in process without a broker) and applied exactly once."""

import base64
import io
import json

import pytest
from sqlalchemy import func, select

from media_fixtures import jpeg_frames
from skilltrace.extensions import db
from skilltrace.study.models import AttemptStatus, CheckAttempt, CreditedTime, FaceCheck
from skilltrace.traces.models import TraceEvent


def count(learner_id, kind) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(TraceEvent)
        .where(TraceEvent.learner_id == learner_id, TraceEvent.kind == kind)
    )


def accept(study, check, person="obama/obama1.jpg"):
    """Accept an answer without handing it to a worker (as if the broker lost it)."""
    from skilltrace.study.checks import accept_answer
    from skilltrace.study.wiring import study_service

    study.seed += 1
    frames = jpeg_frames(study.room.photos / person, 3, study.seed)
    attempt = accept_answer(
        study_service(), study.room.learner, study.session_id, check["id"], check["nonce"], frames
    )
    return attempt.id


def poll_url(study, check, attempt_id) -> str:
    return f"/api/v1/study/sessions/{study.session_id}/checks/{check['id']}/attempts/{attempt_id}"


def test_a_verdict_is_applied_once_however_often_it_is_run(study, monkeypatch):
    from skilltrace.study.verifying import verify_attempt

    monkeypatch.setitem(study.client.application.config, "FACE_CHECK_MIN_S", 40)
    monkeypatch.setitem(study.client.application.config, "FACE_CHECK_MAX_S", 40)
    study.signed_in()
    study.beat(15)
    study.beat(15)
    due = study.beat(15).get_json()["check"]
    attempt_id = accept(study, due)
    assert verify_attempt(attempt_id) == "passed"
    assert verify_attempt(attempt_id) == "already decided"  # a redelivered task
    learner_id = study.room.learner.id
    assert count(learner_id, "check_passed") == 2  # sign-in and this one
    credited = db.session.scalar(
        select(func.sum(CreditedTime.seconds)).where(CreditedTime.learner_id == learner_id)
    )
    assert credited == pytest.approx(45, abs=0.5)
    result = study.client.get(poll_url(study, due, attempt_id))
    assert result.status_code == 200 and result.get_json()["passed"]


def test_a_pending_answer_is_polled_and_blocks_a_second_one(study):
    from skilltrace.tasks import eager, enqueue_check

    started = study.start().get_json()
    check = started["check"]
    attempt_id = accept(study, check)
    second = study.answer(check)
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "check_pending"
    first = study.client.get(poll_url(study, check, attempt_id))
    if not eager():  # nobody was handed the attempt yet: pending until a worker gets it
        assert first.status_code == 202 and first.headers["Retry-After"] == "1"
        assert first.get_json()["status"] == "pending"
        enqueue_check(attempt_id)
    body = study.verdict(first).get_json()
    assert body["passed"] and body["state"] == "active" and body["check"] is None


def test_an_answer_sent_in_time_counts_after_the_deadline(study, app):
    from skilltrace.study.jobs import expire_checks

    started = study.start().get_json()
    check = started["check"]
    attempt_id = accept(study, check)
    study.clock.advance(app.config["FACE_CHECK_WINDOW_S"] + 5)
    missed, _handed = expire_checks()  # with a broker it hands the waiting answer over again
    assert missed == 0  # the answer in flight decides, not the deadline
    verdict = study.verdict(study.client.get(poll_url(study, check, attempt_id))).get_json()
    assert verdict["passed"], verdict
    db.session.expire_all()
    assert db.session.get(FaceCheck, check["id"]).status == "passed"


def test_an_answer_whose_frames_are_gone_is_lost_not_a_try(study):
    from skilltrace.state import current_state
    from skilltrace.study.checks import drop_frames
    from skilltrace.study.verifying import verify_attempt

    started = study.start().get_json()
    check = started["check"]
    attempt_id = accept(study, check)
    drop_frames(current_state(), attempt_id)
    assert verify_attempt(attempt_id).startswith("lost")
    lost = study.client.get(poll_url(study, check, attempt_id)).get_json()
    assert lost["reason"] == "answer_lost" and not lost["passed"]
    assert lost["check"]["id"] == check["id"] and lost["check"]["tries_left"] == 3
    again = study.answer(check).get_json()
    assert again["passed"], again
    statuses = db.session.scalars(
        select(CheckAttempt.status).where(CheckAttempt.check_id == check["id"])
    ).all()
    assert sorted(statuses) == [AttemptStatus.LOST, AttemptStatus.PASSED]


def test_an_attempt_of_another_learner_is_not_found(study, app, make_user, login):
    started = study.start().get_json()
    check = started["check"]
    answered = study.answer(check).get_json()
    other = app.test_client()
    login(other, make_user("learner"))
    url = poll_url(study, check, answered["attempt_id"])
    assert other.get(url).status_code == 404
    assert study.client.get(url + "9").status_code == 404


def test_frames_are_parked_encrypted(study):
    from skilltrace.state import current_state
    from skilltrace.study.checks import _frames_key, parked_frames

    started = study.start().get_json()
    check = started["check"]
    attempt_id = accept(study, check)
    parked = current_state().get(_frames_key(attempt_id))
    frames = parked_frames(current_state(), attempt_id)
    assert frames and all(frame[:2] == b"\xff\xd8" for frame in frames)  # JPEGs
    # no JPEG in the clear: each parked item is ciphertext, not the frame in base64
    # (a bare "/9j/" search fails at random: four base64 characters of ciphertext can spell it)
    sealed = [base64.b64decode(item) for item in json.loads(parked)]
    assert len(sealed) == len(frames)
    assert all(not item.startswith(b"\xff\xd8") for item in sealed)
    assert all(frame not in item for item, frame in zip(sealed, frames, strict=True))
    data = {"nonce": check["nonce"], "frames": [(io.BytesIO(frames[0]), "f.jpg")]}
    assert (
        study.post(
            f"/api/v1/study/sessions/{study.session_id}/checks/{check['id']}",
            data=data,
            content_type="multipart/form-data",
        ).status_code
        == 409
    )


@pytest.fixture
def verifier(app, monkeypatch):
    """Swap the face verifier the study service is built with; ``calls`` counts its runs."""
    from skilltrace.faces import checking

    calls, real = [], checking.verify_check
    state = {"raise": None}

    def verify(learner_id, frames, challenge):
        calls.append(learner_id)
        if state["raise"] is not None:
            raise state["raise"]
        return real(learner_id, frames, challenge)

    app.extensions.pop("skilltrace.study.service", None)
    monkeypatch.setattr(checking, "verify_check", verify)
    yield state, calls
    app.extensions.pop("skilltrace.study.service", None)


def test_a_burst_whose_runs_never_finish_fails_unverified_after_three(study, verifier):
    """A burst that kills its worker comes back from the broker; the fourth run does not
    verify it again: a failed try, traced, nothing credited, and the learner may retry."""
    from skilltrace.study.verifying import MAX_UNFINISHED_RUNS, verify_attempt

    state, calls = verifier
    started = study.start().get_json()
    check = started["check"]
    attempt_id = accept(study, check)
    state["raise"] = MemoryError("killed")  # in process, what a worker's death looks like
    for _ in range(MAX_UNFINISHED_RUNS):
        with pytest.raises(MemoryError):
            verify_attempt(attempt_id)
    state["raise"] = None
    assert verify_attempt(attempt_id) == AttemptStatus.FAILED
    assert len(calls) == MAX_UNFINISHED_RUNS  # the fourth run did not verify the burst
    verdict = study.client.get(poll_url(study, check, attempt_id)).get_json()
    assert verdict["reason"] == "answer_unverifiable" and not verdict["passed"]
    assert not verdict["final"] and verdict["state"] != "active"
    assert verdict["check"]["id"] == check["id"] and verdict["check"]["tries_left"] == 2
    learner_id = study.room.learner.id
    failed = db.session.scalars(
        select(TraceEvent.event_json).where(
            TraceEvent.learner_id == learner_id, TraceEvent.kind == "check_failed"
        )
    ).all()
    assert [json.loads(event)["data"]["reason"] for event in failed] == ["answer_unverifiable"]
    assert count(learner_id, "check_passed") == 0
    again = study.answer(check).get_json()
    assert again["passed"], again


def test_database_hiccups_do_not_use_up_a_bursts_runs(study, verifier):
    from sqlalchemy.exc import OperationalError

    from skilltrace.study.verifying import MAX_UNFINISHED_RUNS, verify_attempt

    state, calls = verifier
    started = study.start().get_json()
    check = started["check"]
    attempt_id = accept(study, check)
    state["raise"] = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    for _ in range(MAX_UNFINISHED_RUNS + 1):
        with pytest.raises(OperationalError):
            verify_attempt(attempt_id)
    state["raise"] = None
    assert verify_attempt(attempt_id) == AttemptStatus.PASSED
    assert len(calls) == MAX_UNFINISHED_RUNS + 2


def test_a_burst_whose_verification_raises_is_a_failed_try_within_seconds(study, verifier):
    """A verification that raises (a bug, the soft time limit) is run again at once, by the
    face worker or by the next poll: after three runs the answer is a failed try, not one
    left pending for 90 s and then lost (never a try); the learner sees no server error."""
    from skilltrace.study.verifying import MAX_UNFINISHED_RUNS

    state, calls = verifier
    check = study.start().get_json()["check"]
    state["raise"] = RuntimeError("a bug in the face engine")
    result = study.answer(check)
    body = result.get_json()
    assert result.status_code == 200, body
    assert not body["passed"] and body["reason"] == "answer_unverifiable", body
    assert body["check"]["id"] == check["id"] and body["check"]["tries_left"] == 2
    assert len(calls) == MAX_UNFINISHED_RUNS
    state["raise"] = None
    assert study.answer(check).get_json()["passed"]


def test_parked_frames_that_cannot_be_unsealed_count_as_unfinished_runs(study):
    """Unsealing the parked frames is part of a run: frames that fail their authentication
    tag are never verified, and the fourth run fails the attempt unverified."""
    from skilltrace.state import current_state
    from skilltrace.study.verifying import MAX_UNFINISHED_RUNS, verify_attempt

    check = study.start().get_json()["check"]
    attempt_id = accept(study, check)
    key = f"study:attempt:{attempt_id}:frames"
    sealed = json.loads(current_state().get(key))
    tampered = bytearray(base64.b64decode(sealed[0]))
    tampered[-1] ^= 1
    sealed[0] = base64.b64encode(bytes(tampered)).decode()
    current_state().set(key, json.dumps(sealed), ttl=60)
    for _ in range(MAX_UNFINISHED_RUNS):
        with pytest.raises(Exception):  # noqa: B017 - whatever the cipher raises
            verify_attempt(attempt_id)
    assert verify_attempt(attempt_id) == AttemptStatus.FAILED
    verdict = study.client.get(poll_url(study, check, attempt_id)).get_json()
    assert verdict["reason"] == "answer_unverifiable" and len(verdict["distances"]) == 3
