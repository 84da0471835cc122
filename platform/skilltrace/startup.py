"""What the app says when it starts: one block of development-mode notices, and ``flask about``.

``create_app`` collects notices (a development key in use, in-process live state) with
:func:`add_notice` and logs them once, as one block, when ``STARTUP_NOTICES`` is on.
``flask about`` prints the settings taken from the environment and the same block;
``scripts/run`` calls it once and then turns ``STARTUP_NOTICES`` off for the commands it runs
next, so a first run says each thing once.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from skilltrace.config import SETTINGS

SECRET_SETTINGS = frozenset({"SECRET_KEY", "SKILLTRACE_DATA_KEY"})


def add_notice(app: Flask, text: str) -> None:
    """Remember one development-mode notice for the start-up block."""
    app.extensions.setdefault("skilltrace.notices", []).append(text)


def notices_block(notices: list[str]) -> str:
    """The notices as one friendly block (empty string when there are none)."""
    if not notices:
        return ""
    rule = "-" * 72
    lines = [rule, "SkillTrace is running in development mode:"]
    lines += [f"  * {text}" for text in notices]
    lines += [
        "Fine for trying SkillTrace on this machine. For a real deployment set these",
        "variables (README, 'Settings').",
        rule,
    ]
    return "\n".join(lines)


def emit_notices(app: Flask) -> None:
    """Log the collected notices once, as one block, unless ``STARTUP_NOTICES`` is off."""
    block = notices_block(app.extensions.get("skilltrace.notices", []))
    if block and app.config.get("STARTUP_NOTICES", True):
        app.logger.warning("\n%s", block)


def shown_value(name: str, raw: str) -> str:
    """A setting's value as it may be printed: keys hidden, passwords in URLs masked."""
    if name in SECRET_SETTINGS:
        return "(set, hidden)"
    if "://" in raw:
        parts = urlsplit(raw)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            return urlunsplit(parts._replace(netloc=netloc))
    return raw


def settings_from_environment(environ: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(name, printable value) of every setting given in the environment, in table order."""
    environ = os.environ if environ is None else environ
    return [
        (s.name, shown_value(s.name, environ[s.name]))
        for s in SETTINGS
        if environ.get(s.name, "") != ""
    ]


@click.command("about")
@with_appcontext
def about_command() -> None:
    """Print the settings taken from the environment and the development-mode notices."""
    given = settings_from_environment()
    if given:
        click.echo("Settings taken from the environment:")
        width = max(len(name) for name, _value in given)
        for name, value in given:
            click.echo(f"  {name.ljust(width)} = {value}")
    else:
        click.echo("Settings: all defaults (none set in the environment).")
    block = notices_block(current_app.extensions.get("skilltrace.notices", []))
    if block:
        click.echo(block)


def init_app(app: Flask) -> None:
    app.cli.add_command(about_command)
    emit_notices(app)
