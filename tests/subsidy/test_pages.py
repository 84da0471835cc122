"""Subsidy pages for each role: the provider builds and submits, the regulator reviews and
marks paid through the forms, the learner sees the subsidy and certificate."""

from conftest import _login
from skilltrace.extensions import db
from skilltrace.subsidy.models import SubsidyClaim
from subsidy.conftest import PEOPLE, enroll


def test_claim_through_the_pages(make_world, shared_faces, app):
    world = make_world(learners=1)
    learner = world.learners[0]
    enroll(learner, shared_faces, PEOPLE[0])
    world.attest(learner)
    world.exam(learner)
    world.standard(150_000)
    staff, reg = world.staff_client, world.reg_client
    page = staff.get(f"/subsidy/classes/{world.class_.id}")
    assert "班级结业" in page.get_data(as_text=True)
    staff.post(f"/subsidy/classes/{world.class_.id}", data={"csrf_token": world.staff_csrf})
    listing = staff.get("/subsidy/claims").get_data(as_text=True)
    assert "生成申领" in listing
    built = staff.post(
        "/subsidy/claims",
        data={"csrf_token": world.staff_csrf, "class_id": world.class_.id, "kind": "employment"},
    )
    assert built.status_code == 302
    claim = db.session.scalar(db.select(SubsidyClaim))
    detail = staff.get(f"/subsidy/claims/{claim.id}").get_data(as_text=True)
    assert "1,500.00" in detail and "提交申领" in detail
    staff.post(
        f"/subsidy/claims/{claim.id}", data={"csrf_token": world.staff_csrf, "action": "submit"}
    )
    review = reg.get(f"/subsidy/claims/{claim.id}").get_data(as_text=True)
    assert "保存审核结果" in review
    reg.post(
        f"/subsidy/claims/{claim.id}",
        data={
            "csrf_token": world.reg_csrf,
            "action": "review",
            f"l{learner.id}_decision": "approve",
        },
    )
    reg.post(f"/subsidy/claims/{claim.id}", data={"csrf_token": world.reg_csrf, "action": "paid"})
    db.session.expire_all()
    assert db.session.get(SubsidyClaim, claim.id).status == "paid"
    assert "示例" not in reg.get("/subsidy/standards").get_data(as_text=True)
    assert reg.get("/subsidy/key-groups").status_code == 200
    client = app.test_client()
    _login(client, learner)
    mine = client.get("/subsidy/mine").get_data(as_text=True)
    assert "1,500.00" in mine and "PDF" in mine
    assert client.get("/subsidy/claims").status_code == 403
