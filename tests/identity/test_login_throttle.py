"""Login throttling (issue 11 item 9): strangers guessing a learner's password slow
themselves down; the owner on a client without failures still logs in."""

import pytest

from skilltrace.identity.throttle import ThrottleRules, slowdown_s

RIGHT = "correct-horse-42"


def _client(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _try(client, user, password):
    return client.post("/api/v1/auth/login", json={"login": user.mobile, "password": password})


def test_owner_logs_in_from_a_clean_client_while_the_account_is_attacked(app, make_user):
    user = make_user()
    attacker = _client(app, "203.0.113.9")
    codes = [_try(attacker, user, f"guess-{n}").status_code for n in range(12)]
    assert codes[:5] == [401] * 5 and 429 in codes
    blocked = _try(attacker, user, RIGHT)  # even the right password: this client waits
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_attempts"
    owner = _client(app, "198.51.100.7")
    assert _try(owner, user, RIGHT).status_code == 200


def test_failures_from_many_clients_slow_each_failing_client_not_the_owner(app, make_user):
    user = make_user()
    free = app.config["LOGIN_ACCOUNT_FREE_FAILURES"]
    for n in range(free + 6):  # a botnet: one failure per address (the wait: 64 s)
        assert _try(_client(app, f"203.0.113.{n + 1}"), user, "guess").status_code == 401
    # a client that failed on the attacked account must now wait, whatever it sends
    again = _try(_client(app, "203.0.113.1"), user, RIGHT)
    assert again.status_code == 429
    # a wait of about a minute (64 s less the time the botnet took), not a 15-minute lockout
    message = again.get_json()["error"]["message"]
    assert "秒" in message or "1 分钟" in message, message
    assert _try(_client(app, "198.51.100.7"), user, RIGHT).status_code == 200


def test_per_client_failures_block_that_pair_only(app, make_user):
    user, other = make_user(), make_user()
    client = _client(app, "203.0.113.20")
    limit = app.config["LOGIN_MAX_FAILURES_PER_CLIENT"]
    for _ in range(limit):
        assert _try(client, user, "wrong").status_code == 401
    assert _try(client, user, RIGHT).status_code == 429
    assert _try(client, other, RIGHT).status_code == 200  # same client, another account


def test_one_ip_guessing_many_accounts_is_stopped(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_IP", 3)
    users = [make_user() for _ in range(4)]
    client = _client(app, "203.0.113.30")
    codes = [_try(client, u, "x").status_code for u in users]
    assert codes == [401, 401, 401, 429]
    assert _try(_client(app, "198.51.100.8"), users[3], RIGHT).status_code == 200


def test_a_right_password_forgives_the_clients_failures(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_FREE_FAILURES", 100)  # the pair rule alone
    user = make_user()
    client = _client(app, "203.0.113.40")
    limit = app.config["LOGIN_MAX_FAILURES_PER_CLIENT"]
    for _ in range(limit - 1):
        _try(client, user, "wrong")
    assert _try(client, user, RIGHT).status_code == 200
    for _ in range(limit - 1):
        assert _try(client, user, "wrong").status_code == 401


def test_the_login_page_is_throttled_the_same_way(app, make_user, csrf_token):
    user = make_user()
    client = _client(app, "203.0.113.50")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_CLIENT"]):
        _try(client, user, "wrong")
    page = client.post(
        "/login", data={"login": user.mobile, "password": RIGHT, "csrf_token": csrf_token(client)}
    )
    assert page.status_code == 429


RULES = ThrottleRules(
    window_s=900,
    max_failures_per_ip=30,
    max_failures_per_client=5,
    account_free_failures=5,
    max_delay_s=300,
)


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(0, 0), (5, 0), (6, 2), (7, 4), (10, 32), (13, 256), (14, 300), (1000, 300)],
)
def test_slowdown_doubles_past_the_free_failures_and_is_capped(failures, wait):
    assert slowdown_s(RULES, failures) == wait
