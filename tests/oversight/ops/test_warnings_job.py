"""The warnings job over real trace and ledger rows: CLI twin, idempotence, pages, drill-down."""

from __future__ import annotations

from datetime import timedelta

from page_words import raw_codes
from skilltrace.extensions import db
from skilltrace.identity.models import Role, utcnow
from skilltrace.oversight.models import OversightWarning
from skilltrace.oversight.warnings import client_ip, run_warnings
from skilltrace.study.models import FaceCheck, StudySession
from skilltrace.traces.services import TraceLog


def _session(world, learner, at, client_info="") -> StudySession:
    session = StudySession(
        learner_id=learner.id,
        lesson_id=world.lesson.id,
        class_id=world.class_.id,
        course_id=world.course.id,
        state="ended",
        started_at=at,
        client_info=client_info,
    )
    db.session.add(session)
    db.session.flush()
    return session


def _study_from_one_ip(world, at):
    trace = TraceLog(db.session)
    for n, learner in enumerate(world.learners[:3]):
        session = _session(world, learner, at, f"203.0.113.7 Mozilla/5.0 ({n})")
        trace.append(
            learner.id,
            "session_started",
            {"lesson_id": 1},
            session.id,
            at + timedelta(seconds=60 * n),
        )
    db.session.commit()


def test_client_ip_reads_the_first_word():
    assert client_ip("203.0.113.7 Mozilla/5.0") == "203.0.113.7"
    assert client_ip("::1 curl") == "::1"
    assert client_ip("Mozilla/5.0 (X11)") == ""
    assert client_ip(None) == ""


def test_job_is_registered_and_finds_warnings_with_evidence(app, world):
    assert app.extensions["skilltrace.jobs"]["oversight.warnings"][0] is run_warnings
    now = utcnow()
    trace = TraceLog(db.session)
    taken = world.learners[5]
    for minutes in (1, 2, 3):
        trace.append(
            taken.id,
            "session_taken_over",
            {"ended_session": minutes},
            None,
            now - timedelta(minutes=minutes),
        )
    _study_from_one_ip(world, now - timedelta(hours=1))
    session = _session(world, world.learners[6], now - timedelta(hours=2))
    for n in range(25):
        db.session.add(
            FaceCheck(
                session_id=session.id,
                learner_id=world.learners[6].id,
                kind="random",
                nonce_hash="0" * 64,
                issued_at=now - timedelta(hours=2, minutes=n),
                deadline_at=now - timedelta(hours=2, minutes=n - 1),
                status="failed" if n < 10 else "passed",
            )
        )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["oversight", "warnings"])
    assert result.exit_code == 0, result.output
    codes = {w.code: w for w in db.session.query(OversightWarning)}
    assert {"takeover_repeated", "shared_ip", "check_failure_rate"} <= set(codes)
    shared = codes["shared_ip"]
    assert sorted(shared.learner_ids) == sorted(x.id for x in world.learners[:3])
    assert len(shared.event_ids) == 3 and shared.city_code == "6101"
    assert codes["takeover_repeated"].learner_ids == [taken.id]
    assert codes["check_failure_rate"].figures["failure_rate"] == 0.4
    count = db.session.query(OversightWarning).count()

    again = run_warnings()  # idempotent: the same findings are updated, not added
    assert again["new"] == 0 and db.session.query(OversightWarning).count() == count


def test_pages_show_warnings_in_scope_with_drill_down(app, world, make_user, login):
    _study_from_one_ip(world, utcnow() - timedelta(minutes=30))
    run_warnings()
    warning = db.session.query(OversightWarning).filter_by(code="shared_ip").one()
    client = app.test_client()
    login(client, world.regulator)
    home = client.get("/regulator/").get_data(as_text=True)
    assert 'id="oversight-panel"' in home and "待处理预警：1条" in home
    listing = client.get("/oversight/warnings").get_data(as_text=True)
    assert f"/oversight/warnings/{warning.id}" in listing
    detail = client.get(f"/oversight/warnings/{warning.id}").get_data(as_text=True)
    assert "203.0.113.7" in detail and 'data-event-kind="session_started"' in detail
    # events and figures in words (issues 13 and 17), not codes, keys or JSON
    assert "开始学习" in detail and "IP 地址" in detail and "时间窗口（秒）" in detail
    assert raw_codes(detail, {"session_started", "window_s", "accounts", "lesson_id"}) == set()
    assert world.learners[0].id_number_masked in detail

    other = app.test_client()
    login(other, make_user(Role.REGULATOR, scope="6102"))  # 铜川: not the provider's city
    assert f"/oversight/warnings/{warning.id}" not in other.get("/oversight/warnings").get_data(
        as_text=True
    )
    assert other.get(f"/oversight/warnings/{warning.id}").status_code == 404


def test_new_warnings_notify_the_regulators_in_scope_once(app, world, make_user):
    from skilltrace.notices.models import Notice

    elsewhere = make_user(Role.REGULATOR, scope="6102")
    _study_from_one_ip(world, utcnow() - timedelta(minutes=30))
    run_warnings()
    run_warnings()  # nothing new: no second notice
    notices = db.session.query(Notice).filter_by(kind="warning_raised").all()
    assert [(n.user_id, n.params["count"]) for n in notices] == [(world.regulator.id, 1)]
    assert all(n.user_id != elsewhere.id for n in notices)
