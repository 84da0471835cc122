"""``flask traces verify``: check every learner's hash chain."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from skilltrace.extensions import db
from skilltrace.traces.services import verify_all

traces_cli = AppGroup("traces", help="The tamper-evident learning trace.")


@traces_cli.command("verify")
def verify():
    """Verify every chain; print the first broken link of each broken one (exit status 1)."""
    chains = events = broken = 0
    for report in verify_all(db.session):
        chains += 1
        events += report.events
        if report.broken is not None:
            broken += 1
            link = report.broken
            click.echo(
                f"BROKEN learner {report.learner_id}: first broken link at seq {link.seq} "
                f"({link.reason}): {link.message}"
            )
    click.echo(f"{chains} chains, {events} events, {broken} broken")
    if broken:
        sys.exit(1)
