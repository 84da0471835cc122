"""The README documents every setting and opens with the two commands."""

from pathlib import Path

from skilltrace.config import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    block = README.split("```", 2)[1]
    assert "scripts/run" in block and "scripts/test" in block


def test_every_setting_is_documented():
    assert [s.name for s in SETTINGS if f"`{s.name}`" not in README] == []
