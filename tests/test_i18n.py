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
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and (m.string if isinstance(m.string, str) else m.string[0])
    }
    assert sorted(wanted - translated) == []


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
