"""Scheduled jobs: registered by the domains, scheduled on beat, one runner at a time, each
with its CLI twin."""

from skilltrace.extensions import db
from skilltrace.study.models import FaceCheck, SessionState, StudySession


def test_the_beat_schedule_has_every_registered_job(app):
    from skilltrace.tasks import celery_app

    jobs = app.extensions["skilltrace.jobs"]
    assert {"study.sweep", "study.expire_checks", "faces.purge_snapshots"} <= set(jobs)
    schedule = celery_app.conf.beat_schedule
    for name, (_fn, every) in jobs.items():
        assert schedule[name]["args"] == (name,) and schedule[name]["schedule"] == every


def test_sweep_ends_a_session_whose_heartbeats_stopped(study, app):
    study.signed_in()
    study.beat(15)
    runner = app.test_cli_runner()
    assert "0 sessions ended" in runner.invoke(args=["study", "sweep"]).output
    from skilltrace.state import current_state

    current_state().delete(f"study:active:{study.room.learner.id}")  # the claim expired
    result = runner.invoke(args=["jobs", "run", "study.sweep"])
    assert result.exit_code == 0 and "done" in result.output, result.output
    db.session.expire_all()
    session = db.session.get(StudySession, study.session_id)
    assert session.state == SessionState.ENDED and session.end_reason == "expired"
    again = runner.invoke(args=["jobs", "run", "study.sweep"])
    assert again.exit_code == 0  # idempotent


def test_expire_checks_misses_an_overdue_check(study, app):
    started = study.start().get_json()
    study.clock.advance(app.config["FACE_CHECK_WINDOW_S"] + 1)
    result = app.test_cli_runner().invoke(args=["study", "expire-checks"])
    assert "1 checks missed" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(FaceCheck, started["check"]["id"]).status == "missed"
    assert db.session.get(StudySession, study.session_id).state == SessionState.SUSPENDED
    assert "0 checks missed" in app.test_cli_runner().invoke(args=["study", "expire-checks"]).output


def test_one_runner_at_a_time(app):
    from skilltrace.state import current_state, held_lock
    from skilltrace.tasks import run_job

    ran = []
    app.extensions["skilltrace.jobs"]["test.job"] = (lambda: ran.append(1), 60)
    try:
        with held_lock(current_state(), "job:test.job"):
            assert run_job("test.job") == "skipped: already running"
        assert ran == []
        assert run_job("test.job").startswith("done")
        assert ran == [1]
    finally:
        del app.extensions["skilltrace.jobs"]["test.job"]


def test_cli_lists_jobs_and_refuses_unknown_ones(app):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"]).output
    assert "study.sweep" in listed and "faces.purge_snapshots" in listed
    unknown = runner.invoke(args=["jobs", "run", "nope"])
    assert unknown.exit_code != 0 and "no job 'nope'" in unknown.output
