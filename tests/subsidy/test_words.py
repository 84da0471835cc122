"""Subsidy pages and the claim workbook speak in words, never in developer codes: the claim's
status, each trainee's decision and reasons, the history's steps and statuses, the class's
status, the standards' region and level (issues 13 and 17)."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from page_words import raw_codes
from skilltrace.extensions import db
from skilltrace.identity.models import utcnow
from skilltrace.study.models import FaceCheck, StudySession
from skilltrace.subsidy.models import SubsidyClaim
from subsidy.conftest import PEOPLE, enroll

CODES = {
    # claim statuses, line decisions, history actions
    *("new", "draft", "submitted", "decided", "paid"),
    *("pending", "approve", "partial", "reject"),
    *("create", "submit", "decide", "pay"),
    # reasons, class and check statuses, training kind
    *("not_registered", "not_completed", "lessons_incomplete", "hours_short"),
    *("closed", "approved", "employment", "sign_in", "missed", "deadline_passed"),
}


def _missed_sign_in(world, learner):
    """A sign-in check of ``learner`` in the class that was not answered in time."""
    at = utcnow() - timedelta(hours=1)
    session = StudySession(
        learner_id=learner.id,
        lesson_id=world.course.lessons[0].id,
        class_id=world.class_.id,
        course_id=world.course.id,
        state="ended",
        started_at=at,
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(
        FaceCheck(
            session_id=session.id,
            learner_id=learner.id,
            kind="sign_in",
            nonce_hash="0" * 64,
            issued_at=at,
            deadline_at=at + timedelta(minutes=1),
            status="missed",
            reason="deadline_passed",
        )
    )
    db.session.commit()


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_claim_pages_show_statuses_decisions_and_history_in_words(make_world, shared_faces):
    world = make_world(learners=2)
    good, idle = world.learners
    enroll(good, shared_faces, PEOPLE[0])
    world.attest(good)
    world.exam(good)
    world.standard(150_000)
    _missed_sign_in(world, good)
    staff, reg = world.staff_client, world.reg_client
    csrf = {"csrf_token": world.staff_csrf}
    staff.post(f"/subsidy/classes/{world.class_.id}", data=csrf)

    completion = _page(staff, f"/subsidy/classes/{world.class_.id}")
    assert "已结业" in completion and not raw_codes(completion, CODES)
    listing = _page(staff, "/subsidy/claims")
    assert "已结业" in listing and not raw_codes(listing, CODES)

    claim = world.claim()
    path = f"/subsidy/claims/{claim['id']}"
    draft = _page(staff, path)
    assert raw_codes(draft, CODES) == set()
    assert "草稿" in draft and "生成申领" in draft and "（新建 → 草稿）" in draft
    assert "未完成实名注册、授权同意和人脸采集。" in draft  # the reason in words
    assert "草稿" in _page(staff, "/subsidy/claims")

    staff.post(path, data={**csrf, "action": "submit"})
    submitted = _page(staff, path)
    assert raw_codes(submitted, CODES) == set()
    assert "已提交，待审核" in submitted
    assert '<span data-review="pending">待审核</span>' in submitted  # lines not reviewed yet
    assert "（草稿 → 已提交，待审核）" in submitted

    reg.post(
        path,
        data={
            "csrf_token": world.reg_csrf,
            "action": "review",
            f"l{good.id}_decision": "approve",
            f"l{idle.id}_decision": "reject",
            f"l{idle.id}_comment": "未结业",
        },
    )
    reviewed = _page(reg, path)
    assert raw_codes(reviewed, CODES) == set()
    assert "已审核，待拨付" in reviewed and "已核准" in reviewed and "已驳回" in reviewed
    assert "<option" not in reviewed  # the decisions are saved, no form left

    reg.post(path, data={"csrf_token": world.reg_csrf, "action": "paid"})
    db.session.expire_all()
    assert db.session.get(SubsidyClaim, claim["id"]).status == "paid"
    paid = _page(staff, path)
    assert raw_codes(paid, CODES) == set()
    assert "已拨付" in paid and "标记为已拨付" in paid and "（已审核，待拨付 → 已拨付）" in paid
    listing = _page(reg, "/subsidy/claims")
    assert "已拨付" in listing and not raw_codes(listing, CODES)

    # English pages use the same tables
    english = staff.get(path + "?lang=en").get_data(as_text=True)
    assert "Paid" in english and "Marked paid" in english and "Claim built" in english
    assert raw_codes(english, {c for c in CODES if "_" in c}) == set()  # English has "paid"

    # The workbook: statuses, decisions and kinds in Chinese words, even for an English reader
    book = load_workbook(
        io.BytesIO(staff.get(f"/api/v1/subsidy/claims/{claim['id']}/xlsx?lang=en").data)
    )
    decisions = {row[0]: row for row in book["补贴核定"].iter_rows(min_row=2, values_only=True)}
    assert decisions[good.id][7] == "已核准" and decisions[idle.id][7] == "已驳回"
    assert "not_registered" in decisions[idle.id][5]  # the code column stays for machines
    assert "not_registered" not in decisions[idle.id][6]
    info = list(book["申领信息"].iter_rows(min_row=2, values_only=True))[0]
    assert info[2:4] == ("就业技能培训", "已拨付")
    signins = list(book["人脸签到记录"].iter_rows(min_row=2, values_only=True))
    assert [row[3:] for row in signins] == [("未作答", "未在规定时间内完成核验。")]


def test_standards_show_region_and_level_in_words(make_world):
    world = make_world(learners=0)
    world.standard(150_000)
    page = _page(world.reg_client, "/subsidy/standards")
    assert "陕西省" in page and "五级/初级工" in page
    assert ">61<" not in page.replace(" ", "") and ">5<" not in page.replace(" ", "")
