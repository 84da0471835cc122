"""A check answer waits for its verdict only while one of its web process's waiting seats is
free: a waiting answer holds a web thread, and heartbeats must not queue behind face work."""

import threading
import time
from types import SimpleNamespace

import pytest

from skilltrace.state import InProcessState
from skilltrace.study.attempts import WAITING_ROOM, wait_for_verdict


def _service():
    return SimpleNamespace(c=SimpleNamespace(state=InProcessState(prefix="t:")))


def _timed(*args) -> tuple[bool, float]:
    began = time.monotonic()
    waited = wait_for_verdict(*args)
    return waited, time.monotonic() - began


def test_an_answer_waits_while_a_seat_is_free():
    waited, took = _timed(_service(), 1, 0.2, 1)
    assert waited and took >= 0.2


@pytest.mark.parametrize(("seconds", "seats"), [(0.2, 0), (0, 1)], ids=["no seat", "no wait"])
def test_an_answer_without_a_seat_or_a_wait_returns_at_once(seconds, seats):
    waited, took = _timed(_service(), 1, seconds, seats)
    assert not waited and took < 0.05


def test_the_second_answer_of_a_process_returns_at_once_while_the_first_waits():
    first = threading.Thread(target=wait_for_verdict, args=(_service(), 1, 0.5, 1))
    first.start()
    time.sleep(0.05)
    waited, took = _timed(_service(), 2, 0.5, 1)
    first.join()
    assert not waited and took < 0.05
    assert WAITING_ROOM.enter(1)  # the seat is free again once the first answer left
    WAITING_ROOM.leave()


def test_a_verdict_ends_the_wait():
    service = _service()
    from skilltrace.study import checks

    checks.mark_done(service.c.state, 7, "passed")
    waited, took = _timed(service, 7, 2.0, 1)
    assert waited and took < 0.5


def test_a_verdict_given_while_the_answer_waits_wakes_it_at_once():
    service = _service()
    from skilltrace.study import checks

    timer = threading.Timer(0.2, checks.mark_done, (service.c.state, 8, "passed"))
    timer.start()
    waited, took = _timed(service, 8, 3.0, 1)
    timer.join()
    assert waited and 0.15 < took < 1.0
