"""The ``study.recheck_access`` job ends sessions whose learner may no longer study; while it
runs, heartbeats leave the access re-check to it, and without it they re-check themselves."""

import json

import pytest
from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.identity.models import ProviderStatus
from skilltrace.state import current_state, held_lock
from skilltrace.study.access import CHECKED_KEY, recheck_access, register
from skilltrace.study.models import CreditedTime, SessionState, StudySession
from skilltrace.tasks import run_job
from skilltrace.traces.models import TraceEvent
from study_fixtures import statements_of


@pytest.fixture
def no_random_checks(app, monkeypatch):
    """No random check falls due within these tests' few minutes."""
    monkeypatch.setitem(app.config, "FACE_CHECK_MIN_S", 3600)
    monkeypatch.setitem(app.config, "FACE_CHECK_MAX_S", 3600)


def ended_reasons(learner_id) -> list[str]:
    rows = db.session.scalars(
        select(TraceEvent.event_json).where(
            TraceEvent.learner_id == learner_id, TraceEvent.kind == "session_ended"
        )
    )
    return [json.loads(row)["data"]["reason"] for row in rows]


def credited(learner_id) -> float:
    return db.session.scalar(
        select(func.coalesce(func.sum(CreditedTime.seconds), 0.0)).where(
            CreditedTime.learner_id == learner_id
        )
    )


def session_row(study) -> StudySession:
    db.session.expire_all()
    return db.session.get(StudySession, study.session_id)


def suspend_provider(study) -> None:
    study.room.class_.provider.status = ProviderStatus.SUSPENDED
    db.session.commit()


def test_the_job_ends_a_session_whose_provider_was_suspended(study, no_random_checks):
    study.signed_in()
    study.beat(15)
    assert recheck_access() == 0
    assert session_row(study).state == SessionState.ACTIVE
    suspend_provider(study)
    assert run_job("study.recheck_access").startswith("done")
    row = session_row(study)
    assert row.state == SessionState.ENDED and row.end_reason == "not_allowed"
    assert ended_reasons(study.room.learner.id) == ["not_allowed"]
    told = study.beat(15)  # the learner's next heartbeat says why, in Chinese
    assert told.status_code == 403
    error = told.get_json()["error"]
    assert error["code"] == "provider_suspended" and "机构" in error["message"]
    assert credited(study.room.learner.id) == 0
    assert recheck_access() == 0  # ended once


def test_while_the_job_runs_heartbeats_do_not_recheck_access(study, no_random_checks):
    """Past STUDY_ACCESS_RECHECK_S since the sign-in, a heartbeat is still quiet (no SQL)
    because the job checked every running session half a period ago."""
    study.signed_in()
    for _ in range(6):  # 90 s: the job runs every 30 s, as beat would run it
        study.beat(15)
        study.beat(15)
        recheck_access()
    beat, statements = statements_of(lambda: study.beat(15))
    assert beat.status_code == 200 and beat.get_json()["state"] == "active"
    assert statements == []
    suspend_provider(study)
    assert study.beat(15).status_code == 200  # between two runs: not refused yet...
    assert recheck_access() == 1  # ...until the next run
    assert study.beat(15).get_json()["error"]["code"] == "provider_suspended"


def test_without_the_job_a_heartbeat_rechecks_access(study, no_random_checks):
    study.signed_in()
    suspend_provider(study)
    answers = [study.beat(15) for _ in range(4)]  # the 4th is 60 s after the sign-in
    assert [a.status_code for a in answers] == [200, 200, 200, 403]
    assert answers[-1].get_json()["error"]["code"] == "provider_suspended"
    assert session_row(study).end_reason == "not_allowed"


def test_a_run_counts_for_one_period_only(study, no_random_checks):
    study.signed_in()
    study.beat(15)
    study.beat(15)
    recheck_access()  # 30 s after the sign-in
    suspend_provider(study)
    answers = [study.beat(15) for _ in range(4)]  # 45, 60, 75 and 90 s
    assert [a.status_code for a in answers] == [200, 200, 200, 403]
    assert answers[-1].get_json()["error"]["code"] == "provider_suspended"


def test_a_run_that_could_not_end_a_refused_session_leaves_it_to_heartbeats(
    study, no_random_checks
):
    study.signed_in()
    recheck_access()
    stamp = current_state().get(CHECKED_KEY)
    assert stamp is not None
    suspend_provider(study)
    current_state().delete(CHECKED_KEY)
    with held_lock(current_state(), f"study:session:{study.session_id}"):
        assert recheck_access() == 0  # busy: not ended...
    assert current_state().get(CHECKED_KEY) is None  # ...and the run vouches for nobody
    answers = [study.beat(15) for _ in range(4)]
    assert answers[-1].status_code == 403
    assert session_row(study).state == SessionState.ENDED


def test_the_cli_twin_ends_refused_sessions(study, app, no_random_checks):
    study.signed_in()
    suspend_provider(study)
    result = app.test_cli_runner().invoke(args=["study", "recheck-access"])
    assert result.exit_code == 0 and "1 sessions ended" in result.output, result.output


@pytest.mark.parametrize(("recheck_s", "every"), [(60, 30.0), (2, 1.0), (1, None), (0, None)])
def test_the_job_runs_every_half_period_unless_heartbeats_do_it_all(recheck_s, every):
    jobs = {}
    register(jobs, {"STUDY_ACCESS_RECHECK_S": recheck_s})
    assert (jobs["study.recheck_access"][1] if jobs else None) == every


def test_the_app_registers_the_job(app):
    assert app.extensions["skilltrace.jobs"]["study.recheck_access"][1] == 30.0
