"""Heartbeats read the jobs' marks in the state store once and remember them for as long as
what was read stays true (``study.due.JobMarks``): a job's alive key until its TTL runs out,
the access re-check's newest complete run until it is older than the re-check period."""

import time
from types import SimpleNamespace

import pytest

from skilltrace.state import InProcessState
from skilltrace.study.access import CHECKED_KEY, access_checked_at
from skilltrace.study.due import JobMarks, job_alive

RECHECK_S = 60.0


class CountingState(InProcessState):
    """The in-process store, counting the reads heartbeats make of the jobs' marks."""

    def __init__(self):
        super().__init__(prefix="t:")
        self.reads: list[str] = []

    def get(self, key):
        self.reads.append(key)
        return super().get(key)

    def ttl(self, key):
        self.reads.append(key)
        return super().ttl(key)


@pytest.fixture
def service():
    config = {"FACE_CHECK_ISSUE_EVERY_S": 0.1, "STUDY_ACCESS_RECHECK_S": RECHECK_S}
    return SimpleNamespace(
        c=SimpleNamespace(config=config, state=CountingState()), marks=JobMarks()
    )


def test_an_alive_key_is_read_once_while_it_lives_then_read_again(service):
    state = service.c.state
    state.set("job", "1", ttl=0.3)
    assert [job_alive(service, "job") for _ in range(20)] == [True] * 20
    assert state.reads == ["job"]  # its remaining life read once
    time.sleep(0.35)  # the job stopped: its key ran out, and so did what was remembered
    assert job_alive(service, "job") is False
    assert len(state.reads) > 1


def test_a_job_that_never_ran_is_asked_for_every_time(service):
    assert [job_alive(service, "job") for _ in range(3)] == [False] * 3
    assert len(service.c.state.reads) >= 3  # nothing remembered from an absence


def test_jobs_switched_off_are_never_alive(service):
    service.c.config["FACE_CHECK_ISSUE_EVERY_S"] = 0
    service.c.state.set("job", "1", ttl=60)
    assert job_alive(service, "job") is False and service.c.state.reads == []


@pytest.mark.parametrize(
    ("own", "run", "now", "expected", "reads"),
    [
        pytest.param(1000.0, 900.0, 1030.0, 1000.0, 0, id="own check recent: nothing read"),
        pytest.param(900.0, 1000.0, 1030.0, 1000.0, 1, id="own check old: the run read"),
        pytest.param(900.0, None, 1030.0, 900.0, 1, id="no run: own check kept"),
    ],
)
def test_the_access_check_time_is_the_newest_known(service, own, run, now, expected, reads):
    if run is not None:
        service.c.state.set(CHECKED_KEY, repr(run), ttl=RECHECK_S)
    assert access_checked_at(service, {"access_at": own}, now) == expected
    assert len(service.c.state.reads) == reads


def test_a_run_read_once_serves_every_session_until_it_is_too_old(service):
    state = service.c.state
    state.set(CHECKED_KEY, repr(1000.0), ttl=RECHECK_S)
    headers = [{"access_at": 900.0 + n} for n in range(50)]  # fifty sessions, all due
    assert {access_checked_at(service, h, 1030.0) for h in headers} == {1000.0}
    assert state.reads == [CHECKED_KEY]
    state.set(CHECKED_KEY, repr(1055.0), ttl=RECHECK_S)  # the next run
    assert access_checked_at(service, headers[0], 1059.0) == 1000.0  # still within its period
    assert access_checked_at(service, headers[0], 1060.0) == 1055.0  # too old: read again
    assert state.reads == [CHECKED_KEY] * 2


def test_a_remembered_run_never_vouches_past_its_period(service):
    """The job stopped: the remembered run is too old, the store has none, and the heartbeat
    gets a time that sends it to re-check access itself."""
    service.c.state.set(CHECKED_KEY, repr(1000.0), ttl=RECHECK_S)
    assert access_checked_at(service, {"access_at": 900.0}, 1030.0) == 1000.0
    service.c.state.delete(CHECKED_KEY)
    checked = access_checked_at(service, {"access_at": 900.0}, 1070.0)
    assert 1070.0 - checked >= RECHECK_S
