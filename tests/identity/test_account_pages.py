"""Account self-service (password, mobile, help), resets by an administrator or regulator,
and the administrators' account pages."""

import pytest
from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.identity.models import Provider, Role, User
from skilltrace.identity.selfservice import Actor, Target, may_manage

NEW_PASSWORD = "a-new-password-9"


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (Actor(Role.ADMIN, None, 1), Target(Role.REGULATOR, None, 2), True),
        (Actor(Role.ADMIN, None, 1), Target(Role.ADMIN, None, 1), False),
        (Actor(Role.REGULATOR, "61", 1), Target(Role.LEARNER, None, 2), True),
        (Actor(Role.REGULATOR, "61", 1), Target(Role.PROVIDER_STAFF, "6103", 2), True),
        (Actor(Role.REGULATOR, "6101", 1), Target(Role.PROVIDER_STAFF, "6103", 2), False),
        (Actor(Role.REGULATOR, "6101", 1), Target(Role.PROVIDER_STAFF, "6101", 2), True),
        (Actor(Role.REGULATOR, "61", 1), Target(Role.REGULATOR, None, 2), False),
        (Actor(Role.REGULATOR, "61", 1), Target(Role.ADMIN, None, 2), False),
        (Actor(Role.PROVIDER_STAFF, None, 1), Target(Role.LEARNER, None, 2), False),
        (Actor(Role.LEARNER, None, 1), Target(Role.LEARNER, None, 2), False),
    ],
)
def test_who_may_manage_whom(actor, target, allowed):
    assert may_manage(actor, target) is allowed


def _form(client, path, **fields):
    page = client.get(path)
    assert page.status_code == 200, path
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    return client.post(path, data={"csrf_token": token.split('"')[0], **fields})


def _relogin(client, user, password):
    return client.post("/api/v1/auth/login", json={"login": user.mobile, "password": password})


def test_change_password_checks_the_current_one_and_ends_sessions(
    client, make_user, login, password, monkeypatch
):
    from skilltrace.identity import services

    ended = []
    monkeypatch.setattr(
        services, "end_all_sessions", lambda user: ended.append(user.id), raising=False
    )
    learner = make_user(Role.LEARNER)
    login(client, learner)
    wrong = _form(
        client,
        "/account/password",
        current_password="not-it-at-all",
        password=NEW_PASSWORD,
        password_confirm=NEW_PASSWORD,
    )
    assert wrong.status_code == 403
    assert "当前密码不正确" in wrong.get_data(as_text=True)
    done = _form(
        client,
        "/account/password",
        current_password=password,
        password=NEW_PASSWORD,
        password_confirm=NEW_PASSWORD,
    )
    assert done.status_code == 302
    assert ended == [learner.id]
    assert client.get("/learner/").status_code == 200  # this session continues
    assert _relogin(client, learner, password).status_code == 401
    assert _relogin(client, learner, NEW_PASSWORD).status_code == 200


def test_one_account_area_and_one_password_rule(client, make_user, login, password):
    """/account holds "log out of all devices"; the old /account/ leads to the one password
    form; the page and the API refuse the same unchanged password."""
    learner = make_user(Role.LEARNER)
    csrf = login(client, learner)
    overview = client.get("/account").get_data(as_text=True)
    assert 'id="logout-everywhere"' in overview and 'href="/account/password"' in overview
    assert 'href="/account/"' not in overview
    # A page still showing the old form posts to /account/: it is led to the new one too.
    for moved in (client.get("/account/"), client.post("/account/", data={"csrf_token": csrf})):
        assert moved.status_code == 301
        assert moved.headers["Location"].endswith("/account/password")
    same = _form(
        client,
        "/account/password",
        current_password=password,
        password=password,
        password_confirm=password,
    )
    assert same.status_code == 422 and "新密码不能与当前密码相同" in same.get_data(as_text=True)
    api = client.post(
        "/api/v1/me/password",
        json={"current_password": password, "new_password": password},
        headers={"X-CSRFToken": csrf},
    )
    assert api.status_code == 422 and api.get_json()["error"]["code"] == "password_unchanged"


