"""Session locks name their holder, so a killed holder does not keep others waiting."""

import os
import resource
import signal
import socket
import subprocess
import threading
import time

import pytest

from skilltrace.locks import HOLDER, LockBusy, _process_started, held_lock, holder_is_dead
from skilltrace.state import current_state


def token_of(pid: int, host: str | None = None) -> str:
    return f"{host or socket.gethostname()}:{pid}:{_process_started(pid)}:abcd"


@pytest.fixture
def doomed():
    process = subprocess.Popen(["sleep", "60"])
    token = token_of(process.pid)
    yield process, token
    if process.poll() is None:
        process.kill()
        process.wait()


def test_the_lock_names_this_process(app):
    with held_lock(current_state(), "study:session:1"):
        token = current_state().get("lock:study:session:1")
    assert token.startswith(f"{HOLDER}:")
    assert not holder_is_dead(token)
    assert current_state().get("lock:study:session:1") is None


def test_a_killed_holders_lock_is_taken_at_once(app, doomed):
    process, token = doomed
    state = current_state()
    state.set("lock:study:session:2", token, ttl=15)
    with pytest.raises(LockBusy), held_lock(state, "study:session:2", wait=0.2):
        pass  # alive: the lock holds
    process.send_signal(signal.SIGKILL)
    process.wait()
    began = time.monotonic()
    with held_lock(state, "study:session:2", wait=1):
        assert state.get("lock:study:session:2") != token
    assert time.monotonic() - began < 0.5


@pytest.mark.parametrize(
    "token",
    [
        "elsewhere:1:1:abcd",  # another host: left to the TTL
        "no-colons-at-all",
        f"{socket.gethostname()}:notapid:1:ab",
        f"{socket.gethostname()}:1:0:ab",  # start time unknown
    ],
)
def test_holders_that_cannot_be_judged_are_left_alone(app, token):
    assert not holder_is_dead(token)


def test_a_reused_pid_is_not_the_same_holder(app, doomed):
    process, token = doomed
    host, pid, started, rand = token.split(":")
    assert holder_is_dead(f"{host}:{pid}:{int(started) + 1}:{rand}")
    assert not holder_is_dead(token)


def test_a_waiter_looks_again_soon_then_less_often(app, monkeypatch):
    state = current_state()
    state.set("lock:study:session:3", f"{HOLDER}:held-elsewhere", ttl=15)
    pauses, real_sleep = [], time.sleep

    def sleep(seconds):
        pauses.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    with pytest.raises(LockBusy), held_lock(state, "study:session:3", wait=0.12):
        pass
    assert pauses[:6] == [0.001, 0.002, 0.004, 0.008, 0.016, 0.02]
    assert set(pauses[5:]) == {0.02}


def _policies_around_the_lock(state, key, setscheduler=None):
    """The thread's scheduling policy inside and after ``held_lock``, started as SCHED_IDLE."""
    seen = {}

    def run():
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # lowering is always allowed
        if setscheduler is not None:
            os.sched_setscheduler = setscheduler
        with held_lock(state, key):
            seen["inside"] = os.sched_getscheduler(0)
        seen["after"] = os.sched_getscheduler(0)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return seen


def _may_leave_idle() -> bool:
    """Root (as in CI), or RLIMIT_NICE allowing this nice value (as compose.yaml's workers)."""
    soft = resource.getrlimit(resource.RLIMIT_NICE)[0]
    return os.geteuid() == 0 or soft == resource.RLIM_INFINITY or soft >= 20 - os.nice(0)


def test_an_idle_holder_runs_at_normal_priority_while_it_holds_the_lock(app):
    seen = _policies_around_the_lock(current_state(), "study:session:4")
    assert seen["inside"] == (os.SCHED_OTHER if _may_leave_idle() else os.SCHED_IDLE)
    assert seen["after"] == os.SCHED_IDLE


def test_an_idle_holder_without_the_right_keeps_its_priority_and_the_lock(app, monkeypatch):
    real = os.sched_setscheduler
    monkeypatch.setattr(os, "sched_setscheduler", real)  # restored after the test

    def refused(pid, policy, param):
        if policy != os.SCHED_IDLE:
            raise PermissionError("Operation not permitted")
        real(pid, policy, param)

    state = current_state()
    seen = _policies_around_the_lock(state, "study:session:5", refused)
    assert seen == {"inside": os.SCHED_IDLE, "after": os.SCHED_IDLE}
    assert state.get("lock:study:session:5") is None  # released as usual
