"""The ``study.issue_checks`` job opens random checks off the heartbeat; a heartbeat still
opens a due check itself when no job is running."""

from datetime import timedelta

from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.state import current_state, held_lock
from skilltrace.study.issuing import issue_due_checks
from skilltrace.study.models import CheckStatus, FaceCheck, SessionState, StudySession
from skilltrace.tasks import run_job
from skilltrace.traces.models import TraceEvent

DUE_AFTER_S = 40


def session_row(study) -> StudySession:
    db.session.expire_all()
    return db.session.get(StudySession, study.session_id)


def open_checks(study) -> list[FaceCheck]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(FaceCheck).where(
                FaceCheck.session_id == study.session_id, FaceCheck.status == CheckStatus.OPEN
            )
        )
    )


def test_the_job_opens_a_due_check_which_the_next_heartbeat_shows(study, app, due_in_40s):
    study.signed_in()
    study.beat(15)
    study.beat(15)
    assert issue_due_checks() == 0  # due at 40 s, not yet
    study.clock.advance(11)
    assert run_job("study.issue_checks").startswith("done")
    [check] = open_checks(study)
    assert check.kind == "random" and session_row(study).state == SessionState.CHECKING
    # The learner hears of it at the next heartbeat: the window is one heartbeat longer.
    window = app.config["FACE_CHECK_WINDOW_S"] + app.config["HEARTBEAT_S"]
    assert check.deadline_at - check.issued_at == timedelta(seconds=window)
    issued = db.session.scalars(
        select(TraceEvent).where(
            TraceEvent.session_id == study.session_id, TraceEvent.kind == "check_issued"
        )
    ).all()
    assert len(issued) == 2  # the sign-in and this one
    shown = study.beat(4).get_json()
    assert shown["state"] == "checking" and shown["check"]["id"] == check.id
    assert shown["check"]["nonce"]
    verdict = study.answer(shown["check"]).get_json()
    assert verdict["passed"] and verdict["state"] == "active"
    assert issue_due_checks() == 0  # opened once
    assert len(open_checks(study)) == 0


def test_the_job_files_the_session_again_for_the_next_check(study, app, due_in_40s):
    study.signed_in()
    study.clock.advance(DUE_AFTER_S + 1)
    assert issue_due_checks() == 1
    shown = study.beat(0).get_json()
    assert study.answer(shown["check"]).get_json()["passed"]
    study.clock.advance(DUE_AFTER_S - 1)
    assert issue_due_checks() == 0
    study.clock.advance(2)
    assert issue_due_checks() == 1


def test_a_heartbeat_leaves_a_due_check_to_a_running_job(study, app, due_in_40s):
    study.signed_in()
    study.beat(15)
    study.beat(15)
    issue_due_checks()  # the job ran a moment ago: nothing was due
    early = study.beat(11).get_json()  # 1 s past due, within 3 job periods
    assert early["state"] == "active" and early["check"] is None
    assert open_checks(study) == []
    assert issue_due_checks() == 1
    assert study.beat(4).get_json()["check"] is not None


def test_a_heartbeat_opens_a_due_check_when_no_job_runs(study, app, due_in_40s):
    study.signed_in()
    study.beat(15)
    study.beat(15)
    due = study.beat(11).get_json()  # no job has run: the heartbeat opens it
    assert due["state"] == "checking" and due["check"]["kind"] == "random"
    [check] = open_checks(study)
    window = timedelta(seconds=app.config["FACE_CHECK_WINDOW_S"])
    assert check.deadline_at - check.issued_at == window  # the learner hears of it now
    assert issue_due_checks() == 0  # the job finds it open


def test_a_heartbeat_opens_the_check_when_the_job_is_late(study, app, due_in_40s):
    study.signed_in()
    study.beat(15)
    study.beat(15)
    issue_due_checks()
    late = study.beat(14).get_json()  # 4 s past due: more than 3 job periods
    assert late["state"] == "checking" and late["check"] is not None


def test_setting_the_period_to_zero_leaves_every_check_to_heartbeats(
    study, app, due_in_40s, monkeypatch
):
    monkeypatch.setitem(app.config, "FACE_CHECK_ISSUE_EVERY_S", 0)
    study.signed_in()
    study.beat(15)
    study.beat(15)
    issue_due_checks()
    assert study.beat(11).get_json()["state"] == "checking"


def test_the_job_leaves_ended_and_suspended_sessions(study, app, due_in_40s):
    study.signed_in()
    study.beat(15)
    assert study.end(abandon=True).get_json()["state"] == "ended"
    study.clock.advance(DUE_AFTER_S)
    assert issue_due_checks() == 0
    assert open_checks(study) == []


def test_a_busy_session_is_tried_again_at_the_next_run(study, app, due_in_40s):
    study.signed_in()
    study.clock.advance(DUE_AFTER_S + 1)
    with held_lock(current_state(), f"study:session:{study.session_id}"):
        assert issue_due_checks() == 0
    assert open_checks(study) == []
    study.clock.advance(1)
    assert issue_due_checks() == 1


def test_the_cli_twin_opens_due_checks(study, app, due_in_40s):
    study.signed_in()
    study.clock.advance(DUE_AFTER_S + 1)
    result = app.test_cli_runner().invoke(args=["study", "issue-checks"])
    assert result.exit_code == 0 and "1 checks opened" in result.output, result.output
