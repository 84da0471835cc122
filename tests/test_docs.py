"""The README documents every setting and opens with the two commands."""

from pathlib import Path

from skilltrace.config import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    block = README.split("```", 2)[1]
    assert "scripts/run" in block and "scripts/test" in block


def test_every_setting_is_documented():
    assert [s.name for s in SETTINGS if f"`{s.name}`" not in README] == []


ROOT = Path(__file__).resolve().parents[1]


def _lines(name: str) -> list[str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def test_the_image_gets_runtime_files_only():
    """A build from a working checkout sends no venv, egg-info or browser tools, and the image
    installs the runtime pins alone (tests and linters live in requirements-dev.txt)."""
    ignored = set(_lines(".dockerignore"))
    assert {".venv", "*.egg-info", "node_modules", "instance", ".git", "tests"} <= ignored
    runtime = {line.split("==")[0].split("[")[0].lower() for line in _lines("requirements.txt")}
    assert not runtime & {"pytest", "pytest-timeout", "ruff", "playwright", "schemathesis"}
    assert "-r requirements.txt" in _lines("requirements-dev.txt")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install -r requirements.txt" in dockerfile and "requirements-dev" not in "".join(
        _lines("Dockerfile")
    )


def test_plain_http_docker_run_is_explained():
    """The image sets SESSION_COOKIE_SECURE=true: the README and compose say how to run it on
    plain http."""
    assert "-e SESSION_COOKIE_SECURE=false" in README
    assert "SESSION_COOKIE_SECURE: ${SESSION_COOKIE_SECURE:-false}" in (
        ROOT / "compose.yaml"
    ).read_text(encoding="utf-8")
