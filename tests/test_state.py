"""Both live-state stores give ``replace_if_unchanged`` the same meaning: one atomic
compare-and-set that also respects the session lock and the learner's active claim, and that
answers a refusal with the value it found."""

from __future__ import annotations

import os
import uuid

import pytest

from skilltrace.state import Claim, Guard, GuardFailed, InProcessState, RedisState, held_lock


@pytest.fixture
def redis_store():
    url = os.environ.get("REDIS_URL")
    if not url:  # under CI=true REDIS_URL is required (tests/conftest.py)
        pytest.skip("REDIS_URL is not set")
    store = RedisState(url, prefix=f"st-test-state-{uuid.uuid4().hex[:8]}:")
    yield store
    store.delete_prefix("")


@pytest.fixture(params=["in-process", "redis"])
def store(request):
    if request.param == "in-process":
        return InProcessState(prefix="t:")
    return request.getfixturevalue("redis_store")


CLAIM = Claim("active:7", "42", 30)


def replace(store, seen="old", claim=CLAIM):
    return store.replace_if_unchanged("live:42", seen, "new", 60, lock="live:42", claim=claim)


def test_writes_value_and_claim_when_nothing_moved(store):
    store.set("live:42", "old")
    assert replace(store).done is True
    assert store.get("live:42") == "new"
    assert store.get("active:7") == "42"
    assert 59 < store.ttl("live:42") <= 60
    assert 29 < store.ttl("active:7") <= 30


def test_renews_own_claim(store):
    store.set("live:42", "old")
    store.set("active:7", "42", ttl=1)
    assert replace(store).done is True
    assert store.ttl("active:7") > 29


@pytest.mark.parametrize(
    ("arrange", "found"),
    [
        pytest.param(lambda s: s.set("live:42", "changed"), "changed", id="value changed"),
        pytest.param(lambda s: None, None, id="value missing"),
        pytest.param(
            lambda s: (s.set("live:42", "old"), s.set("active:7", "43")),
            "old",
            id="claim of another",
        ),
    ],
)
def test_writes_nothing_when_something_moved_and_says_what_it_found(store, arrange, found):
    arrange(store)
    before = (store.get("live:42"), store.get("active:7"))
    swap = replace(store)
    assert not swap and swap.done is False
    assert swap.current == found  # read in the same step: the caller need not read again
    assert (store.get("live:42"), store.get("active:7")) == before


def test_a_value_that_looks_like_a_status_is_still_a_value(store):
    """Redis answers 1, 0 or -1 as integers: a stored "1" or "0" is not taken for one."""
    for stored in ("1", "0", "-1"):
        store.set("live:42", stored)
        swap = replace(store)
        assert swap.done is False and swap.current == stored


def test_a_guard_that_holds_lets_the_write_through(store):
    store.set("live:42", "old")
    store.set("gen:7", "g1")
    guard = Guard("gen:7", "g1")
    assert store.replace_if_unchanged(
        "live:42", "old", "new", 60, lock="live:42", claim=CLAIM, guard=guard
    ).done
    assert store.get("live:42") == "new"


@pytest.mark.parametrize("generation", ["g2", None], ids=["replaced", "missing"])
def test_a_guard_that_fails_raises_and_writes_nothing(store, generation):
    store.set("live:42", "old")
    if generation:
        store.set("gen:7", generation)

    class Ended(GuardFailed):
        pass

    with pytest.raises(Ended):
        store.replace_if_unchanged(
            "live:42",
            "old",
            "new",
            60,
            lock="live:42",
            claim=CLAIM,
            guard=Guard("gen:7", "g1", Ended),
        )
    assert store.get("live:42") == "old" and store.get("active:7") is None


def test_writes_nothing_while_the_lock_is_held(store):
    store.set("live:42", "old")
    with held_lock(store, "live:42"):
        swap = replace(store)
        assert swap.done is False and swap.current == "old"
    assert store.get("live:42") == "old" and store.get("active:7") is None
    assert replace(store).done is True


def test_redis_reloads_a_script_the_server_forgot(redis_store):
    redis_store.set("live:42", "old")
    redis_store.client.script_flush()
    assert replace(redis_store).done is True
    assert redis_store.get("live:42") == "new"


def test_redis_reconnects_once_after_a_broken_connection(redis_store):
    redis_store.set("live:42", "old")
    assert replace(redis_store).done is True  # this thread's own connection is open
    own = redis_store._own_connection()
    own.send_command("CLIENT", "ID")
    redis_store.client.client_kill_filter(_id=own.read_response())  # the server drops it
    redis_store.set("live:42", "old")
    assert replace(redis_store).done is True


def test_take_due_gives_each_due_member_once_earliest_first(store):
    store.schedule("due", "b", 20.0)
    store.schedule("due", "a", 10.0)
    store.schedule("due", "later", 99.0)
    store.schedule("due", "a", 15.0)  # filed again: its new time replaces the old
    assert store.take_due("due", 30.0, 10) == ["a", "b"]
    assert store.take_due("due", 30.0, 10) == []  # taken: nobody gets them twice
    store.unschedule("due", "later")
    assert store.take_due("due", 1000.0, 10) == []


def test_take_due_stops_at_its_limit(store):
    for n in range(5):
        store.schedule("due", str(n), float(n))
    assert store.take_due("due", 10.0, 2) == ["0", "1"]
    assert store.take_due("due", 10.0, 10) == ["2", "3", "4"]


def test_wait_pop_returns_a_pushed_item_or_none_after_the_timeout(store):
    import threading
    import time

    store.rpush("wake", "a")
    assert store.wait_pop("wake", 1.0) == "a"
    began = time.monotonic()
    assert store.wait_pop("wake", 0.2) is None
    assert 0.15 < time.monotonic() - began < 1.0
    threading.Timer(0.1, store.rpush, ("wake", "b")).start()
    assert store.wait_pop("wake", 2.0) == "b"
