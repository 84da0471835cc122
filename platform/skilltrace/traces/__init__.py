"""The learning trace: an append-only, hash-chained event log per learner."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from skilltrace.traces import cli, models  # noqa: F401  (models: metadata for migrations)

    app.cli.add_command(cli.traces_cli)
