"""First run: one block of development notices, settings from the environment confirmed,
login links without a stray '?'."""

import logging
import re

from skilltrace.startup import notices_block, settings_from_environment, shown_value


def test_notices_become_one_block():
    block = notices_block(["SECRET_KEY is unset: a.", "REDIS_URL is unset: b."])
    assert block.count("development mode") == 1
    assert "  * SECRET_KEY is unset: a." in block and "  * REDIS_URL is unset: b." in block
    assert notices_block([]) == ""


def test_settings_from_the_environment_hide_keys_and_passwords():
    environ = {
        "FACE_CHECK_MIN_S": "20",
        "SECRET_KEY": "s3cret",
        "DATABASE_URL": "postgresql://u:pw@db:5432/x",
        "HEARTBEAT_S": "",
        "UNRELATED": "1",
    }
    given = dict(settings_from_environment(environ))
    assert given == {
        "SECRET_KEY": "(set, hidden)",
        "DATABASE_URL": "postgresql://u:***@db:5432/x",
        "FACE_CHECK_MIN_S": "20",
    }
    assert shown_value("REDIS_URL", "redis://127.0.0.1:6379/8") == "redis://127.0.0.1:6379/8"


def _fresh_app(tmp_path, **overrides):
    from skilltrace import create_app

    return create_app(
        {
            "SECRET_KEY": "",
            "SKILLTRACE_DATA_KEY": "",
            "REDIS_URL": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "MEDIA_ROOT": str(tmp_path / "media"),
            **overrides,
        }
    )


def test_create_app_logs_the_notices_once_as_one_block(tmp_path, caplog, monkeypatch):
    # Alembic's fileConfig (run by earlier migration tests) disables existing loggers.
    monkeypatch.setattr(logging.getLogger("skilltrace"), "disabled", False)
    with caplog.at_level(logging.WARNING):
        app = _fresh_app(tmp_path)
    blocks = [r.getMessage() for r in caplog.records if "development mode" in r.getMessage()]
    assert len(blocks) == 1
    for name in ("SECRET_KEY", "SKILLTRACE_DATA_KEY", "REDIS_URL"):
        assert blocks[0].count(f"{name} is unset") == 1
    assert len(app.extensions["skilltrace.notices"]) == 3


def test_notices_can_be_turned_off_and_flask_about_prints_them(tmp_path, caplog, monkeypatch):
    with caplog.at_level(logging.WARNING):
        app = _fresh_app(tmp_path, STARTUP_NOTICES=False)
    assert not [r for r in caplog.records if "development mode" in r.getMessage()]
    monkeypatch.setenv("FACE_CHECK_MIN_S", "30")
    result = app.test_cli_runner().invoke(args=["about"])
    assert result.exit_code == 0
    assert re.search(r"FACE_CHECK_MIN_S +\= 30", result.output), result.output
    assert "SECRET_KEY is unset" in result.output


def test_login_and_language_links_carry_no_stray_question_mark(client):
    page = client.get("/provider/")
    assert page.status_code == 302
    assert page.headers["Location"].endswith("/login?next=/provider/")
    html = client.get("/login").get_data(as_text=True)
    assert "next=/login%3F" not in html and "next=/login?" not in html
    assert "/lang/en?next=/login" in html
