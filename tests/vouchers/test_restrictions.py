"""Every restriction a batch stores, refused through the API with a stable code and a Chinese
message: key group, provider (a list, or not active), occupation, one voucher per class, and the
training kind (checked when the subsidy is approved, as the kind is the claim's). Write-off only
for an approved trainee, at most the face value, once per voucher."""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from skilltrace.extensions import db
from skilltrace.identity.models import Role
from skilltrace.subsidy.models import KeyGroupRecord
from skilltrace.traces.models import TraceEvent
from skilltrace.vouchers.models import Voucher, VoucherTransition, VoucherWriteOff
from subsidy.conftest import PEOPLE, enroll
from vouchers.test_vouchers import Learner, issue


@pytest.fixture
def world(make_world):
    world = make_world(learners=0)
    world.standard(150_000)
    return world


def claim(learner, batch) -> str:
    r = learner.post(f"/api/v1/vouchers/batches/{batch['id']}/claim")
    assert r.status_code == 201, r.get_json()
    return r.get_json()["voucher"]["code"]


def use(learner, code, class_code):
    return learner.post("/api/v1/vouchers/use", json={"code": code, "class_code": class_code})


def refused(r, status, code, message):
    assert r.status_code == status, r.get_json()
    assert (r.get_json()["error"]["code"], r.get_json()["error"]["message"]) == (code, message)


def status_of(code) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Voucher.status).where(Voucher.code == code))


def test_use_outside_the_target_group_is_refused(make_world, app):
    world = make_world(learners=1)
    learner = Learner(app, world.learners[0])
    world.key_group(learner.user, "migrant_worker")
    batch = issue(world, target_group="migrant_worker")
    code = claim(learner, batch)
    # the confirmation no longer stands (the record reads rejected): the voucher cannot be used
    record = db.session.scalar(select(KeyGroupRecord))
    record.status = "rejected"
    db.session.commit()
    r = use(learner, code, world.class_.code)
    refused(r, 409, "not_target_group", "本批培训券面向其他人群。")
    assert status_of(code) == "claimed"
    record.status = "confirmed"
    db.session.commit()
    assert use(learner, code, world.class_.code).status_code == 200


def test_use_at_an_ineligible_provider_is_refused(world, app, make_user):
    from skilltrace.courses.providers import set_provider_status

    learner = Learner(app, make_user(Role.LEARNER))
    listed = issue(world, providers=[make_user.provider(city="6101").id])
    r = use(learner, claim(learner, listed), world.class_.code)
    refused(r, 403, "provider_not_eligible", "此培训券不能在该培训机构使用。")
    anyone = claim(learner, issue(world))
    set_provider_status(world.regulator, world.provider, "suspended", "整改")
    r = use(learner, anyone, world.class_.code)
    refused(r, 403, "provider_not_eligible", "此培训券不能在该培训机构使用。")
    assert status_of(anyone) == "claimed"


def test_use_for_another_occupation_or_twice_in_a_class_is_refused(world, app, make_user):
    learner = Learner(app, make_user(Role.LEARNER))
    welder = claim(learner, issue(world, occupation="焊工"))
    r = use(learner, welder, world.class_.code)
    refused(r, 409, "occupation_not_covered", "此培训券不适用于该职业（工种）。")
    electrician = claim(learner, issue(world, occupation="电工"))
    assert use(learner, electrician, world.class_.code).status_code == 200
    second = claim(learner, issue(world))
    r = use(learner, second, world.class_.code)
    refused(r, 409, "class_has_voucher", "您已在该培训班使用了另一张培训券。")
    assert (status_of(electrician), status_of(second)) == ("reserved", "claimed")


def test_a_batch_names_a_valid_training_kind(world):
    r = world.as_regulator(
        "POST",
        "/api/v1/vouchers/batches",
        json={
            "name": "类别券",
            "target_group": "all",
            "quantity": 1,
            "validity_days": 9,
            "kind": "holiday",
        },
    )
    refused(r, 422, "kind_invalid", "请选择培训类别。")
    assert issue(world, kind="startup")["kind"] == "startup"


def test_write_off_follows_the_approval_the_kind_and_the_face_value(
    world, app, make_user, shared_faces
):
    startup, employment = issue(world, kind="startup"), issue(world, kind="employment")
    trainees = [Learner(app, make_user(Role.LEARNER)) for _ in range(3)]
    codes = [
        claim(trainees[0], startup),  # another kind: not written off, given back
        claim(trainees[1], employment),  # approved: written off at the face value
        claim(trainees[2], employment),  # rejected: stays reserved
    ]
    for learner, code, person in zip(trainees, codes, PEOPLE, strict=False):
        assert use(learner, code, world.class_.code).status_code == 200
        enroll(learner.user, shared_faces, person)
        world.attest(learner.user)
        world.exam(learner.user)
    world.close()
    built = world.claim()  # 就业技能培训
    assert world.as_staff("POST", f"/api/v1/subsidy/claims/{built['id']}/submit").status_code == 200
    # nothing is written off before the regulator approves
    assert db.session.scalars(select(VoucherWriteOff)).all() == []
    decisions = [
        {"learner_id": trainees[0].user.id, "decision": "approve"},
        {"learner_id": trainees[1].user.id, "decision": "approve"},
        {"learner_id": trainees[2].user.id, "decision": "reject", "comment": "材料不全"},
    ]
    r = world.as_regulator(
        "POST", f"/api/v1/subsidy/claims/{built['id']}/review", json={"decisions": decisions}
    )
    assert r.status_code == 200, r.get_json()
    assert [status_of(c) for c in codes] == ["claimed", "written_off", "reserved"]

    given_back = db.session.scalar(select(Voucher).where(Voucher.code == codes[0]))
    assert given_back.class_id is None
    last = db.session.scalars(
        select(VoucherTransition)
        .where(VoucherTransition.voucher_id == given_back.id)
        .order_by(VoucherTransition.id.desc())
    ).first()
    assert (last.action, last.to_status, last.comment) == ("release", "claimed", "kind_not_covered")
    trace = db.session.scalars(
        select(TraceEvent).where(
            TraceEvent.learner_id == trainees[0].user.id, TraceEvent.kind == "voucher_released"
        )
    ).all()
    assert [json.loads(e.event_json)["data"].get("reason") for e in trace] == ["kind_not_covered"]

    offs = db.session.scalars(select(VoucherWriteOff)).all()
    assert [(o.claim_id, o.amount_fen) for o in offs] == [(built["id"], 100_000)]  # ≤ face value
    # exactly once per voucher, whatever writes it
    db.session.add(
        VoucherWriteOff(
            voucher_id=offs[0].voucher_id,
            class_id=world.class_.id,
            claim_id=built["id"],
            amount_fen=1,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
