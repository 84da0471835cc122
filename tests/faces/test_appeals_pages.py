"""Pages of appeals and accommodations: the learner's checks, the regulators' queue and review
page (each picture read logged), decisions by form, the attendance page and home panels."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.faces.accommodations import beijing_date
from skilltrace.faces.appeal_models import Accommodation, CheckAppeal
from skilltrace.faces.models import FaceAccessLog
from skilltrace.identity.models import Role

from .appeal_support import credited, reviewer, voided_by_impostor_check

REASON = "我一直在屏幕前学习。"


def form_post(client, path, data):
    token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    return client.post(path, data={"csrf_token": token, **data})


def test_learner_appeals_from_the_page_and_sees_the_outcome(
    study, app, monkeypatch, make_user, login
):
    check = voided_by_impostor_check(study, app, monkeypatch)
    page = study.client.get("/faces/checks").get_data(as_text=True)
    assert f'id="check-{check.id}"' in page and "申诉" in page  # Chinese by default
    assert f"/faces/checks/{check.id}/appeal" in page
    done = form_post(study.client, f"/faces/checks/{check.id}/appeal", {"reason": REASON})
    assert done.status_code == 302
    appeal = db.session.scalar(select(CheckAppeal))
    assert appeal.reason == REASON
    page = study.client.get("/faces/checks").get_data(as_text=True)
    assert 'data-appeal-status="open"' in page

    first, second = reviewer(app, make_user, login), reviewer(app, make_user, login)
    queue = first.client.get("/faces/appeals").get_data(as_text=True)
    assert f'id="appeal-{appeal.id}"' in queue
    review = first.client.get(f"/faces/appeals/{appeal.id}").get_data(as_text=True)
    assert REASON in review and "画面中的人脸与已采集的学员不符" in review  # not "impostor"
    # The distances are explained with the threshold the checks use, not shown as JSON.
    from skilltrace.faces.runtime import engine_settings

    limit = engine_settings(app.config).match_threshold
    assert f"（不超过 {limit:.2f} 判定为本人）" in review and "<code>[" not in review
    pictures = [f"/faces/snapshots/{check.snapshot_id}"] if check.snapshot_id else []
    pictures += [
        part.split('"')[0]
        for part in review.split('src="')[1:]
        if part.startswith("/faces/photos/")
    ]
    assert any(p.startswith("/faces/photos/") for p in pictures)
    for picture in pictures:
        assert picture in review
        response = first.client.get(picture)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
    logged = db.session.scalar(
        select(func.count())
        .select_from(FaceAccessLog)
        .where(FaceAccessLog.reader_id == first.user.id)
    )
    assert logged == len(pictures)

    path = f"/faces/appeals/{appeal.id}/decision"
    form_post(first.client, path, {"action": "overturn", "comment": "确为本人"})
    form_post(first.client, path, {"action": "confirm", "comment": "自己确认"})
    db.session.expire_all()
    assert db.session.get(CheckAppeal, appeal.id).status == "overturn_proposed"
    form_post(second.client, path, {"action": "confirm", "comment": "同意"})
    db.session.expire_all()
    assert db.session.get(CheckAppeal, appeal.id).status == "overturned"
    assert credited(study.room.learner.id) > 30
    page = study.client.get("/faces/checks").get_data(as_text=True)
    assert 'data-appeal-status="overturned"' in page and "同意" in page


def test_out_of_scope_regulator_gets_404_on_the_review_page(
    study, app, monkeypatch, make_user, login
):
    check = voided_by_impostor_check(study, app, monkeypatch)
    form_post(study.client, f"/faces/checks/{check.id}/appeal", {"reason": REASON})
    appeal = db.session.scalar(select(CheckAppeal))
    outsider = reviewer(app, make_user, login, scope="6103")
    assert outsider.client.get(f"/faces/appeals/{appeal.id}").status_code == 404
    assert f'id="appeal-{appeal.id}"' not in outsider.client.get("/faces/appeals").get_data(
        as_text=True
    )
    learner = study.client.get(f"/faces/appeals/{appeal.id}")
    assert learner.status_code == 403


def test_accommodation_by_form_and_visible_on_the_regulator_learner_page(
    app, classroom, clock, make_user, login
):
    client = app.test_client()
    login(client, classroom.learner)
    page = client.get("/faces/checks").get_data(as_text=True)
    assert 'id="my-accommodations"' in page
    form_post(
        client,
        "/faces/accommodations",
        {"class_id": classroom.class_.id, "kind": "attended", "reason": "我没有摄像头设备。"},
    )
    row = db.session.scalar(select(Accommodation))
    assert row is not None and row.kind == "attended"

    regulator = reviewer(app, make_user, login)
    queue = regulator.client.get("/faces/accommodations").get_data(as_text=True)
    assert f'id="accommodation-{row.id}"' in queue
    expires = (beijing_date(clock.now()) + timedelta(days=10)).isoformat()
    form_post(
        regulator.client,
        f"/faces/accommodations/{row.id}/decision",
        {"expires_on": expires, "comment": "同意", "grant": "批准"},
    )
    db.session.expire_all()
    assert db.session.get(Accommodation, row.id).status == "granted"
    learner_page = regulator.client.get(f"/oversight/learners/{classroom.learner.id}")
    assert learner_page.status_code == 200
    html = learner_page.get_data(as_text=True)
    assert 'id="learner-accommodations"' in html and 'data-accommodation-status="granted"' in html

    staff = make_user(Role.PROVIDER_STAFF, provider=classroom.class_.provider)
    staff_client = app.test_client()
    login(staff_client, staff)
    attendance = staff_client.get("/faces/attendance")
    assert attendance.status_code == 200
    assert classroom.learner.name in attendance.get_data(as_text=True)
    recorded = form_post(
        staff_client,
        "/faces/attendance",
        {
            "accommodation_id": row.id,
            "lesson_id": classroom.lesson.id,
            "day": beijing_date(clock.now()).isoformat(),
            "minutes": 1,
            "staff_name": "王老师",
        },
    )
    assert recorded.status_code == 302
    assert credited(classroom.learner.id) == 60.0
    bad = form_post(staff_client, "/faces/attendance", {"accommodation_id": row.id, "minutes": 1})
    assert bad.status_code in (404, 409, 422)


def test_home_panels_and_nav(app, classroom, make_user, login):
    client = app.test_client()
    login(client, classroom.learner)
    home = client.get("/learner/").get_data(as_text=True)
    assert 'id="face-checks-panel"' in home and "/faces/checks" in home
    regulator = reviewer(app, make_user, login)
    home = regulator.client.get("/regulator/").get_data(as_text=True)
    assert 'id="appeal-panel"' in home and "/faces/appeals" in home
