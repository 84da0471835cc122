"""The class progress page as the class's own provider sees it (its learners listed)."""

from skilltrace.identity.models import Role


def test_provider_staff_see_their_class_progress_page(app, world, login):
    client = app.test_client()
    login(client, world.staff)
    response = client.get(f"/oversight/classes/{world.class_.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert world.provider.name in page and world.learners[0].name in page


def test_regulator_sees_the_same_page(app, world, login, make_user):
    client = app.test_client()
    login(client, make_user(Role.REGULATOR, scope="6101"))
    assert client.get(f"/oversight/classes/{world.class_.id}").status_code == 200