def test_change_mobile_needs_the_password(client, make_user, login, password):
    learner = make_user(Role.LEARNER)
    other = make_user(Role.LEARNER)
    login(client, learner)
    refused = _form(client, "/account/mobile", mobile="13512345678", current_password="nope-nope")
    assert refused.status_code == 403
    taken = _form(client, "/account/mobile", mobile=other.mobile, current_password=password)
    assert taken.status_code == 409
    done = _form(client, "/account/mobile", mobile="13512345678", current_password=password)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, learner.id).mobile == "13512345678"


def test_regulator_resets_a_learner_who_must_then_choose_a_password(client, app, make_user, login):
    regulator = make_user(Role.REGULATOR, scope="61")
    learner = make_user(Role.LEARNER)
    login(client, regulator)
    found = _form(client, "/account/reset", login=learner.mobile)
    assert 'id="found-account"' in found.get_data(as_text=True)
    token = client.get("/account/reset").get_data(as_text=True)
    token = token.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    done = client.post(f"/account/reset/{learner.id}", data={"csrf_token": token})
    assert done.status_code == 200
    secret = done.get_data(as_text=True).split('id="temporary-password">')[1].split("<")[0]
    client.post("/logout", data={"csrf_token": token})
    fresh = app.test_client()
    assert _relogin(fresh, learner, secret).status_code == 200
    forced = fresh.get("/learner/")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/account/password")
    changed = _form(
        fresh,
        "/account/password",
        current_password=secret,
        password=NEW_PASSWORD,
        password_confirm=NEW_PASSWORD,
    )
    assert changed.status_code == 302
    assert fresh.get("/learner/").status_code == 200


def test_regulator_may_not_reset_out_of_scope_staff_or_regulators(client, make_user, login):
    regulator = make_user(Role.REGULATOR, scope="6101")
    baoji_staff = make_user(Role.PROVIDER_STAFF, provider=make_user.provider(city="6103"))
    peer = make_user(Role.REGULATOR, scope="61")
    token = login(client, regulator)
    for target in (baoji_staff, peer):
        refused = client.post(f"/account/reset/{target.id}", data={"csrf_token": token})
        assert refused.status_code == 403
        db.session.expire_all()
        assert db.session.get(User, target.id).must_change_password is False


def test_admin_creates_provider_staff_and_regulators_and_unlocks(client, app, make_user, login):
    admin = make_user(Role.ADMIN)
    login(client, admin)
    from skilltrace.identity.codes import credit_check_char

    code = "91610300MA6U00001"[:17]
    made = _form(
        client,
        "/admin/providers/new",
        name="宝鸡技校",
        credit_code=code + credit_check_char(code),
        city="6103",
    )
    assert made.status_code == 302
    provider = db.session.scalar(select(Provider).where(Provider.name == "宝鸡技校"))
    assert provider is not None and provider.city_code == "6103"
    staff = _form(
        client,
        "/admin/accounts/new/provider_staff",
        name="赵老师",
        mobile="13711112222",
        provider=str(provider.id),
    )
    assert staff.status_code == 200 and 'id="temporary-password"' in staff.get_data(as_text=True)
    regulator = _form(
        client, "/admin/accounts/new/regulator", name="钱监管", mobile="13711113333", scope="6103"
    )
    assert 'id="temporary-password"' in regulator.get_data(as_text=True)
    created = db.session.scalar(select(User).where(User.mobile == "13711113333"))
    assert created.role == Role.REGULATOR and created.region_scope == "6103"
    assert created.must_change_password is True
    # Unlock: a locked-out learner may log in again at once.
    learner = make_user(Role.LEARNER)
    other = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_CLIENT"]):
        _relogin(other, learner, "wrong-password")
    assert _relogin(other, learner, "correct-horse-42").status_code == 429
    token = client.get("/admin/accounts").get_data(as_text=True)
    assert "<small>宝鸡市</small>" in token and "<small>6103</small>" not in token  # scope in words
    token = token.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(f"/admin/accounts/{learner.id}/unlock", data={"csrf_token": token})
    assert _relogin(other, learner, "correct-horse-42").status_code == 200
    # Deactivate: logins are refused.
    client.post(f"/admin/accounts/{learner.id}/deactivate", data={"csrf_token": token})
    other = app.test_client()
    assert _relogin(other, learner, "correct-horse-42").status_code == 403


