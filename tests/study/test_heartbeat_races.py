"""Quiet heartbeats are saved without the session lock, only if nothing moved meanwhile."""

import json
import threading

from skilltrace.state import current_state, held_lock


def _stored_live(study):
    key = f"study:session:{study.session_id}"
    return key, json.loads(current_state().get(key))


def test_a_quiet_heartbeat_folds_into_the_store_not_a_stale_memory(study, app):
    """Another worker wrote the live state since this one did: the heartbeat is folded into
    what the store holds (its answer shows the store's figures), not into this worker's copy."""
    study.signed_in()
    study.beat(15)
    key, live = _stored_live(study)
    live["header"]["credited_seconds"] = 123.0  # as if another request had credited time
    current_state().set(key, json.dumps(live), ttl=3600)
    answer = study.beat(15).get_json()
    assert answer["credited_seconds"] == 123.0
    _, after = _stored_live(study)
    assert after["header"]["credited_seconds"] == 123.0
    assert after["header"]["last_beat_at"] > live["header"]["last_beat_at"]


def test_a_stale_memory_costs_one_failed_save_and_no_separate_read(study, app, monkeypatch):
    """The failed save against a stale copy returns what the store holds: the heartbeat folds
    into that and saves (two steps against the store, not a third to read it)."""
    study.signed_in()
    study.beat(15)
    key, live = _stored_live(study)
    live["header"]["credited_seconds"] = 77.0  # as if another worker had written meanwhile
    store = current_state()
    store.set(key, json.dumps(live), ttl=3600)
    steps = []
    for name in ("get", "replace_if_unchanged"):
        real = getattr(store, name)

        def spied(k, *args, _name=name, _real=real, **kwargs):
            steps.append((_name, k))
            return _real(k, *args, **kwargs)

        monkeypatch.setattr(store, name, spied)
    answer = study.beat(15).get_json()
    assert answer["credited_seconds"] == 77.0
    assert [step for step in steps if step[1] == key] == [("replace_if_unchanged", key)] * 2
    assert json.loads(store.get(key))["header"]["credited_seconds"] == 77.0


def test_a_heartbeat_waits_for_a_locked_request_of_its_session(study, app):
    """While another request of the session holds its lock, a heartbeat does not write past
    it: it waits for the lock and is folded after."""
    study.signed_in()
    study.beat(15)
    _, before = _stored_live(study)
    locked, release = threading.Event(), threading.Event()
    while_locked = []

    def hold():
        with app.app_context(), held_lock(current_state(), f"study:session:{study.session_id}"):
            locked.set()
            release.wait(10)
            while_locked.append(_stored_live(study)[1])

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait(5)
    timer = threading.Timer(0.3, release.set)
    timer.start()
    try:
        answer = study.beat(15)
    finally:
        release.set()
        holder.join()
    assert answer.status_code == 200 and answer.get_json()["state"] == "active"
    assert while_locked == [before]  # nothing written while the lock was held
    _, after = _stored_live(study)
    assert after["header"]["last_beat_at"] == before["header"]["last_beat_at"] + 15
