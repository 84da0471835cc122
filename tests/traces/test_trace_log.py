"""The stored trace: appends chain per learner; `flask traces verify` finds edits and deletions."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from skilltrace.extensions import db
from skilltrace.traces.chain import GENESIS
from skilltrace.traces.models import TraceEvent
from skilltrace.traces.services import TraceLog, verify_all


def tamper(sql: str, **params) -> None:
    """Change rows behind the application's back, as someone with database access could."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("ALTER TABLE trace_events DISABLE TRIGGER USER"))
    db.session.execute(text(sql), params)
    if postgres:
        db.session.execute(text("ALTER TABLE trace_events ENABLE TRIGGER USER"))
    db.session.commit()


@pytest.fixture
def chains(app, make_user):
    a, b = make_user(), make_user()
    log = TraceLog(db.session)
    for i in range(4):
        log.append(a.id, "heartbeat_anomaly", {"n": i, "position": 1.5 * i})
        log.append(b.id, "check_passed", {"distances": [0.31, 0.29, None]})
    db.session.commit()
    return a, b


def run_verify(app):
    return app.test_cli_runner().invoke(args=["traces", "verify"])


def test_appends_are_chained_per_learner(chains):
    a, _b = chains
    rows = db.session.scalars(
        db.select(TraceEvent).where(TraceEvent.learner_id == a.id).order_by(TraceEvent.seq)
    ).all()
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == GENESIS
    assert all(
        later.prev_hash == earlier.hash for earlier, later in zip(rows, rows[1:], strict=False)
    )
    assert [r.broken for r in verify_all(db.session)] == [None, None]


def test_verify_passes_on_an_intact_trace(app, chains):
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "2 chains, 8 events, 0 broken" in result.output


def test_verify_names_an_edited_row(app, chains):
    a, _b = chains
    tamper(
        "UPDATE trace_events SET event_json = replace(event_json, :old, :new) "
        "WHERE learner_id = :a AND seq = 3",
        old='"n":2',
        new='"n":7',
        a=a.id,
    )
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN learner {a.id}: first broken link at seq 3 (edited)" in result.output
    assert "1 broken" in result.output


def test_verify_names_a_deleted_row(app, chains):
    _a, b = chains
    tamper("DELETE FROM trace_events WHERE learner_id = :b AND seq = 2", b=b.id)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"BROKEN learner {b.id}: first broken link at seq 3 (seq_gap)" in result.output


def test_verify_notices_rows_cut_off_the_end(app, chains):
    a, _b = chains
    tamper("DELETE FROM trace_events WHERE learner_id = :a AND seq = 4", a=a.id)
    result = run_verify(app)
    assert f"BROKEN learner {a.id}: first broken link at seq 4 (truncated)" in result.output


def test_the_database_refuses_updates_and_deletes(app, chains):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL (the demo SQLite has none)")
    for sql in ("UPDATE trace_events SET kind = 'x'", "DELETE FROM trace_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(sql))
        db.session.rollback()
