"""Regulators query a learner's ledger and trace within their scope, and only there."""

from skilltrace.identity.models import Role


def test_regulator_in_scope_sees_ledger_and_trace(study, app, make_user, login):
    study.signed_in()
    study.beat(15)
    study.finish()
    learner = study.room.learner
    regulator = make_user(Role.REGULATOR, scope="6101")  # the class's provider is in Xi'an
    client = app.test_client()
    login(client, regulator)
    found = client.get(f"/api/v1/learners?q={learner.mobile}").get_json()
    assert [item["id"] for item in found["learners"]] == [learner.id]
    ledger = client.get(f"/api/v1/learners/{learner.id}/ledger").get_json()
    assert ledger["courses"][0]["credited_seconds"] > 0
    trace = client.get(f"/api/v1/learners/{learner.id}/trace").get_json()
    assert trace["chain"]["intact"] and trace["chain"]["events"] == len(trace["events"])
    assert "stretch_credited" in [e["kind"] for e in trace["events"]]
    page = client.get(f"/oversight/learners/{learner.id}").get_data(as_text=True)
    assert learner.id_number_masked in page and "学时已认定" in page and "已认定" in page


def test_regulator_of_another_city_and_other_roles_see_nothing(study, app, make_user, login):
    study.signed_in()
    learner = study.room.learner
    for viewer, status in (
        (make_user(Role.REGULATOR, scope="6103"), 404),  # Baoji: not in scope
        (make_user(Role.PROVIDER_STAFF), 403),  # staff of another provider
        (make_user(Role.ADMIN), 403),  # admins see no learner's study
        (make_user(Role.LEARNER), 403),
    ):
        client = app.test_client()
        login(client, viewer)
        assert client.get(f"/api/v1/learners/{learner.id}/trace").status_code == status
        assert client.get(f"/oversight/learners/{learner.id}").status_code == status
        if viewer.role == Role.REGULATOR:
            found = client.get(f"/api/v1/learners?q={learner.mobile}").get_json()
            assert found["learners"] == [] and found["total"] == 0
