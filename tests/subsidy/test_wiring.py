"""Subsidy wired to oversight: sanctions refuse claims, spot-check surveys exclude a 以工代训
company, and the monthly report shows claims and certificates after its job runs."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from tests.subsidy.test_claims import completed_learner

from skilltrace.extensions import db
from skilltrace.oversight.models import MonthlyAggregate, SpotCheck
from skilltrace.oversight.report import aggregate_month, monthly_report, this_month
from skilltrace.oversight.sanctions import may_claim


def _token(client, path) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _impose(world, level, **extra):
    path = f"/oversight/sanctions/provider/{world.provider.id}"
    data = {"csrf_token": _token(world.reg_client, path), "level": level, "reason": "骗补"}
    r = world.reg_client.post(path, data={**data, **extra}, content_type="multipart/form-data")
    assert r.status_code == 302


def _claim(world):
    return world.as_staff("POST", "/api/v1/subsidy/claims", json={"class_id": world.class_.id})


def test_oversight_registers_its_claim_gate(app):
    assert may_claim in app.extensions["skilltrace.claim_checks"]
    assert "skilltrace.unaware_share" in app.extensions


@pytest.mark.parametrize(
    "level,extra",
    [
        ("suspend", {"ends_on": (date.today() + timedelta(days=90)).isoformat()}),
        ("blacklist", {}),
    ],
)
def test_a_sanctioned_provider_cannot_claim_until_lifted(make_world, shared_faces, level, extra):
    from skilltrace.oversight.models import Sanction

    world = make_world(learners=1)
    completed_learner(world, world.learners[0], shared_faces)
    world.standard(150_000)
    world.close()
    _impose(world, level, **extra)
    r = _claim(world)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "provider_suspended"
    db.session.expire_all()
    assert not may_claim(world.provider.id)
    sanction = db.session.query(Sanction).one()
    path = f"/oversight/sanctions/provider/{world.provider.id}"
    world.reg_client.post(
        f"/oversight/sanctions/{sanction.id}/lift",
        data={"csrf_token": _token(world.reg_client, path), "reason": "整改到位"},
    )
    assert _claim(world).status_code == 201


def _survey(world, unaware: int) -> None:
    """A spot check of the whole class by phone: ``unaware`` of them did not know."""
    client = world.reg_client
    r = client.post(
        "/oversight/spot-checks",
        data={
            "csrf_token": _token(client, "/oversight/spot-checks"),
            "target_kind": "class",
            "target_id": str(world.class_.id),
            "ratio_percent": "100",
            "seed": "wiring",
        },
    )
    spot = db.session.get(SpotCheck, int(r.headers["Location"].rsplit("/", 1)[1]))
    assert len(spot.items) == 5
    token = _token(client, "/oversight/spot-checks")
    for n, item in enumerate(spot.items):
        r = client.post(
            f"/oversight/spot-check-items/{item.id}",
            data={
                "csrf_token": token,
                "method": "phone",
                "present": "yes",
                "studied": "yes",
                "aware": "no" if n < unaware else "yes",
                "outcome": "problem" if n < unaware else "ok",
                "note": "电话回访",
            },
            content_type="multipart/form-data",
        )
        assert r.status_code == 302


@pytest.mark.parametrize("unaware,excluded", [(1, True), (0, False)])
def test_spot_check_survey_excludes_an_unaware_company(make_world, shared_faces, unaware, excluded):
    world = make_world(learners=5)
    completed_learner(world, world.learners[0], shared_faces)
    world.standard(100_000, kind="yigong")
    world.close()
    _survey(world, unaware)
    claim = world.claim(
        kind="yigong",
        company_credit_code=world.provider.credit_code,
        wages=[{"learner_id": world.learners[0].id, "wage_fen": 300_000}],
    )
    reasons = world.decisions(claim)[world.learners[0].id]["reasons"]
    assert ("company_excluded_unaware" in reasons) is excluded


def test_the_monthly_report_shows_claims_and_certificates(make_world, shared_faces):
    world = make_world(learners=1)
    learner = world.learners[0]
    completed_learner(world, learner, shared_faces)
    world.key_group(learner, "laid_off")
    world.standard(150_000)
    world.close()
    world.employ(learner)
    claim = world.claim()
    cid = claim["id"]
    assert world.as_staff("POST", f"/api/v1/subsidy/claims/{cid}/submit").status_code == 200
    r = world.as_regulator(
        "POST",
        f"/api/v1/subsidy/claims/{cid}/review",
        json={"decisions": [{"learner_id": learner.id, "decision": "approve"}]},
    )
    assert r.status_code == 200, r.get_json()
    month = this_month()
    aggregate_month(month)
    figures = {
        a.metric: a.value
        for a in db.session.query(MonthlyAggregate).filter_by(month=month, city_code="6101")
    }
    certificates = figures.get("certificates", 0)
    assert figures["claims"] == 1
    assert figures["claims_amount"] == r.get_json()["claim"]["total_fen"] / 100 > 0
    report = monthly_report(int(month[:4]), "6101")
    assert report.totals["claims"] == 1 and report.totals["certificates"] == certificates
    assert certificates == 1 and report.totals["key_group_employment_rate"] == 1.0
    province = monthly_report(int(month[:4]), "61")
    assert province.totals["key_group_employment_rate"] == 1.0  # not the sum of city rates
    assert province.totals["claims"] == 1
    page = world.reg_client.get("/oversight/report")
    assert page.status_code == 200


def test_the_claim_decision_reaches_the_providers_staff(make_world, shared_faces):
    from skilltrace.notices.models import Notice

    world = make_world(learners=1)
    learner = world.learners[0]
    completed_learner(world, learner, shared_faces)
    world.standard(150_000)
    world.close()
    cid = world.claim()["id"]
    world.as_staff("POST", f"/api/v1/subsidy/claims/{cid}/submit")
    assert db.session.query(Notice).filter_by(kind="claim_decided").count() == 0
    r = world.as_regulator(
        "POST",
        f"/api/v1/subsidy/claims/{cid}/review",
        json={
            "decisions": [{"learner_id": learner.id, "decision": "reject", "comment": "材料不全"}]
        },
    )
    assert r.status_code == 200, r.get_json()
    (notice,) = db.session.query(Notice).filter_by(kind="claim_decided").all()
    assert notice.user_id == world.staff.id
    assert notice.link == f"/subsidy/claims/{cid}"
    assert notice.params["decision"] == "rejected" and notice.params["claim"] == str(cid)
    assert db.session.query(Notice).filter_by(user_id=learner.id).count() == 0


def test_a_claim_submitted_before_a_sanction_can_only_be_rejected(make_world, shared_faces):
    world = make_world(learners=1)
    learner = world.learners[0]
    completed_learner(world, learner, shared_faces)
    world.standard(150_000)
    world.close()
    cid = world.claim()["id"]
    assert world.as_staff("POST", f"/api/v1/subsidy/claims/{cid}/submit").status_code == 200
    _impose(world, "blacklist")
    path = f"/api/v1/subsidy/claims/{cid}/review"
    approve = [{"learner_id": learner.id, "decision": "approve"}]
    r = world.as_regulator("POST", path, json={"decisions": approve})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "provider_suspended"
    reject = [{"learner_id": learner.id, "decision": "reject", "comment": "机构已列入黑名单"}]
    r = world.as_regulator("POST", path, json={"decisions": reject})
    assert r.status_code == 200 and r.get_json()["claim"]["total_fen"] == 0
