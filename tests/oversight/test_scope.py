"""The one scope rule: who sees which learner, class and course, and what of a learner's study."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from skilltrace.identity.models import Role

# viewer -> (sees the learner, sees the Xi'an class, sees the Baoji class, sees study in Xi'an)
MATRIX = {
    "province": (True, True, True, True),
    "xian_regulator": (True, True, False, True),
    "baoji_regulator": (True, False, True, False),
    "yanan_regulator": (False, False, False, False),
    "xian_staff": (True, True, False, True),
    "baoji_staff": (True, False, True, False),
    "admin": (False, True, True, False),
}


def test_predicates_and_filters_agree_over_the_matrix(world):
    from skilltrace.courses import scope
    from skilltrace.courses.models import TrainingClass
    from skilltrace.extensions import db
    from skilltrace.identity.models import User

    for name, (learner, xian, baoji, study) in MATRIX.items():
        viewer = world.viewers[name]
        assert scope.sees_learner(viewer, world.learner.id) is learner, name
        assert scope.sees_class(viewer, world.xian_class) is xian, name
        assert scope.sees_class(viewer, world.baoji_class) is baoji, name
        listed = set(db.session.scalars(select(TrainingClass.id).where(scope.class_filter(viewer))))
        assert (world.xian_class.id in listed, world.baoji_class.id in listed) == (xian, baoji)
        learners = set(db.session.scalars(select(User.id).where(scope.learner_filter(viewer))))
        assert (world.learner.id in learners) is learner, name
        assert (world.other_learner.id in learners) is (name == "province"), name
        ids = scope.learner_class_ids(viewer, world.learner.id)
        assert (ids is None or world.xian_class.id in ids) is study, name
    learner = world.learner
    assert scope.sees_learner(learner, learner.id)
    assert not scope.sees_learner(world.other_learner, learner.id)
    assert scope.sees_class(learner, world.baoji_class)
    assert not scope.sees_class(world.other_learner, world.baoji_class)


def test_pending_class_in_another_city_opens_no_study(world, app, login):
    """Issue 11.12: the Baoji regulator sees the learner only through the Baoji class."""
    client = app.test_client()
    login(client, world.viewers["baoji_regulator"])
    learner_id = world.learner.id
    ledger = client.get(f"/api/v1/learners/{learner_id}/ledger").get_json()
    assert ledger["courses"] == [] and ledger["days"] == []
    trace = client.get(f"/api/v1/learners/{learner_id}/trace").get_json()
    assert trace["chain"]["intact"] and trace["events"] == []
    page = client.get(f"/oversight/learners/{learner_id}").get_data(as_text=True)
    assert world.learner.id_number_masked in page and "/faces/snapshots/" not in page
    assert world.snapshot_ids
    for snapshot_id in world.snapshot_ids:
        assert client.get(f"/faces/snapshots/{snapshot_id}").status_code == 403


@pytest.mark.parametrize(
    "name,status", [("province", 200), ("xian_regulator", 200), ("yanan_regulator", 404)]
)
def test_regulators_read_study_in_their_classes_only(world, app, login, name, status):
    client = app.test_client()
    login(client, world.viewers[name])
    learner_id = world.learner.id
    response = client.get(f"/api/v1/learners/{learner_id}/ledger")
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["courses"][0]["credited_seconds"] > 0
        trace = client.get(f"/api/v1/learners/{learner_id}/trace").get_json()
        assert "stretch_credited" in [e["kind"] for e in trace["events"]]
        for snapshot_id in world.snapshot_ids:
            assert client.get(f"/faces/snapshots/{snapshot_id}").status_code == 200
    else:
        for snapshot_id in world.snapshot_ids:
            assert client.get(f"/faces/snapshots/{snapshot_id}").status_code == 403


@pytest.mark.parametrize("name", ["admin", "xian_staff"])
def test_admins_and_staff_get_no_regulator_views(world, app, login, name):
    """Admins see no learner's study or face data (the old face rule, now everywhere)."""
    client = app.test_client()
    login(client, world.viewers[name])
    assert client.get(f"/api/v1/learners/{world.learner.id}/trace").status_code == 403
    assert client.get(f"/oversight/learners/{world.learner.id}").status_code == 403
    for snapshot_id in world.snapshot_ids:
        assert client.get(f"/faces/snapshots/{snapshot_id}").status_code == 403
    assert world.viewers[name].role in (Role.ADMIN, Role.PROVIDER_STAFF)
