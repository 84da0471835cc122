"""Session locks name their holder, so a killed holder does not keep others waiting."""

import signal
import socket
import subprocess
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
