"""The heartbeat after a passed check is as light as any other: folded in the state store."""

from sqlalchemy import event

from skilltrace.extensions import db


def statements_of(action):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return response, statements


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
