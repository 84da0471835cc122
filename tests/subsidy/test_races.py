"""Races on PostgreSQL: two regulators deciding one claim at once, and two claims of one class
approving the same trainee at once — exactly one wins, nothing is paid twice."""

import threading

import pytest
from sqlalchemy import func, select

from skilltrace.errors import DomainError
from skilltrace.extensions import db
from skilltrace.identity.models import Role, User
from skilltrace.subsidy import claims as claim_service
from skilltrace.subsidy.models import ClaimTransition, SubsidyAward, SubsidyClaim
from subsidy.conftest import PEOPLE, enroll


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL")


def race(app, jobs):
    """Run each (user_id, claim_id) review in its own thread and session, released together."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, user_id, claim_id, learner_id):
        with app.app_context():
            user = db.session.get(User, user_id)
            claim = db.session.get(SubsidyClaim, claim_id)
            decisions = [{"learner_id": learner_id, "decision": "approve"}]
            barrier.wait()
            try:
                claim_service.review(user, claim, decisions)
                results[i] = "ok"
            except DomainError as err:
                results[i] = err.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def submitted_claim(world, learner):
    claim = world.claim()
    assert world.decisions(claim)[learner.id]["eligible"]
    r = world.as_staff("POST", f"/api/v1/subsidy/claims/{claim['id']}/submit")
    assert r.status_code == 200
    return claim["id"]


def closed_world(make_world, shared_faces):
    world = make_world(learners=1)
    learner = world.learners[0]
    enroll(learner, shared_faces, PEOPLE[0])
    world.attest(learner)
    world.exam(learner)
    world.standard(150_000)
    world.close()
    return world, learner


def test_two_regulators_deciding_one_claim_cannot_both_win(
    app, make_world, make_user, shared_faces
):
    world, learner = closed_world(make_world, shared_faces)
    claim_id = submitted_claim(world, learner)
    other = make_user(Role.REGULATOR, scope="6101")
    results = race(
        app, [(world.regulator.id, claim_id, learner.id), (other.id, claim_id, learner.id)]
    )
    assert sorted(results) == ["claim_already_decided", "ok"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SubsidyAward)) == 1
    decides = db.session.scalar(
        select(func.count())
        .select_from(ClaimTransition)
        .where(ClaimTransition.claim_id == claim_id, ClaimTransition.action == "decide")
    )
    assert decides == 1


def test_two_claims_racing_for_one_trainee_pay_once(app, make_world, make_user, shared_faces):
    world, learner = closed_world(make_world, shared_faces)
    first, second = submitted_claim(world, learner), submitted_claim(world, learner)
    other = make_user(Role.REGULATOR, scope="6101")
    results = race(app, [(world.regulator.id, first, learner.id), (other.id, second, learner.id)])
    assert sorted(results) == ["ok", "trainee_already_awarded"]
    db.session.expire_all()
    awards = db.session.scalars(select(SubsidyAward)).all()
    assert len(awards) == 1 and awards[0].amount_fen == 150_000
    statuses = sorted(db.session.get(SubsidyClaim, c).status for c in (first, second))
    assert statuses == ["decided", "submitted"]  # the loser wrote nothing and can be re-decided
