"""The heartbeat after a passed check is as light as any other: folded in the state store."""

from study_fixtures import statements_of


def test_the_heartbeat_after_a_passed_random_check_does_not_touch_the_database(
    study, app, monkeypatch
):
    monkeypatch.setitem(app.config, "FACE_CHECK_MIN_S", 40)
    monkeypatch.setitem(app.config, "FACE_CHECK_MAX_S", 40)
    study.signed_in()
    study.beat(15)
    study.beat(15)
    due = study.beat(15).get_json()
    assert due["state"] == "checking"
    assert study.answer(due["check"]).get_json()["passed"]
    after, statements = statements_of(lambda: study.beat(5))
    assert after.status_code == 200 and after.get_json()["state"] == "active"
    assert statements == [], statements
