"""``flask oversight …``: the scheduled jobs by hand, and the targets."""

from __future__ import annotations

import click
from flask.cli import AppGroup

group = AppGroup("oversight", help="Oversight: warnings, monthly aggregates, targets.")


@group.command("warnings")
def warnings_command():
    """Run the warning rules over the trace and the ledger now (the job's twin)."""
    from skilltrace.oversight.warnings import run_warnings

    result = run_warnings()
    click.echo(f"{result['findings']} findings ({result['new']} new, {result['updated']} updated)")


@group.command("aggregate")
@click.option("--month", "months", multiple=True, help="YYYY-MM; default: this and last month.")
def aggregate_command(months: tuple[str, ...]):
    """Recompute the monthly aggregates of the report (the job's twin)."""
    from skilltrace.oversight.report import aggregate_month, previous_month, this_month

    if not months:
        months = (previous_month(this_month()), this_month())
    for month in months:
        click.echo(f"{month}: {aggregate_month(month)} figures")


@group.command("seed-targets")
@click.option("--year", type=int, default=2021)
def seed_targets_command(year: int):
    """Set the notice's 2021 province figures as the targets of YEAR where none is set."""
    from skilltrace.oversight.targets import seed_targets

    click.echo(f"{seed_targets(year)} targets added for {year}")
