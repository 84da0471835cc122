"""Vouchers in the monthly report: after the aggregation job, issued vouchers count in the city
of the class they were used in (else under the province) and write-offs count as used."""

from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.oversight.models import MonthlyAggregate
from skilltrace.oversight.report import aggregate_month, monthly_report, this_month
from subsidy.conftest import PEOPLE, enroll

from .test_vouchers import Learner, issue


def test_the_report_counts_issued_and_used_vouchers(make_world, app, make_user, shared_faces):
    world = make_world(learners=0)
    world.standard(150_000)
    batch = issue(world, face_value_fen=100_000)
    user, idle = Learner(app, make_user(Role.LEARNER)), Learner(app, make_user(Role.LEARNER))
    code = user.post(f"/api/v1/vouchers/batches/{batch['id']}/claim").get_json()["voucher"]["code"]
    assert idle.post(f"/api/v1/vouchers/batches/{batch['id']}/claim").status_code == 201
    r = user.post("/api/v1/vouchers/use", json={"code": code, "class_code": world.class_.code})
    assert r.status_code == 200
    enroll(user.user, shared_faces, PEOPLE[0])
    world.attest(user.user)
    world.exam(user.user)
    world.close()
    claim = world.claim()
    world.as_staff("POST", f"/api/v1/subsidy/claims/{claim['id']}/submit")
    r = world.as_regulator(
        "POST",
        f"/api/v1/subsidy/claims/{claim['id']}/review",
        json={"decisions": [{"learner_id": user.user.id, "decision": "approve"}]},
    )
    assert r.status_code == 200, r.get_json()

    month = this_month()
    aggregate_month(month)
    figures = {
        (a.city_code, a.metric): a.value
        for a in db.session.query(MonthlyAggregate).filter_by(month=month)
        if a.metric.startswith("vouchers")
    }
    assert figures == {
        ("6101", "vouchers_issued"): 1,  # used in a Xi'an class
        ("61", "vouchers_issued"): 1,  # a province-wide voucher not used yet
        ("6101", "vouchers_used"): 1,
    }
    year = int(month[:4])
    province, xian = monthly_report(year, "61"), monthly_report(year, "6101")
    assert (province.totals["vouchers_issued"], province.totals["vouchers_used"]) == (2, 1)
    assert (xian.totals["vouchers_issued"], xian.totals["vouchers_used"]) == (1, 1)