def test_help_page_is_open_to_everyone(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPORT_CONTACT", "029-12345678")
    html = client.get("/help").get_data(as_text=True)
    assert 'id="camera-help"' in html and "029-12345678" in html
    assert "/help" in client.get("/login").get_data(as_text=True)


def test_registration_shows_every_field_error_at_once(client, make_user):
    existing = make_user(Role.LEARNER)
    page = client.get("/register").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert 'id="password-rules"' in page
    bad = client.post(
        "/register",
        data={
            "csrf_token": token,
            "name": "张",
            "id_number": "610102199001011232",
            "mobile": "1234",
            "password": "short",
            "password_confirm": "short",
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert html.count('role="alert"') >= 5  # name, ID, mobile, password, consent
    from skilltrace.identity.services import account_service

    id_number = account_service().reveal_id_number(existing)
    dup = client.post(
        "/register",
        data={
            "csrf_token": token,
            "name": "张三",
            "id_number": id_number,
            "mobile": "13698765432",
            "password": "long-enough-1",
            "password_confirm": "long-enough-1",
            "consent": "y",
        },
    )
    assert 'id="duplicate-id"' in dup.get_data(as_text=True)
    assert "/login" in dup.get_data(as_text=True)


def test_destructive_account_actions_ask_first(client, make_user, login):
    """Deactivating, resetting a password and revoking a token ask before the form is sent
    (data-confirm, read by static/js/confirm.js: no inline script under the CSP)."""
    admin = make_user(Role.ADMIN)
    learner = make_user(Role.LEARNER)
    csrf = login(client, admin)
    page = client.get(f"/admin/accounts?q={learner.mobile}").get_data(as_text=True)
    forms = {
        action: page.split(f'/admin/accounts/{learner.id}/{action}"')[1].split(">")[0]
        for action in ("unlock", "deactivate")
    }
    assert "data-confirm=" not in forms["unlock"]
    assert "data-confirm=" in forms["deactivate"] and learner.name in forms["deactivate"]
    reset = page.split(f'/account/reset/{learner.id}"')[1].split(">")[0]
    assert "data-confirm=" in reset and "密码将立即失效" in reset
    assert "js/confirm.js" in page
    client.post("/account/tokens", data={"name": "报表导出", "csrf_token": csrf})
    tokens = client.get("/account/tokens").get_data(as_text=True)
    revoke = tokens.split('/revoke"')[1].split(">")[0]
    assert "data-confirm=" in revoke and "报表导出" in revoke


def test_api_tokens_are_reached_from_the_navigation(client, make_user, login):
    """Top bar → “My account” → “API access tokens” for regulators and administrators (and a
    link at the top of the regulator's home), not for learners."""
    for role, home in ((Role.REGULATOR, "/regulator/"), (Role.ADMIN, "/admin/")):
        login(client, make_user(role))
        landing = client.get(home).get_data(as_text=True)
        nav = landing.split("<nav")[1].split("</nav>")[0]
        assert 'href="/account"' in nav
        assert 'href="/account/tokens"' in landing
        assert 'href="/account/tokens"' in client.get("/account").get_data(as_text=True)
    learner = make_user(Role.LEARNER)
    login(client, learner)
    assert 'href="/account/tokens"' not in client.get("/account").get_data(as_text=True)


def test_admin_home_counts_link_to_the_accounts_and_tokens_sit_on_top(client, make_user, login):
    make_user(Role.REGULATOR)
    login(client, make_user(Role.ADMIN))
    home = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/accounts?role=regulator"' in home
    assert home.index('href="/account/tokens"') < home.index("<section")
    regulators = client.get("/admin/accounts?role=regulator").get_data(as_text=True)
    assert regulators.count('<span class="badge ok">') == 1  # the one regulator, active
