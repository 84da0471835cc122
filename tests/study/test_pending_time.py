"""The player shows time watched but not yet verified beside time credited."""

import pytest


def test_watched_time_is_pending_until_the_closing_check(study):
    study.signed_in()
    pending = []
    for _ in range(4):
        beat = study.beat(15)
        assert beat.status_code == 200, beat.get_json()
        assert beat.get_json()["credited_seconds"] == 0
        pending.append(beat.get_json()["pending_seconds"])
    assert pending == sorted(pending) and pending[-1] == pytest.approx(60, abs=15)
    final = study.finish()
    assert final["credited_seconds"] == pytest.approx(60, abs=0.5)
