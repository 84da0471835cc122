"""One time format (Beijing) and language-appropriate parentheses in every template."""

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from skilltrace.timefmt import beijing_time

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.mark.parametrize(
    ("value", "seconds", "shown"),
    [
        (datetime(2026, 11, 30, 6, 5, 9, tzinfo=UTC), False, "2026-11-30 14:05"),
        (datetime(2026, 11, 30, 6, 5, 9, tzinfo=UTC), True, "2026-11-30 14:05:09"),
        (datetime(2026, 11, 30, 16, 0), False, "2026-12-01 00:00"),  # naive = UTC
        (
            datetime(2026, 11, 30, 8, 0, tzinfo=timezone(timedelta(hours=-5))),
            False,
            "2026-11-30 21:00",
        ),
        ("2026-11-30T06:05:00.000000Z", False, "2026-11-30 14:05"),
        ("2026-11-30T06:05:00+00:00", True, "2026-11-30 14:05:00"),
        (date(2026, 11, 30), False, "2026-11-30"),
        (None, False, "—"),
        ("not a time", False, "not a time"),
    ],
)
def test_beijing_time(value, seconds, shown):
    assert beijing_time(value, seconds=seconds) == shown


def test_templates_use_one_time_filter():
    offenders = [
        p.name
        for p in TEMPLATES.rglob("*.html")
        if any(f in p.read_text() for f in ("|datetimeformat", "|dateformat", "strftime("))
    ]
    assert offenders == []


def test_templates_wrap_values_in_the_paren_filter():
    """No ASCII "( {{ value }} )" around a value: （…） in Chinese comes from ``|paren``."""
    offenders = [
        f"{p.relative_to(TEMPLATES)}:{n}"
        for p in TEMPLATES.rglob("*.html")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if "({{" in line or "}})" in line
    ]
    assert offenders == []


def test_paren_follows_the_language(app):
    from flask_babel import force_locale

    from skilltrace.display import paren

    with app.test_request_context():
        with force_locale("zh"):
            assert paren("政策版本 2026-11") == "（政策版本 2026-11）"
        with force_locale("en"):
            assert paren(3) == " (3)"
        assert str(paren("<b>")).endswith("&lt;b&gt;)") or "&lt;b&gt;" in str(paren("<b>"))


def test_no_table_header_is_empty():
    """axe's empty-table-header: an action column is named (“操作”), never a bare <th></th>."""
    import re

    empty = re.compile(r"<th(\s[^>]*)?>\s*</th>")
    offenders = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if empty.search(p.read_text())
    ]
    assert offenders == []


def test_no_template_prints_a_raw_code():
    """Issues 13 and 17: a status, kind, state, action, decision, level or region is shown
    through its label table (``claim_status_label(c.status)``, ``appeal_labels[a.status]``);
    the bare code only goes into attributes (``data-status="{{ c.status }}"``)."""
    import re

    bare = re.compile(
        r'(=")?\{\{\s*[\w.]+\.(status|kind|state|action|to_state|from_state|from_status'
        r"|to_status|review|level|region|region_scope)\s*(\|[^}]*)?\}\}"
    )
    offenders = [
        f"{p.relative_to(TEMPLATES)}: {m.group(0)}"
        for p in TEMPLATES.rglob("*.html")
        for m in bare.finditer(p.read_text())
        if not m.group(1)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("url", "title"),
    [("/", "技训通"), ("/login", "登录 · 技训通"), ("/no-such-page", "404 · 技训通")],
)
def test_page_titles_name_the_page_then_the_site_once(client, url, title):
    html = client.get(url).get_data(as_text=True)
    assert f"<title>{title}</title>" in html
