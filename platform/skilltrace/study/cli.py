"""``flask study …``: rebuild the ledger from the trace; end sessions whose heartbeats stopped;
open the random checks that fell due; end sessions whose learner may no longer study."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from skilltrace.extensions import db
from skilltrace.identity.models import Role, User
from skilltrace.identity.services import account_service
from skilltrace.study.crediting import CreditingRules
from skilltrace.study.projection import replay_trace, stored_ledger
from skilltrace.traces.services import TraceLog

study_cli = AppGroup("study", help="Supervised study.")


def _learner(login: str) -> User:
    user = db.session.scalar(select(User).where(User.mobile == login))
    if user is None and login.isdigit() and len(login) < 11:
        user = db.session.get(User, int(login))
    user = user or account_service().find_by_id_number(login)
    if user is None or user.role != Role.LEARNER:
        raise click.ClickException(f"no learner {login!r} (give a mobile, ID number or user id)")
    return user


@study_cli.command("recompute")
@click.argument("learner")
def recompute(learner: str):
    """Rebuild LEARNER's ledger from the trace and compare it with the stored ledger."""
    user = _learner(learner)
    rules = CreditingRules.from_config(current_app.config)
    rebuilt = replay_trace(TraceLog(db.session).events(user.id), rules)
    stored = stored_ledger(db.session, user.id)
    differences = stored.differences(rebuilt)
    seconds = sum(rebuilt.credited.values())
    if differences:
        click.echo(f"learner {user.id}: the stored ledger differs from the trace:")
        for line in differences:
            click.echo(f"  {line}")
        sys.exit(1)
    click.echo(
        f"learner {user.id}: stored ledger equals the trace "
        f"({seconds:.1f} credited seconds, {len(rebuilt.coverage)} lessons, "
        f"{len(rebuilt.completed)} completed)"
    )


@study_cli.command("sweep")
def sweep():
    """End sessions whose heartbeats stopped (their open stretch is voided)."""
    from skilltrace.study.jobs import sweep_sessions

    click.echo(f"{sweep_sessions()} sessions ended")


@study_cli.command("expire-checks")
def expire_checks_command():
    """Miss face checks whose deadline passed; hand long-pending answers to a worker again."""
    from skilltrace.study.jobs import expire_checks

    missed, handed = expire_checks()
    click.echo(f"{missed} checks missed, {handed} answers handed to a face worker again")


@study_cli.command("issue-checks")
def issue_checks_command():
    """Open the random face checks that fell due (the learners see them at their next
    heartbeat)."""
    from skilltrace.study.issuing import issue_due_checks

    click.echo(f"{issue_due_checks()} checks opened")


@study_cli.command("recheck-access")
def recheck_access_command():
    """End running sessions whose class closed, whose course lost its approval, whose provider
    was suspended or whose learner left the class."""
    from skilltrace.study.access import recheck_access

    click.echo(f"{recheck_access()} sessions ended")
