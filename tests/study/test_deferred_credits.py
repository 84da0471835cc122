"""The first heartbeat after a passed check leaves its credit to the ``study.write_credits``
job while the job runs: answered from the state store, written once and in order."""

import pytest
from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.state import current_state, held_lock
from skilltrace.study.deferred import write_credits, write_deferred
from skilltrace.study.models import StudySession
from skilltrace.study.wiring import study_service
from skilltrace.traces.models import TraceEvent
from study_fixtures import statements_of


def row(study) -> StudySession:
    db.session.expire_all()
    return db.session.get(StudySession, study.session_id)


def kinds(study) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(TraceEvent.kind)
            .where(TraceEvent.session_id == study.session_id)
            .order_by(TraceEvent.seq)
        )
    )


def passed_with_time_before_it(study) -> None:
    """A random check passed 5 s after the last heartbeat (so the next one credits them)."""
    study.signed_in()
    study.beat(15)
    study.beat(15)
    due = study.beat(15).get_json()
    assert due["state"] == "checking"
    study.clock.advance(5)
    study.position += 5
    assert study.answer(due["check"]).get_json()["passed"]


def test_the_heartbeat_after_a_verdict_leaves_its_credit_to_the_job(study, app, due_in_40s):
    write_credits()  # the job runs
    passed_with_time_before_it(study)
    credited = row(study).credited_seconds
    answer, statements = statements_of(lambda: study.beat(5))
    assert answer.status_code == 200 and statements == [], statements
    body = answer.get_json()
    assert body["credited_seconds"] == pytest.approx(credited + 5, abs=0.2)
    assert row(study).credited_seconds == credited  # not written yet
    assert write_credits() == 1
    session = row(study)
    assert session.credited_seconds == pytest.approx(credited + 5, abs=0.2)
    assert kinds(study)[-1] == "stretch_credited"
    assert write_credits() == 0  # written once
    result = app.test_cli_runner().invoke(args=["study", "recompute", str(study.room.learner.id)])
    assert result.exit_code == 0 and "equals the trace" in result.output, result.output


def test_without_the_job_the_heartbeat_writes_its_credit_itself(study, app, due_in_40s):
    passed_with_time_before_it(study)
    credited = row(study).credited_seconds
    answer, statements = statements_of(lambda: study.beat(5))
    assert "INSERT" in statements
    assert row(study).credited_seconds == pytest.approx(credited + 5, abs=0.2)
    assert answer.get_json()["credited_seconds"] == pytest.approx(credited + 5, abs=0.2)


def test_a_credit_waiting_for_the_job_is_written_before_the_session_ends(study, app, due_in_40s):
    write_credits()
    passed_with_time_before_it(study)
    credited = row(study).credited_seconds
    study.beat(5)
    ended = study.end(abandon=True).get_json()
    assert ended["state"] == "ended"
    assert row(study).credited_seconds == pytest.approx(credited + 5, abs=0.2)
    trail = kinds(study)
    assert trail.index("stretch_credited", len(trail) - 4) < trail.index("session_ended")
    assert write_credits() == 0


def test_a_credit_waiting_for_the_job_is_written_before_a_missed_check(study, app, due_in_40s):
    write_credits()
    passed_with_time_before_it(study)
    credited = row(study).credited_seconds
    study.beat(5)
    study.beat(15)
    study.beat(15)
    shown = study.beat(15).get_json()  # the next check: the heartbeat opens it (no issuer)
    assert shown["state"] == "checking"
    study.clock.advance(app.config["FACE_CHECK_WINDOW_S"] + 1)
    result = app.test_cli_runner().invoke(args=["study", "expire-checks"])
    assert "1 checks missed" in result.output, result.output
    trail = kinds(study)
    assert trail.index("stretch_credited", len(trail) - 6) < trail.index("check_missed")
    assert row(study).credited_seconds == pytest.approx(credited + 5, abs=0.2)


def test_a_credit_is_written_once_even_if_the_live_state_was_not_saved(study, app, due_in_40s):
    write_credits()
    passed_with_time_before_it(study)
    credited = row(study).credited_seconds
    study.beat(5)
    service = study_service()
    session = db.session.get(StudySession, study.session_id)
    live = service.live.load(study.session_id)
    assert write_deferred(service, session, live)  # written, then the process died:
    db.session.commit()  # the live state still holds the credit
    assert write_credits() == 0
    assert row(study).credited_seconds == pytest.approx(credited + 5, abs=0.2)
    assert kinds(study).count("stretch_credited") == 2  # the sign-in stretch and this one
    live = service.live.load(study.session_id)
    assert "deferred" not in live.header  # the job dropped the stale copy
    assert live.header["credited_seconds"] == pytest.approx(credited + 5, abs=0.2)


def test_a_busy_session_is_written_at_the_next_run(study, app, due_in_40s):
    write_credits()
    passed_with_time_before_it(study)
    study.beat(5)
    with held_lock(current_state(), f"study:session:{study.session_id}"):
        assert write_credits() == 0
    study.clock.advance(1)
    assert write_credits() == 1


def test_a_credit_waiting_for_the_job_goes_before_the_next_check_in_the_trace(
    study, app, due_in_40s
):
    from skilltrace.study.issuing import issue_due_checks

    write_credits()
    passed_with_time_before_it(study)
    credited = row(study).credited_seconds
    study.beat(5)  # left to the job, which has not run since
    study.clock.advance(40)
    assert issue_due_checks() == 1
    trail = kinds(study)
    assert trail[-2:] == ["stretch_credited", "check_issued"], trail
    assert row(study).credited_seconds == pytest.approx(credited + 5, abs=0.2)
    assert write_credits() == 0
