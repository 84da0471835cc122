"""Notices: decisions notify the people waiting; the bell counts; mark read; the SMS seam."""

from __future__ import annotations

import re

from skilltrace.courses.classes import class_service
from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.notices.models import Notice
from skilltrace.notices.services import LoggingSms, notify


def test_class_decision_notifies_staff_and_bell_counts(app, world, login):
    from datetime import timedelta

    from skilltrace.courses.classes import local_today

    today = local_today()
    service = class_service()
    class_ = service.open_class(
        world.staff, world.course, "二期班", today, today + timedelta(days=5), 10, today=today
    )
    service.decide(world.regulator, class_, False, "材料不全", today=today)
    notice = db.session.query(Notice).filter_by(user_id=world.staff.id).one()
    assert notice.kind == "class_decided" and notice.params["decision"] == "rejected"

    client = app.test_client()
    login(client, world.staff)
    home = client.get("/provider/").get_data(as_text=True)
    assert re.search(r'class="count">1<', home)
    page = client.get("/notices/").get_data(as_text=True)
    assert "二期班" in page and "材料不全" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/notices/read", data={"csrf_token": token, "notice_id": str(notice.id)})
    assert re.search(r'class="count">0<', client.get("/provider/").get_data(as_text=True))


def test_nobody_reads_someone_elses_notice(app, world, login):
    notice = notify(world.staff.id, "queue_item", {"what": "课程"})
    db.session.commit()
    client = app.test_client()
    login(client, world.learners[0])
    page = client.get("/notices/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/notices/read", data={"csrf_token": token, "notice_id": str(notice.id)})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).read_at is None


def test_sms_seam_is_called_and_the_default_sends_nothing(app, world, monkeypatch):
    from skilltrace.notices import services

    sent = []

    class Recorder:
        def send(self, user_id, kind, params):
            sent.append((user_id, kind, params))

    app.extensions["skilltrace.sms"] = Recorder()
    try:
        notify(world.staff.id, "queue_item", {"what": "x"})
    finally:
        del app.extensions["skilltrace.sms"]
    assert sent == [(world.staff.id, "queue_item", {"what": "x"})]
    logged = []
    monkeypatch.setattr(services.log, "info", lambda *args: logged.append(args))
    LoggingSms().send(1, "queue_item", {})
    assert logged and "not sent" in logged[0][0]


def test_course_decision_notifies_staff(app, world):
    from skilltrace.courses.services import course_service

    world.course.status = "submitted"
    db.session.commit()
    regulator = world.regulator
    course_service().decide(regulator, world.course, True, "")
    kinds = [n.kind for n in db.session.query(Notice).filter_by(user_id=world.staff.id)]
    assert kinds == ["course_decided"]
    assert world.staff.role == Role.PROVIDER_STAFF
