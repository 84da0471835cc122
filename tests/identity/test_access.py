"""Role × page matrix: every page guarded by a role answers 200 to it and 403 to the others."""

import pytest

from skilltrace.identity.models import Role

ROLES = [r.value for r in Role]


def guarded_pages(app) -> list[tuple[str, tuple[str, ...]]]:
    pages = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", None)
        if roles is not None and "GET" in rule.methods and not rule.arguments:
            pages.append((rule.rule, roles))
    return sorted(pages)


def test_the_matrix_covers_every_role_home(app):
    paths = {path for path, _ in guarded_pages(app)}
    assert {"/learner/", "/provider/", "/regulator/", "/admin/", "/account/tokens"} <= paths


@pytest.mark.parametrize("role", ROLES)
def test_role_page_matrix(app, make_user, login, role):
    user = make_user(role)
    client = app.test_client()
    login(client, user)
    for path, allowed in guarded_pages(app):
        status = client.get(path).status_code
        expected = 200 if role in allowed else 403
        assert status == expected, f"{role} on {path}: {status}"


def test_anonymous_visitors_are_sent_to_login(app, client):
    for path, _roles in guarded_pages(app):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_each_role_lands_on_its_home(app, make_user, login):
    homes = {
        "learner": "/learner/",
        "provider_staff": "/provider/",
        "regulator": "/regulator/",
        "admin": "/admin/",
    }
    for role, home in homes.items():
        client = app.test_client()
        login(client, make_user(role))
        assert client.get("/").headers["Location"].endswith(home)
