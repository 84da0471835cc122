"""The study API driven as an honest learner and as a cheater would script it.

Every cheat ends with zero credited seconds and an event in the learner's trace."""

import pytest
from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.study.models import CreditedTime
from skilltrace.traces.models import TraceEvent
from skilltrace.traces.services import verify_all


def kinds(learner_id) -> list[str]:
    return list(
        db.session.scalars(
            select(TraceEvent.kind)
            .where(TraceEvent.learner_id == learner_id)
            .order_by(TraceEvent.seq)
        )
    )


def trace_data(learner_id, kind) -> list[dict]:
    import json

    rows = db.session.scalars(
        select(TraceEvent.event_json)
        .where(TraceEvent.learner_id == learner_id, TraceEvent.kind == kind)
        .order_by(TraceEvent.seq)
    )
    return [json.loads(r)["data"] for r in rows]


def credited(learner_id) -> float:
    return db.session.scalar(
        select(func.coalesce(func.sum(CreditedTime.seconds), 0.0)).where(
            CreditedTime.learner_id == learner_id
        )
    )


def test_honest_learner_is_credited_between_passed_checks(study, app):
    study.signed_in()
    for _ in range(4):
        beat = study.beat(15)
        assert beat.status_code == 200, beat.get_json()
        assert beat.get_json()["credited_seconds"] == 0  # not before a closing check
    final = study.finish()
    assert final["credited_seconds"] == pytest.approx(60, abs=0.5)
    learner = study.room.learner
    assert credited(learner.id) == pytest.approx(60, abs=0.5)
    ledger = study.client.get("/api/v1/me/ledger").get_json()
    lesson = ledger["courses"][0]["lessons"][0]
    assert lesson["covered_seconds"] == pytest.approx(60, abs=0.5)
    assert ledger["courses"][0]["attested_hours"] == pytest.approx(1.0, abs=0.01)  # 1 min/学时
    assert {
        "session_started",
        "check_issued",
        "check_passed",
        "stretch_credited",
        "session_ended",
    } <= set(kinds(learner.id))
    assert all(report.broken is None for report in verify_all(db.session))
    result = app.test_cli_runner().invoke(args=["study", "recompute", learner.mobile])
    assert result.exit_code == 0, result.output
    assert "stored ledger equals the trace" in result.output


