"""Every UI string has a Simplified Chinese translation (Chinese is the default UI)."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "platform/skilltrace/translations/zh/LC_MESSAGES/messages.po"


def test_every_string_in_the_code_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_pgettext:1c,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        wanted = {_key(m) for m in read_po(f) if m.id}
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    translated = {
        _key(m)
        for m in catalogue
        if m.id and (m.string if isinstance(m.string, str) else m.string[0])
    }
    assert sorted(wanted - translated, key=str) == []
    # Message contexts are extracted (one English word, two meanings, two translations).
    assert ("history action", "Submitted") in wanted
    assert ("token", "Name") in wanted


def _key(message) -> tuple[str | None, str]:
    """(message context, msgid): one English word may carry two meanings in two contexts."""
    return message.context or None, message.id if isinstance(message.id, str) else message.id[0]


def test_one_word_two_meanings_has_two_translations(app):
    from flask_babel import force_locale, gettext, pgettext

    with app.test_request_context(), force_locale("zh"):
        assert gettext("Submitted") == "提交时间"
        assert pgettext("history action", "Submitted") == "已提交"
        assert gettext("Name") == "姓名"
        assert pgettext("organisation", "Name") == "名称"
        assert pgettext("voucher batch", "Name") == "名称"
        # docs/glossary.md: 备案 for courses and classes, 批准 a face case, 核准 a subsidy line.
        assert gettext("Approve") == "准予备案" and gettext("Approved") == "已备案"
        assert pgettext("face case", "Approve") == "批准"
        assert pgettext("subsidy claim", "Approve") == "核准"


def test_course_and_class_approval_is_always_beian():
    """The glossary's one term: no course or class string speaks of 审核 or 批准."""
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    about = ("course", "class", "approv")
    mixed = [
        (m.id, m.string)
        for m in catalogue
        if m.id
        and not m.context
        and isinstance(m.id, str)
        and any(w in m.id.lower() for w in about)
        and not any(
            w in m.id.lower() for w in ("face", "subsid", "trainee", "appeal", "accommodation")
        )
        and any(w in m.string for w in ("审核", "批准"))
    ]
    assert mixed == []


def test_chinese_uses_full_width_parentheses():
    """No ASCII parentheses around Chinese words in a Chinese translation."""
    import re

    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    ascii_parens = re.compile(r"\(\s*[\u4e00-\u9fff][^()]*\)|\([^()]*[\u4e00-\u9fff]\s*\)")
    bad = [
        m.string for m in catalogue if isinstance(m.string, str) and ascii_parens.search(m.string)
    ]
    assert bad == []


def test_placeholders_survive_translation():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    import re

    for m in catalogue:
        if m.id and isinstance(m.id, str) and m.string:
            assert set(re.findall(r"%\(\w+\)s", m.id)) == set(re.findall(r"%\(\w+\)s", m.string)), (
                m.id
            )


def test_the_catalogue_compiles():
    """A fuzzy header makes pybabel skip the whole catalogue (the UI would fall back to English)."""
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    assert not catalogue.fuzzy
