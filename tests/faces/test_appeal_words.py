"""Appeal pages speak in words, never in developer codes: the check's kind, status and reason,
the appeal's status and every step of its history (issues 13 and 17)."""

from __future__ import annotations

from sqlalchemy import select

from page_words import raw_codes
from skilltrace.extensions import db
from skilltrace.faces.appeal_models import CheckAppeal

from .appeal_support import reviewer, voided_by_impostor_check, voided_by_missed_check

CODES = {
    *("sign_in", "random", "resume", "closing"),  # check kinds
    *("open", "passed", "failed", "missed", "cancelled"),  # check statuses
    *("impostor", "deadline_passed", "turn_left", "turn_right"),  # reasons, challenges
    *("overturn_proposed", "upheld", "overturned"),  # appeal statuses
}
REASON = "我一直在屏幕前学习。"


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _appeal(study, check) -> CheckAppeal:
    token = study.client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    done = study.client.post(
        f"/faces/checks/{check.id}/appeal", data={"csrf_token": token, "reason": REASON}
    )
    assert done.status_code == 302
    return db.session.scalar(select(CheckAppeal).where(CheckAppeal.check_id == check.id))


def _decide(regulator, appeal, action: str, comment: str) -> None:
    token = regulator.client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    regulator.client.post(
        f"/faces/appeals/{appeal.id}/decision",
        data={"csrf_token": token, "action": action, "comment": comment},
    )


def test_failed_check_and_its_appeal_in_words(study, app, monkeypatch, make_user, login):
    check = voided_by_impostor_check(study, app, monkeypatch)
    mine = _page(study.client, "/faces/checks")
    assert raw_codes(mine, CODES) == set()
    assert "画面中的人脸与已采集的学员不符" in mine and "未通过" in mine and "已通过" in mine

    appeal = _appeal(study, check)
    mine = _page(study.client, "/faces/checks")
    assert raw_codes(mine, CODES) == set() and "等待审核" in mine

    first, second = reviewer(app, make_user, login), reviewer(app, make_user, login)
    queue = _page(first.client, "/faces/appeals")
    assert raw_codes(queue, CODES) == set() and "等待审核" in queue
    review = _page(first.client, f"/faces/appeals/{appeal.id}")
    assert raw_codes(review, CODES) == set()
    assert "随机核验" in review and "未通过" in review and "等待审核" in review
    assert 'data-check-kind="random"' in review  # the code stays for scripts, not shown

    _decide(first, appeal, "overturn", "确为本人")
    review = _page(second.client, f"/faces/appeals/{appeal.id}")
    assert raw_codes(review, CODES) == set()
    assert "已提议推翻，等待第二名审核人" in review
    _decide(second, appeal, "confirm", "同意")
    for client, path in (
        (second.client, f"/faces/appeals/{appeal.id}"),
        (second.client, "/faces/appeals"),
        (study.client, "/faces/checks"),
    ):
        page = _page(client, path)
        assert raw_codes(page, CODES) == set(), path
        assert "已推翻：学习时间已计入" in page, path

    english = study.client.get("/faces/checks?lang=en").get_data(as_text=True)
    assert "does not match the enrolled learner" in english
    assert raw_codes(english, {c for c in CODES if "_" in c} | {"impostor"}) == set()


def test_missed_check_reason_in_words(study, app, monkeypatch, make_user, login):
    check = voided_by_missed_check(study, app, monkeypatch)
    assert check.reason == "deadline_passed"
    mine = _page(study.client, "/faces/checks")
    assert raw_codes(mine, CODES) == set()
    assert "未作答" in mine and "未在规定时间内完成核验。" in mine
    appeal = _appeal(study, check)
    review = _page(reviewer(app, make_user, login).client, f"/faces/appeals/{appeal.id}")
    assert raw_codes(review, CODES) == set()
    assert "随机核验" in review and "未在规定时间内完成核验。" in review