def test_random_check_arrives_in_a_heartbeat_and_credits_the_stretch(study, app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_CHECK_MIN_S", 40)
    monkeypatch.setitem(app.config, "FACE_CHECK_MAX_S", 40)
    study.signed_in()
    assert study.beat(15).get_json()["check"] is None
    assert study.beat(15).get_json()["check"] is None
    due = study.beat(15).get_json()  # 45 s after the sign-in: the check is due
    assert due["state"] == "checking" and due["check"]["kind"] == "random"
    assert "next" not in str(due).lower()  # nothing announces the following check
    passed = study.answer(due["check"]).get_json()
    assert passed["passed"] and passed["credited_seconds"] == pytest.approx(45, abs=0.5)


def test_a_session_without_a_closing_check_credits_nothing(study):
    study.signed_in()
    for _ in range(3):
        study.beat(15)
    ended = study.end(abandon=True).get_json()
    assert ended["state"] == "ended" and ended["credited_seconds"] == 0
    assert trace_data(study.room.learner.id, "stretch_voided")[0]["reason"] == "unattested_end"


def test_impostor_frames_fail_and_credit_nothing(study):
    started = study.start().get_json()
    result = study.answer(started["check"], person="biden/biden2.jpg").get_json()
    assert not result["passed"] and result["reason"] == "impostor"
    assert result["state"] == "suspended"
    assert all(d is None or d > 1.15 for d in result["distances"])
    study.beat(15)
    assert credited(study.room.learner.id) == 0
    failed = trace_data(study.room.learner.id, "check_failed")
    assert failed[0]["reason"] == "impostor" and failed[0]["final"]


def test_two_faces_in_frame_fail(study):
    started = study.start().get_json()
    frames_from = "../cases/two_faces_obama_biden.jpg"
    result = study.answer(started["check"], person=frames_from).get_json()
    assert not result["passed"] and result["reason"] == "multiple_faces"


def test_identical_frames_are_a_replay(study):
    started = study.start().get_json()
    frame = (study.room.photos / "obama" / "obama1.jpg").read_bytes()
    result = study.answer(started["check"], frames=[frame, frame, frame]).get_json()
    assert not result["passed"] and result["reason"] == "replayed_frames"


def test_replayed_check_frames_void_the_stretch(study, app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_REPLAY_MEMORY", True)
    monkeypatch.setitem(app.config, "FACE_CHECK_MIN_S", 30)
    monkeypatch.setitem(app.config, "FACE_CHECK_MAX_S", 30)
    from media_fixtures import jpeg_frames

    recorded = jpeg_frames(study.room.photos / "obama" / "obama1.jpg", 3, seed=99)
    started = study.start().get_json()
    assert study.answer(started["check"], frames=recorded).get_json()["passed"]
    study.beat(15)
    check = study.beat(15).get_json()["check"]
    result = study.answer(check, frames=recorded).get_json()  # the same recording again
    assert not result["passed"] and result["reason"] == "replayed_frames"
    assert result["state"] == "suspended"
    assert credited(study.room.learner.id) == 0
    assert trace_data(study.room.learner.id, "stretch_voided")[0]["reason"] == "check_failed"


def test_reused_nonce_is_refused_and_traced(study):
    started = study.start().get_json()
    assert study.answer(started["check"]).get_json()["passed"]
    again = study.answer(started["check"])
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "check_closed"
    assert trace_data(study.room.learner.id, "check_answer_refused")[0]["reason"] == "check_closed"


def test_wrong_nonce_is_refused(study):
    started = study.start().get_json()
    forged = study.answer(started["check"], nonce="guessed")
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "nonce_invalid"


def test_expired_nonce_suspends_the_session(study, app):
    started = study.start().get_json()
    study.clock.advance(app.config["FACE_CHECK_WINDOW_S"] + 1)
    late = study.answer(started["check"])
    assert late.status_code == 410 and late.get_json()["error"]["code"] == "check_expired"
    assert "check_missed" in kinds(study.room.learner.id)
    assert credited(study.room.learner.id) == 0


def test_missed_random_check_voids_the_stretch(study, app, monkeypatch):
    monkeypatch.setitem(app.config, "FACE_CHECK_MIN_S", 30)
    monkeypatch.setitem(app.config, "FACE_CHECK_MAX_S", 30)
    study.signed_in()
    study.beat(15)
    assert study.beat(15).get_json()["check"]["kind"] == "random"
    study.beat(app.config["FACE_CHECK_WINDOW_S"] + 1, playing=False, advance=0)
    after = study.beat(15, playing=False, advance=0).get_json()
    assert after["state"] == "suspended" and after["check"]["kind"] == "resume"
    assert trace_data(study.room.learner.id, "stretch_voided")[0]["reason"] == "check_missed"
    assert credited(study.room.learner.id) == 0


@pytest.mark.parametrize(
    ("beat", "anomaly"),
    [
        ({"advance": 60.0}, {"position_inconsistent", "seek_forward"}),  # faster than real time
        ({"rate": 2.0}, {"rate_too_high"}),
        ({"advance": 100.0}, {"seek_forward"}),  # a jump beyond anything watched
        ({"visible": False}, {"hidden"}),
        ({"wall": 120.0}, {"gap_too_long"}),
        ({"playing": False, "advance": 0.0}, {"not_playing"}),
    ],
)
def test_cheating_heartbeats_are_never_credited(study, beat, anomaly):
    study.signed_in()
    for _ in range(3):
        study.beat(**beat)
    final = study.finish()
    assert final["credited_seconds"] == 0
    assert credited(study.room.learner.id) == 0
    codes = [c for d in trace_data(study.room.learner.id, "heartbeat_anomaly") for c in d["codes"]]
    assert anomaly & set(codes)


def test_second_session_is_refused_unless_taking_over(study, app, login):
    study.signed_in()
    other_tab = app.test_client()
    csrf = login(other_tab, study.room.learner)
    refused = other_tab.post(
        "/api/v1/study/sessions",
        json={"lesson_id": study.room.lesson.id},
        headers={"X-CSRFToken": csrf},
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "session_active"
    taken = other_tab.post(
        "/api/v1/study/sessions",
        json={"lesson_id": study.room.lesson.id, "take_over": True},
        headers={"X-CSRFToken": csrf},
    )
    assert taken.status_code == 201
    old = study.beat(15)
    assert old.status_code == 409 and old.get_json()["error"]["code"] == "session_ended"
    assert "session_taken_over" in kinds(study.room.learner.id)


def test_study_without_a_class_is_refused(study, make_user, app, login):
    stranger = make_user("learner")
    client = app.test_client()
    csrf = login(client, stranger)
    refused = client.post(
        "/api/v1/study/sessions",
        json={"lesson_id": study.room.lesson.id},
        headers={"X-CSRFToken": csrf},
    )
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "not_in_class"
    assert credited(stranger.id) == 0
    assert kinds(stranger.id) == ["session_refused"]


def test_unenrolled_learner_cannot_start(study, make_user, app, login):
    from skilltrace.courses.classes import class_service

    learner = make_user("learner")
    class_service().join(learner, study.room.class_.code)
    client = app.test_client()
    csrf = login(client, learner)
    refused = client.post(
        "/api/v1/study/sessions",
        json={"lesson_id": study.room.lesson.id},
        headers={"X-CSRFToken": csrf},
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "face_not_enrolled"


def test_heartbeats_of_another_learners_session_are_not_found(study, make_user, app, login):
    study.signed_in()
    intruder = app.test_client()
    csrf = login(intruder, make_user("learner"))
    response = intruder.post(
        f"/api/v1/study/sessions/{study.session_id}/heartbeats",
        json={"position": 1, "playing": True, "playback_rate": 1, "visible": True},
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"position": "x", "playing": True, "playback_rate": 1, "visible": True},
        {"playing": True, "playback_rate": 1, "visible": True},
        {"position": 1e400, "playing": True, "playback_rate": 1, "visible": True},
        {"position": -5, "playing": True, "playback_rate": 1, "visible": True},
        {"position": 5, "playing": True, "playback_rate": -1, "visible": True},
        {"position": 5, "playing": "yes", "playback_rate": 1, "visible": True},
    ],
)
def test_malformed_heartbeats_get_a_clear_error(study, body):
    study.signed_in()
    response = study.post(f"/api/v1/study/sessions/{study.session_id}/heartbeats", json=body)
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["code"]


def test_suspending_the_provider_stops_crediting(study, app, monkeypatch):
    from skilltrace.identity.models import ProviderStatus

    monkeypatch.setitem(app.config, "STUDY_ACCESS_RECHECK_S", 0)  # re-check at every beat
    study.signed_in()
    study.beat(15)
    provider = study.room.class_.provider
    provider.status = ProviderStatus.SUSPENDED
    db.session.commit()
    stopped = study.beat(15)
    assert stopped.status_code == 403
    assert stopped.get_json()["error"]["code"] == "provider_suspended"
    assert credited(study.room.learner.id) == 0
    ended = trace_data(study.room.learner.id, "session_ended")
    assert ended[-1]["reason"] == "not_allowed"


def test_no_check_credits_after_the_provider_is_suspended(study, app):
    """Between access re-checks a heartbeat is not refused, but no check can credit."""
    from skilltrace.identity.models import ProviderStatus

    study.signed_in()
    study.beat(15)
    study.room.class_.provider.status = ProviderStatus.SUSPENDED
    db.session.commit()
    assert study.beat(15).status_code == 200  # within STUDY_ACCESS_RECHECK_S
    ending = study.end().get_json()
    refused = study.answer(ending["check"])
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "provider_suspended"
    assert credited(study.room.learner.id) == 0


def test_quiet_heartbeats_do_not_touch_the_database(study, app):
    """A heartbeat that credits, voids and flags nothing is handled in the state store."""
    from sqlalchemy import event

    study.signed_in()
    study.beat(15)
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        quiet = study.beat(15)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert quiet.status_code == 200 and quiet.get_json()["state"] == "active"
    assert statements == []
    assert study.finish()["credited_seconds"] > 0


def test_flooded_heartbeats_are_answered_but_not_folded(study, app):
    study.signed_in()
    study.beat(15)
    before = study.beat(15).get_json()
    for _ in range(50):
        flood = study.beat(0.1, advance=0.1).get_json()
        assert flood["state"] == "active"
    from skilltrace.state import current_state

    size = len(current_state().get(f"study:session:{study.session_id}"))
    assert flood["lesson"] == before["lesson"]
    assert size < 4000
