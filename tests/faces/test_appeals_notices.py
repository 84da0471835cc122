"""Notices of appeals and accommodations: regulators in scope hear of a new appeal, the learner
hears the outcome of an appeal (not of a mere proposal) and of an accommodation request, which
regulators overseeing the class hear of when it is made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.faces.accommodations import beijing_date
from skilltrace.notices.models import Notice
from skilltrace.notices.services import render

from .appeal_support import reviewer, voided_by_impostor_check, voided_by_missed_check
from .test_appeals_accommodations import ask, learner_client  # noqa: F401 (fixture)
from .test_appeals_api import appeal


def _notices(user_id: int) -> list[Notice]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notice).where(Notice.user_id == user_id)))


def test_a_new_appeal_reaches_regulators_in_scope_only(study, app, monkeypatch, make_user, login):
    city = reviewer(app, make_user, login, scope="6101")
    province = reviewer(app, make_user, login)
    outsider = reviewer(app, make_user, login, scope="6103")
    check = voided_by_impostor_check(study, app, monkeypatch)
    appeal_id = appeal(study, check.id).get_json()["id"]
    for regulator in (city, province):
        (notice,) = _notices(regulator.user.id)
        assert (notice.kind, notice.params, notice.link) == (
            "queue_item",
            {"what": "appeal"},
            f"/faces/appeals/{appeal_id}",
        )
    assert _notices(outsider.user.id) == []


def test_the_learner_hears_the_outcome_not_the_proposal(study, app, monkeypatch, make_user, login):
    learner = study.room.learner
    check = voided_by_missed_check(study, app, monkeypatch)
    appeal_id = appeal(study, check.id).get_json()["id"]
    first, second = reviewer(app, make_user, login), reviewer(app, make_user, login)
    path = f"/api/v1/face/appeals/{appeal_id}/decision"
    assert first.post(path, {"action": "overturn", "comment": "网络故障"}).status_code == 200
    assert _notices(learner.id) == []
    assert second.post(path, {"action": "confirm", "comment": "同意改判"}).status_code == 200
    (notice,) = _notices(learner.id)
    assert notice.kind == "appeal_decided"
    assert notice.params == {"decision": "approved", "note": "同意改判"}
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert "同意改判" in render(notice)


def test_an_upheld_appeal_is_told_as_rejected(study, app, monkeypatch, make_user, login):
    check = voided_by_impostor_check(study, app, monkeypatch)
    appeal_id = appeal(study, check.id).get_json()["id"]
    regulator = reviewer(app, make_user, login)
    path = f"/api/v1/face/appeals/{appeal_id}/decision"
    assert regulator.post(path, {"action": "uphold", "comment": "证据不足"}).status_code == 200
    (notice,) = _notices(study.room.learner.id)
    assert notice.params == {"decision": "rejected", "note": "证据不足"}


def test_accommodation_decisions_reach_the_learner(
    app,
    classroom,
    clock,
    learner_client,  # noqa: F811
    make_user,
    login,
):
    regulator = reviewer(app, make_user, login)
    outsider = reviewer(app, make_user, login, scope="6103")
    asked = ask(learner_client, classroom).get_json()["id"]
    (queued,) = _notices(regulator.user.id)
    assert (queued.kind, queued.params) == ("queue_item", {"what": "accommodation"})
    assert _notices(outsider.user.id) == []
    expires = (beijing_date(clock.now()) + timedelta(days=3)).isoformat()
    path = f"/api/v1/face/accommodations/{asked}/decision"
    granted = regulator.post(path, {"grant": True, "expires_on": expires, "comment": "同意"})
    assert granted.status_code == 200
    (notice,) = _notices(classroom.learner.id)
    assert notice.kind == "accommodation_decided"
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert render(queued) == "您的待办有新事项：特殊安排申请"
    assert notice.params == {"decision": "approved", "note": "同意"}
