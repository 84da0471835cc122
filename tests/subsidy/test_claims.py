"""Claims through the API: completion, preview, submit, review, paid, audit, XLSX, and the
rules' worlds (annual limit, employment rate, 以工代训, allowance, suspended providers)."""

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from skilltrace.extensions import db
from skilltrace.subsidy.models import ClaimTransition, SubsidyAward
from subsidy.conftest import PEOPLE, enroll


def completed_learner(world, learner, shared_faces, person=PEOPLE[0]):
    enroll(learner, shared_faces, person)
    world.attest(learner)
    world.exam(learner)


def test_claim_lifecycle_with_preview_review_paid_and_audit(make_world, shared_faces):
    world = make_world(learners=2)
    good, idle = world.learners
    completed_learner(world, good, shared_faces)
    world.standard(150_000)
    closed = world.close()
    by_id = {row["learner_id"]: row for row in closed["learners"]}
    assert by_id[good.id]["completed"] is True
    assert set(by_id[idle.id]["reasons"]) == {
        "lessons_incomplete",
        "hours_short",
        "assessment_not_passed",
    }

    claim = world.claim()
    assert claim["status"] == "draft"
    decided = world.decisions(claim)
    assert decided[good.id] | {} == decided[good.id]
    assert (decided[good.id]["eligible"], decided[good.id]["amount_fen"]) == (True, 150_000)
    assert decided[good.id]["reasons"] == []
    assert decided[idle.id]["eligible"] is False
    assert decided[idle.id]["reasons"] == ["not_registered", "not_completed"]
    assert decided[idle.id]["amount_fen"] == 0

    # a regulator cannot review a draft; the provider submits
    cid = claim["id"]
    r = world.as_regulator("POST", f"/api/v1/subsidy/claims/{cid}/review", json={"decisions": []})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "claim_state"
    r = world.as_staff("POST", f"/api/v1/subsidy/claims/{cid}/submit")
    assert r.status_code == 200 and r.get_json()["claim"]["status"] == "submitted"

    # every trainee must be decided; an ineligible one cannot be approved; partial needs less
    for bad, code in (
        ([{"learner_id": good.id, "decision": "approve"}], "decision_invalid"),
        (
            [
                {"learner_id": good.id, "decision": "approve"},
                {"learner_id": idle.id, "decision": "approve"},
            ],
            "decision_invalid",
        ),
        (
            [
                {
                    "learner_id": good.id,
                    "decision": "partial",
                    "amount_fen": 150_000,
                    "comment": "x",
                },
                {"learner_id": idle.id, "decision": "reject", "comment": "未结业"},
            ],
            "partial_amount_invalid",
        ),
        (
            [
                {"learner_id": good.id, "decision": "approve"},
                {"learner_id": idle.id, "decision": "reject"},
            ],
            "comment_required",
        ),
    ):
        r = world.as_regulator(
            "POST", f"/api/v1/subsidy/claims/{cid}/review", json={"decisions": bad}
        )
        assert r.status_code == 422 and r.get_json()["error"]["code"] == code, bad
    r = world.as_regulator(
        "POST",
        f"/api/v1/subsidy/claims/{cid}/review",
        json={
            "decisions": [
                {
                    "learner_id": good.id,
                    "decision": "partial",
                    "amount_fen": 100_000,
                    "comment": "部分",
                },
                {"learner_id": idle.id, "decision": "reject", "comment": "未结业"},
            ]
        },
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()["claim"]
    assert body["status"] == "decided" and body["total_fen"] == 100_000
    r = world.as_regulator("POST", f"/api/v1/subsidy/claims/{cid}/paid")
    assert r.get_json()["claim"]["status"] == "paid"
    r = world.as_regulator("POST", f"/api/v1/subsidy/claims/{cid}/paid")
    assert r.status_code == 409

    actions = [
        t.action
        for t in db.session.scalars(
            select(ClaimTransition)
            .where(ClaimTransition.claim_id == cid)
            .order_by(ClaimTransition.id)
        )
    ]
    assert actions == ["create", "submit", "decide", "pay"]
    award = db.session.scalar(select(SubsidyAward).where(SubsidyAward.learner_id == good.id))
    assert award.amount_fen == 100_000

    # a second claim of the class: the approved trainee is not paid twice
    again = world.decisions(world.claim())
    assert again[good.id]["reasons"] == ["already_awarded"]

    # XLSX: roster, sign-ins, certificates, decisions
    r = world.as_staff("GET", f"/api/v1/subsidy/claims/{cid}/xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["花名册", "人脸签到记录", "培训合格证书", "补贴核定", "申领信息"]
    rows = list(book["补贴核定"].iter_rows(values_only=True))
    assert rows[1][0] == good.id and rows[1][8] == 100_000
    assert "not_registered" in rows[2][5]

    # the learner sees it; another provider's staff does not
    client = world.app.test_client()
    from conftest import _login

    _login(client, good)
    mine = client.get("/api/v1/subsidy/mine").get_json()
    assert mine["subsidies"][0]["amount_fen"] == 100_000
    assert mine["certificates"][0]["status"] == "valid"


def test_a_suspended_provider_cannot_claim(make_world, shared_faces):
    from skilltrace.courses.providers import set_provider_status

    world = make_world(learners=1)
    completed_learner(world, world.learners[0], shared_faces)
    world.close()
    set_provider_status(world.regulator, world.provider, "blacklisted", "骗补")
    r = world.as_staff("POST", "/api/v1/subsidy/claims", json={"class_id": world.class_.id})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "provider_suspended"


def test_claims_need_an_ended_class_of_ones_own(make_world, make_user, login):
    from datetime import timedelta

    world = make_world(learners=1)
    world.class_.end_date += timedelta(days=1)
    db.session.commit()
    r = world.as_staff("POST", "/api/v1/subsidy/claims", json={"class_id": world.class_.id})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "class_not_closed"
    world.class_.end_date -= timedelta(days=1)
    db.session.commit()
    claim = world.claim()  # the ended class is closed (结业) by its first claim
    assert world.decisions(claim)[world.learners[0].id]["reasons"] == [
        "not_registered",
        "not_completed",
        "no_standard",
    ]
    db.session.expire_all()
    assert world.class_.status == "closed"
    other = make_user("provider_staff")
    client = world.app.test_client()
    token = login(client, other)
    r = client.post(
        "/api/v1/subsidy/claims", json={"class_id": world.class_.id}, headers={"X-CSRFToken": token}
    )
    assert r.status_code == 404


def test_the_fourth_training_in_a_year_is_not_paid(make_world, shared_faces, make_user):
    from skilltrace.courses.classes import class_service

    first = make_world(learners=1, occupation="工种0")
    learner = first.learners[0]
    enroll(learner, shared_faces, PEOPLE[0])
    worlds = [first] + [
        make_world(learners=0, occupation=f"工种{i}", provider=first.provider) for i in (1, 2, 3)
    ]
    for world in worlds:
        if world is not first:
            class_service().join(learner, world.class_.code)
        world.attest(learner)
        world.exam(learner)
        world.standard(100_000)
        world.close()
        claim = world.claim()
        decided = world.decisions(claim)[learner.id]
        if world is worlds[-1]:
            assert decided["reasons"] == ["annual_limit"] and decided["amount_fen"] == 0
            break
        assert decided["eligible"], decided
        world.as_staff("POST", f"/api/v1/subsidy/claims/{claim['id']}/submit")
        r = world.as_regulator(
            "POST",
            f"/api/v1/subsidy/claims/{claim['id']}/review",
            json={"decisions": [{"learner_id": learner.id, "decision": "approve"}]},
        )
        assert r.status_code == 200, r.get_json()
    assert db.session.scalar(select(func.count()).select_from(SubsidyAward)) == 3


def employment_world(make_world, shared_faces, employed_count):
    world = make_world(learners=10)
    for i, learner in enumerate(world.learners):
        if i < len(PEOPLE):
            enroll(learner, shared_faces, PEOPLE[i])
        world.attest(learner)
        world.exam(learner)
        world.key_group(learner, "laid_off")
    world.standard(150_000)
    world.close()
    # learners 0..4 are registered; employ the last ``employed_count`` registered ones
    employed = world.learners[5 - employed_count : 5]
    for learner in employed:
        world.employ(learner)
    return world, employed


def test_employment_rate_30_percent_pays_everyone(make_world, shared_faces):
    world, employed = employment_world(make_world, shared_faces, 3)
    rate = world.as_staff("GET", f"/api/v1/subsidy/classes/{world.class_.id}/completions")
    assert rate.get_json()["employment"] == {"employed": 3, "completed": 10, "rate": 0.3}
    decided = world.decisions(world.claim())
    for learner in world.learners[:5]:
        assert decided[learner.id]["eligible"], decided[learner.id]
        assert decided[learner.id]["amount_fen"] == 150_000


def test_employment_rate_below_30_percent_pays_only_the_employed(make_world, shared_faces):
    world, employed = employment_world(make_world, shared_faces, 2)
    decided = world.decisions(world.claim())
    for learner in world.learners[:5]:
        row = decided[learner.id]
        if learner in employed:
            assert (row["eligible"], row["amount_fen"]) == (True, 150_000)
        else:
            assert row["reasons"] == ["tier_unemployed_not_paid"] and row["amount_fen"] == 0


def test_yigong_with_and_without_a_certificate(make_world, shared_faces):
    world = make_world(learners=2)
    with_cert, without = world.learners
    for i, learner in enumerate(world.learners):
        completed_learner(world, learner, shared_faces, PEOPLE[i])
    r = world.as_staff(
        "POST",
        "/api/v1/subsidy/occupational-certificates",
        json={
            "learner_id": with_cert.id,
            "kind": "skill_level",
            "number": "S2026610100001",
            "occupation": "电工",
            "level": "4",
            "issued_on": date.today().isoformat(),
        },
    )
    assert r.status_code == 201, r.get_json()
    world.standard(100_000, kind="yigong")
    world.standard(180_000, kind="upgrading", level="4")
    code = world.provider.credit_code
    r = world.as_regulator(
        "POST", "/api/v1/subsidy/companies", json={"credit_code": code, "min_wage_fen": 195_000}
    )
    assert r.status_code == 201, r.get_json()
    world.close()
    claim = world.claim(
        kind="yigong",
        company_credit_code=code,
        wages=[
            {"learner_id": with_cert.id, "wage_fen": 300_000},
            {"learner_id": without.id, "wage_fen": 300_000},
        ],
    )
    decided = world.decisions(claim)
    assert decided[with_cert.id]["amount_fen"] == 180_000
    assert decided[with_cert.id]["reasons"] == ["yigong_certificate_standard"]
    assert decided[without.id]["amount_fen"] == 70_000
    assert decided[without.id]["reasons"] == ["yigong_no_certificate"]
    # the regulator's spot check: 2 of 10 did not know → the company is excluded
    world.as_regulator(
        "POST", "/api/v1/subsidy/companies", json={"credit_code": code, "sampled": 10, "unaware": 2}
    )
    decided = world.decisions(
        world.as_staff("GET", f"/api/v1/subsidy/claims/{claim['id']}").get_json()["claim"]
    )
    assert decided[without.id]["reasons"] == ["company_excluded_unaware"]
    r = world.as_staff(
        "POST", "/api/v1/subsidy/claims", json={"class_id": world.class_.id, "kind": "yigong"}
    )
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "company_required"


def test_allowance_over_2500_yuan_is_capped(make_world, shared_faces):
    world = make_world(learners=1)
    learner = world.learners[0]
    enroll(learner, shared_faces, PEOPLE[0])
    world.class_.start_date = date(2026, 1, 1)  # a class of 60 days (dates only)
    db.session.commit()
    world.attest(learner, seconds=120, days=60)
    world.exam(learner)
    world.key_group(learner, "poverty_alleviated")
    world.standard(150_000)
    world.close()
    world.employ(learner)  # a key-group class: employment keeps the rate at 100 %
    row = world.decisions(world.claim())[learner.id]
    assert (row["amount_fen"], row["allowance_fen"]) == (150_000, 250_000), row["reasons"]
    assert row["reasons"] == ["allowance_cap"]


def test_standards_keep_history_and_claims_use_the_one_in_force(make_world, shared_faces):
    world = make_world(learners=1)
    completed_learner(world, world.learners[0], shared_faces)
    world.standard(120_000)
    r = world.as_regulator(
        "POST",
        "/api/v1/subsidy/standards",
        json={
            "region": "61",
            "occupation": "电工",
            "level": "5",
            "kind": "employment",
            "amount_fen": 999_000,
            "effective_from": "2999-01-01",
        },
    )
    assert r.status_code == 201
    rows = world.as_regulator("GET", "/api/v1/subsidy/standards").get_json()["standards"]
    assert [s["amount_fen"] for s in rows] == [999_000, 120_000]
    world.close()
    assert world.decisions(world.claim())[world.learners[0].id]["amount_fen"] == 120_000
    r = world.as_staff(
        "POST",
        "/api/v1/subsidy/standards",
        json={
            "region": "61",
            "occupation": "电工",
            "level": "5",
            "kind": "employment",
            "amount_fen": 1,
        },
    )
    assert r.status_code == 403
