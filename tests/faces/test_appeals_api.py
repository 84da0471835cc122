"""Appeals through the API: filing, the review queue and scope, the second-reviewer rule, the
race of two confirmations, and the overturn crediting the voided stretch (recompute agrees)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.faces.appeal_models import CheckAppeal, ReviewTransition
from skilltrace.identity.models import Role
from skilltrace.traces.services import verify_all

from .appeal_support import (
    credited,
    reviewer,
    trace_data,
    voided_by_impostor_check,
    voided_by_missed_check,
)

REASON = "我一直在学习，摄像头画面有反光。"


def appeal(study, check_id, reason=REASON):
    return study.post(f"/api/v1/me/face/checks/{check_id}/appeal", json={"reason": reason})


def recompute(app, learner_id):
    return app.test_cli_runner().invoke(args=["study", "recompute", str(learner_id)])


def test_overturn_confirmed_by_a_second_reviewer_credits_the_voided_stretch(
    study, app, monkeypatch, make_user, login
):
    check = voided_by_impostor_check(study, app, monkeypatch)
    learner = study.room.learner
    listed = study.client.get("/api/v1/me/face/checks").get_json()["checks"]
    row = next(c for c in listed if c["id"] == check.id)
    assert row["appealable"] and row["status"] == "failed" and row["appeal"] is None
    passed = next(c for c in listed if c["status"] == "passed")
    assert not passed["appealable"] and passed["not_appealable_because"] == "check_not_appealable"

    filed = appeal(study, check.id)
    assert filed.status_code == 201, filed.get_json()
    appeal_id = filed.get_json()["id"]
    again = appeal(study, check.id)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "appeal_exists"

    first, second = reviewer(app, make_user, login), reviewer(app, make_user, login)
    queue = first.client.get("/api/v1/face/appeals").get_json()["appeals"]
    assert [a["id"] for a in queue] == [appeal_id]
    detail = first.client.get(f"/api/v1/face/appeals/{appeal_id}").get_json()
    assert detail["reason"] == REASON and detail["check"]["reason"] == "impostor"
    assert len(detail["check"]["distances"]) == 3

    path = f"/api/v1/face/appeals/{appeal_id}/decision"
    proposed = first.post(path, {"action": "overturn", "comment": "画面确为本人"})
    assert proposed.get_json()["status"] == "overturn_proposed"
    assert credited(learner.id) == 0  # one reviewer is not enough
    own = first.post(path, {"action": "confirm", "comment": "确认"})
    assert own.status_code == 409
    assert own.get_json()["error"]["code"] == "second_reviewer_required"
    confirmed = second.post(path, {"action": "confirm", "comment": "同意推翻"})
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "overturned"

    assert credited(learner.id) == pytest.approx(35.0, abs=0.5)  # 30 s + the 5 s tail
    assert trace_data(learner.id, "check_overturned") == [
        {"check_id": check.id, "appeal_id": appeal_id, "reviewer_id": second.user.id}
    ]
    result = recompute(app, learner.id)
    assert result.exit_code == 0 and "equals the trace" in result.output, result.output
    assert all(report.broken is None for report in verify_all(db.session))
    mine = study.client.get("/api/v1/me/face/checks").get_json()["checks"]
    outcome = next(c for c in mine if c["id"] == check.id)["appeal"]
    assert outcome["status"] == "overturned" and outcome["decision_comment"] == "同意推翻"
    ledger = study.client.get("/api/v1/me/ledger").get_json()
    assert ledger["courses"][0]["lessons"][0]["covered_seconds"] == pytest.approx(35, abs=0.5)
    history = db.session.scalars(
        select(ReviewTransition.to_state)
        .where(ReviewTransition.subject == "appeal", ReviewTransition.subject_id == appeal_id)
        .order_by(ReviewTransition.id)
    ).all()
    assert history == ["open", "overturn_proposed", "overturned"]
    late = second.post(path, {"action": "uphold", "comment": "晚了"})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "appeal_already_decided"


def test_missed_check_overturn_and_uphold(study, app, monkeypatch, make_user, login):
    check = voided_by_missed_check(study, app, monkeypatch)
    appeal_id = appeal(study, check.id).get_json()["id"]
    first, second = reviewer(app, make_user, login), reviewer(app, make_user, login)
    path = f"/api/v1/face/appeals/{appeal_id}/decision"
    assert first.post(path, {"action": "overturn", "comment": "网络故障"}).status_code == 200
    rejected = second.post(path, {"action": "reject", "comment": "证据不足"})
    assert rejected.get_json()["status"] == "upheld"
    assert credited(study.room.learner.id) == 0
    assert trace_data(study.room.learner.id, "check_appeal_upheld")
    again = appeal(study, check.id)
    assert again.get_json()["error"]["code"] == "appeal_already_decided"


def test_missed_check_overturned_credits(study, app, monkeypatch, make_user, login):
    check = voided_by_missed_check(study, app, monkeypatch)
    appeal_id = appeal(study, check.id).get_json()["id"]
    first, second = reviewer(app, make_user, login), reviewer(app, make_user, login)
    path = f"/api/v1/face/appeals/{appeal_id}/decision"
    first.post(path, {"action": "overturn", "comment": "网络故障"})
    second.post(path, {"action": "confirm", "comment": "同意"})
    assert credited(study.room.learner.id) == pytest.approx(30.0, abs=0.5)
    assert recompute(app, study.room.learner.id).exit_code == 0


def test_out_of_scope_regulator_neither_sees_nor_decides(study, app, monkeypatch, make_user, login):
    check = voided_by_impostor_check(study, app, monkeypatch)
    appeal_id = appeal(study, check.id).get_json()["id"]
    outsider = reviewer(app, make_user, login, scope="6103")  # the provider is in 6101
    assert outsider.client.get("/api/v1/face/appeals").get_json()["appeals"] == []
    assert outsider.client.get(f"/api/v1/face/appeals/{appeal_id}").status_code == 404
    refused = outsider.post(
        f"/api/v1/face/appeals/{appeal_id}/decision", {"action": "uphold", "comment": "不在辖区"}
    )
    assert refused.status_code == 404
    assert refused.get_json()["error"]["code"] == "appeal_not_found"
    staff = make_user(Role.PROVIDER_STAFF, provider=study.room.class_.provider)
    client = app.test_client()
    login(client, staff)
    assert client.get(f"/api/v1/face/appeals/{appeal_id}").status_code == 403
    city = reviewer(app, make_user, login, scope="6101")
    assert city.client.get(f"/api/v1/face/appeals/{appeal_id}").status_code == 200


def test_another_learner_cannot_appeal_or_read(study, app, monkeypatch, make_user, login):
    check = voided_by_impostor_check(study, app, monkeypatch)
    appeal_id = appeal(study, check.id).get_json()["id"]
    other = make_user(Role.LEARNER)
    client = app.test_client()
    csrf = login(client, other)
    response = client.post(
        f"/api/v1/me/face/checks/{check.id}/appeal",
        json={"reason": REASON},
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/face/appeals/{appeal_id}").status_code == 404


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("短", "reason_invalid"),
        ("x" * 1001, "reason_invalid"),
        ("\x00\x01\x02\x03", "field_characters"),  # the API-wide text rule
    ],
)
def test_bad_reasons_are_refused(study, app, monkeypatch, reason, code):
    check = voided_by_impostor_check(study, app, monkeypatch)
    response = appeal(study, check.id, reason)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == code
    assert db.session.scalar(select(CheckAppeal.id)) is None


def test_the_appeal_window_closes_after_appeal_days(study, app, monkeypatch):
    check = voided_by_impostor_check(study, app, monkeypatch)
    monkeypatch.setitem(app.config, "APPEAL_DAYS", 2)
    study.clock.advance(timedelta(days=2).total_seconds() - 60)
    row = next(
        c
        for c in study.client.get("/api/v1/me/face/checks").get_json()["checks"]
        if c["id"] == check.id
    )
    assert row["appealable"]
    study.clock.advance(120)
    response = appeal(study, check.id)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "appeal_window_closed"
    assert "。" in response.get_json()["error"]["message"]  # Chinese by default


def test_two_reviewers_confirming_at_once_one_wins(study, app, monkeypatch, make_user, login):
    from skilltrace.faces.appeals import appeal_service
    from skilltrace.identity.models import User

    check = voided_by_impostor_check(study, app, monkeypatch)
    appeal_id = appeal(study, check.id).get_json()["id"]
    proposer = reviewer(app, make_user, login)
    proposer.post(
        f"/api/v1/face/appeals/{appeal_id}/decision", {"action": "overturn", "comment": "本人"}
    )
    confirmers = [make_user(Role.REGULATOR).id for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list = []

    def confirm(user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            service = appeal_service()
            barrier.wait()
            try:
                service.decide(user, appeal_id, "confirm", "确认推翻", study.clock.now())
                outcomes.append("won")
            except DomainError as err:
                outcomes.append(err.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(uid,)) for uid in confirmers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["appeal_already_decided", "won"]
    db.session.expire_all()
    assert len(trace_data(study.room.learner.id, "check_overturned")) == 1
    assert credited(study.room.learner.id) == pytest.approx(35.0, abs=0.5)  # not twice
    assert recompute(app, study.room.learner.id).exit_code == 0


def test_two_appeals_of_one_check_at_once_leave_one(study, app, monkeypatch):
    from skilltrace.faces.appeals import appeal_service
    from skilltrace.identity.models import User

    check = voided_by_impostor_check(study, app, monkeypatch)
    learner_id = study.room.learner.id
    barrier = threading.Barrier(2)
    outcomes: list = []

    def file() -> None:
        with app.app_context():
            learner = db.session.get(User, learner_id)
            service = appeal_service()
            barrier.wait()
            try:
                service.file(learner, check.id, REASON, study.clock.now())
                outcomes.append("filed")
            except DomainError as err:
                outcomes.append(err.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=file) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["appeal_exists", "filed"]
    assert len(db.session.scalars(select(CheckAppeal)).all()) == 1
    assert len(trace_data(learner_id, "check_appealed")) == 1
